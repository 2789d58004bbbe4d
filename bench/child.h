#pragma once
/// Running a measurement in a process of its own, so that its peak memory is its own: a forked
/// child that computes figures, and a program run as a child.

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace supctl::bench {

using Figures = nlohmann::ordered_json;

/// Runs `measure` in a forked child and returns its figures with "peak_mib", the child's peak
/// resident memory, added; {"error": ...} when the child failed.
Figures in_child(const std::function<Figures()>& measure);

struct Run {
  int exit_code = -1;
  double seconds = 0;      ///< wall
  double cpu_seconds = 0;  ///< user + system, over all its threads
  double peak_mib = 0;     ///< peak resident memory
};

/// Runs `program ARGS...` with its output sent to `log`, and times it.
Run run_program(const std::string& program, const std::vector<std::string>& args, const std::filesystem::path& log);

}  // namespace supctl::bench
