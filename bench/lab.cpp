#include "lab.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <toml++/toml.h>
#include <vector>

namespace supctl::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// The manifests: a hierarchy, H hosts on the lab transport, V registry values spread over them
/// (100 values to a key), in one file per host.
std::vector<fs::path> generate(const fs::path& dir, std::size_t values, std::size_t hosts) {
  std::vector<fs::path> files;
  std::ofstream(dir / "hierarchy.toml") << "[hierarchy]\nname = \"bench-lab\"\nconfigmgr = \"current-branch\"\n";
  files.push_back(dir / "hierarchy.toml");
  for (std::size_t h = 0; h < hosts; ++h) {
    const std::string host = fmt::format("host{:02}.bench.example", h);
    std::string text = fmt::format("[host.\"{}\"]\ntransport = \"lab\"\n\n", host);
    for (std::size_t v = h; v < values; v += hosts) {
      text += fmt::format("[registry_value.v{}]\nhost = \"{}\"\nkey = 'HKLM\\SOFTWARE\\Bench\\K{}'\nname = \"V{}\"\n"
                          "type = \"dword\"\ndata = {}\n\n",
                          v, host, v / 100, v, v % 65536);
    }
    fs::path file = dir / fmt::format("host{:02}.toml", h);
    std::ofstream(file) << text;
    files.push_back(file);
  }
  return files;
}

/// The best of `rounds` toml++ parses of every file, in seconds.
double parse_seconds(const std::vector<fs::path>& files, int rounds) {
  double best = 1e9;
  for (int r = 0; r < rounds; ++r) {
    auto start = Clock::now();
    std::size_t tables = 0;
    for (const fs::path& file : files) {
      toml::table parsed = toml::parse_file(file.string());
      tables += parsed.size();
    }
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (tables == 0) std::cerr << "nothing parsed\n";
    best = std::min(best, seconds);
  }
  return best;
}

Figures figures(const char* phase, const Run& run, std::size_t resources) {
  return {{"phase", phase},
          {"exit_code", run.exit_code},
          {"seconds", run.seconds},
          {"cpu_seconds", run.cpu_seconds},
          {"microseconds_per_resource", run.seconds * 1e6 / static_cast<double>(resources)},
          {"peak_mib", run.peak_mib}};
}

}  // namespace

Figures lab_figures(const LabOptions& options) {
  const std::size_t values = options.values;
  std::string pattern = (fs::temp_directory_path() / "supctl-bench-lab-XXXXXX").string();
  if (!mkdtemp(pattern.data())) return Figures{{"error", "cannot make a temporary directory"}};
  const fs::path dir = pattern;
  const fs::path log = dir / "supctl.log";
  const fs::path manifests = dir / "manifests";
  fs::create_directories(manifests);
  std::vector<fs::path> files = generate(manifests, values, options.hosts);
  const std::string d = manifests.string();

  Figures phases = Figures::array();
  std::string error;
  auto run = [&](const char* phase, std::vector<std::string> args, int expected) {
    Run result = run_program(options.program, args, log);
    if (result.exit_code != expected && error.empty()) {
      std::ifstream in(log);
      error = fmt::format("{} exited {} (expected {}): {}", phase, result.exit_code, expected,
                          std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
    }
    return result;
  };
  const double parse = parse_seconds(files, std::max(options.rounds, 5));
  Run init = run("lab init", {"lab", "init", d}, 0);
  if (error.empty()) phases.push_back(figures("lab init", init, values));
  Run apply = run("apply", {"apply", d, "--lab", "--auto-approve"}, 0);
  if (error.empty()) phases.push_back(figures("apply --lab (all new)", apply, values));
  std::vector<Run> plans;
  for (int r = 0; error.empty() && r < options.rounds; ++r) {
    Run plan = run("plan", {"plan", d, "--lab", "--detailed-exitcode"}, 0);
    if (error.empty()) plans.push_back(plan);
  }
  Figures out;
  out["values"] = values;
  out["hosts"] = options.hosts;
  out["toml_parse_seconds"] = parse;
  if (!plans.empty()) {
    std::sort(plans.begin(), plans.end(), [](const Run& a, const Run& b) { return a.seconds < b.seconds; });
    const Run& median = plans[plans.size() / 2];
    phases.push_back(figures("plan --lab (converged, median)", median, values));
    out["plan_to_parse_ratio"] = median.seconds / parse;
    out["plan_cpu_to_parse_ratio"] = median.cpu_seconds / parse;
  }
  out["phases"] = phases;
  if (!error.empty()) out["error"] = error;
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return out;
}

}  // namespace supctl::bench
