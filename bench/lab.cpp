// supctl_bench_lab: the lab estate end to end through the real `supctl` program, against the cost
// of parsing the same manifests with toml++ alone. Generates V registry values over H lab hosts in
// a temporary directory, then runs `supctl lab init`, `supctl apply --lab` (every value new) and
// `supctl plan --lab --detailed-exitcode` (converged, exit 0) as child processes, and reports
// wall seconds, microseconds per resource, the plan's ratio to the raw parse, and peak memory of
// each child, as JSON.

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <toml++/toml.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Run {
  int exit_code = -1;
  double seconds = 0;
  double peak_mib = 0;  ///< the child's peak resident memory
};

/// Runs `supctl ARGS...` with its output sent to `log`, and times it.
Run run_supctl(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  std::string program = SUPCTL_PROGRAM;
  argv.push_back(program.data());
  std::vector<std::string> copies = args;
  for (std::string& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    FILE* out = std::fopen(log.c_str(), "w");
    if (out) {
      dup2(fileno(out), 1);
      dup2(fileno(out), 2);
    }
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  Run run;
  int status = 0;
  rusage usage{};
  if (pid > 0 && wait4(pid, &status, 0, &usage) == pid) {
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    run.peak_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
  }
  return run;
}

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

nlohmann::ordered_json figures(const char* phase, const Run& run, std::size_t resources) {
  return {{"phase", phase},
          {"exit_code", run.exit_code},
          {"seconds", run.seconds},
          {"microseconds_per_resource", run.seconds * 1e6 / static_cast<double>(resources)},
          {"peak_mib", run.peak_mib}};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t values = 10000, hosts = 10;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--values") == 0) values = std::strtoull(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--hosts") == 0) hosts = std::max<std::size_t>(1, std::strtoull(argv[i + 1], nullptr, 10));
    else if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::cerr << "usage: supctl_bench_lab [--values V] [--hosts H] [--rounds R]\n";
      return 1;
    }
  }
  std::string pattern = (fs::temp_directory_path() / "supctl-bench-lab-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    std::cerr << "cannot make a temporary directory\n";
    return 1;
  }
  const fs::path dir = pattern;
  const fs::path log = dir / "supctl.log";
  const fs::path manifests = dir / "manifests";
  fs::create_directories(manifests);
  std::vector<fs::path> files = generate(manifests, values, hosts);
  const std::string d = manifests.string();

  nlohmann::ordered_json phases = nlohmann::ordered_json::array();
  bool ok = true;
  auto check = [&](const char* phase, const Run& run, int expected) {
    if (run.exit_code == expected) return true;
    std::ifstream in(log);
    std::cerr << phase << " exited " << run.exit_code << " (expected " << expected << "):\n" << in.rdbuf() << "\n";
    ok = false;
    return false;
  };
  const double parse = parse_seconds(files, std::max(rounds, 5));
  Run init = run_supctl({"lab", "init", d}, log);
  if (check("lab init", init, 0)) phases.push_back(figures("lab init", init, values));
  Run apply = run_supctl({"apply", d, "--lab", "--auto-approve"}, log);
  if (ok && check("apply", apply, 0)) phases.push_back(figures("apply --lab (all new)", apply, values));
  std::vector<Run> plans;
  for (int r = 0; ok && r < rounds; ++r) {
    Run plan = run_supctl({"plan", d, "--lab", "--detailed-exitcode"}, log);
    if (!check("plan", plan, 0)) break;
    plans.push_back(plan);
  }
  nlohmann::ordered_json out;
  out["values"] = values;
  out["hosts"] = hosts;
  out["toml_parse_seconds"] = parse;
  if (!plans.empty()) {
    std::sort(plans.begin(), plans.end(), [](const Run& a, const Run& b) { return a.seconds < b.seconds; });
    const Run& median = plans[plans.size() / 2];
    phases.push_back(figures("plan --lab (converged, median)", median, values));
    out["plan_to_parse_ratio"] = median.seconds / parse;
  }
  out["phases"] = phases;
  std::cout << out.dump(2) << "\n";
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return ok ? 0 : 1;
}
