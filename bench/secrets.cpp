#include "secrets.h"

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>

#include "state/fingerprint.h"
#include "state/state.h"

namespace supctl::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double median(std::vector<double> values) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

Figures secrets_figures(const SecretsOptions& options) {
  std::string pattern = (fs::temp_directory_path() / "supctl-bench-secrets-XXXXXX").string();
  if (!mkdtemp(pattern.data())) return Figures{{"error", "cannot make a temporary directory"}};
  const fs::path dir = pattern;
  Figures out;
  const state::ScryptCost cost = state::kFingerprintCost;
  out["scrypt"] = {{"log2_n", cost.log2_n}, {"r", cost.r}, {"p", cost.p}, {"memory_mib", (128.0 * cost.r * (1 << cost.log2_n)) / (1 << 20)}};

  // One fingerprint: distinct secrets, so that none is remembered from an earlier one.
  {
    std::string error;
    auto store = state::StateStore::open(dir / "state" / "state.db", &error);
    if (!store) return Figures{{"error", error}};
    std::vector<double> plain, keyed;
    for (int i = 0; i < options.rounds; ++i) {
      auto start = Clock::now();
      if (store->fingerprint(fmt::format("bench-secret-{}", i)).empty()) return Figures{{"error", "a fingerprint failed"}};
      plain.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    store->set_state_key("bench state key");
    for (int i = 0; i < options.rounds; ++i) {
      auto start = Clock::now();
      store->fingerprint(fmt::format("bench-keyed-secret-{}", i));
      keyed.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    out["fingerprint_milliseconds"] = median(plain);
    out["keyed_fingerprint_milliseconds"] = median(keyed);
  }

  // examples/contoso on the lab: converged, then planned again and again; with the baseline
  // program too, each in a copy of its own.
  setenv("CONTOSO_WSUS_CONNECT_PASSWORD", "bench-wsus-connect-password", 1);
  setenv("CONTOSO_PROXY_PASSWORD", "bench-proxy-password", 1);
  setenv("SUPCTL_WINRM_PASSWORD", "bench-winrm-password", 1);
  std::string error;
  auto contoso_plan = [&](const std::string& program, const char* name) -> double {
    const fs::path copy = dir / name;
    std::error_code failed;
    fs::copy(fs::path(options.source_dir) / "examples" / "contoso", copy, fs::copy_options::recursive, failed);
    if (failed) {
      error = fmt::format("cannot copy examples/contoso: {}", failed.message());
      return -1;
    }
    const fs::path log = dir / fmt::format("{}.log", name);
    const std::string d = copy.string();
    for (const auto& args : std::vector<std::vector<std::string>>{{"lab", "init", d}, {"apply", d, "--lab", "--auto-approve"}}) {
      Run run = run_program(program, args, log);
      if (run.exit_code != 0) {
        std::ifstream in(log);
        error = fmt::format("{}: {} {} exited {}: {}", program, args[0], args[1], run.exit_code,
                            std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
        return -1;
      }
    }
    std::vector<double> plans;
    for (int r = 0; r < options.rounds; ++r) {
      Run run = run_program(program, {"plan", d, "--lab", "--detailed-exitcode"}, log);
      if (run.exit_code != 0) {
        error = fmt::format("{}: plan of contoso exited {}", program, run.exit_code);
        return -1;
      }
      plans.push_back(run.seconds);
    }
    return median(plans);
  };
  const double plan = contoso_plan(options.program, "contoso");
  out["contoso_plan_seconds"] = plan;
  if (!options.baseline.empty() && error.empty()) {
    const double baseline = contoso_plan(options.baseline, "contoso-baseline");
    out["baseline_program"] = options.baseline;
    out["baseline_contoso_plan_seconds"] = baseline;
    out["contoso_plan_slower_by_seconds"] = plan - baseline;
  }
  if (!error.empty()) out["error"] = error;
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return out;
}

}  // namespace supctl::bench
