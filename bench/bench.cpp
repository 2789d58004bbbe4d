// supctl_bench: load and validate a generated hierarchy; print time per resource and peak memory as JSON.

#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "generate.h"
#include "manifest/validate.h"
#include "plugins/plugins.h"

int main(int argc, char** argv) {
  std::size_t resources = 10000, files = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--resources") == 0) resources = std::strtoull(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--files") == 0) files = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::cerr << "usage: supctl_bench [--resources N] [--files F]\n";
      return 1;
    }
  }
  supctl::plugins::PluginSet plugins;

  auto generated = supctl::bench::generate_hierarchy(resources, files);
  std::size_t bytes = 0;
  for (const auto& f : generated) bytes += f.text.size();

  auto start = std::chrono::steady_clock::now();
  supctl::diag::SourceSet sources;
  auto result = supctl::manifest::validate_files(std::move(generated), plugins.all(), sources);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::size_t loaded = result.manifest.resources().size();
  nlohmann::ordered_json report{
      {"benchmark", "load+validate"},
      {"resources", loaded},
      {"files", files},
      {"manifest_bytes", bytes},
      {"errors", result.diagnostics.error_count()},
      {"seconds", seconds},
      {"microseconds_per_resource", loaded ? seconds * 1e6 / static_cast<double>(loaded) : 0.0},
      {"peak_rss_mib", static_cast<double>(usage.ru_maxrss) / 1024.0},
  };
  std::cout << report.dump(2) << "\n";
  return result.diagnostics.has_errors() ? 1 : 0;
}
