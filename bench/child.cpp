#include "child.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace supctl::bench {
namespace {

double mib(long kib) { return static_cast<double>(kib) / 1024.0; }
double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

}  // namespace

Figures in_child(const std::function<Figures()>& measure) {
  int fds[2];
  if (pipe(fds) != 0) return Figures{{"error", "cannot make a pipe"}};
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return Figures{{"error", "cannot fork"}};
  if (pid == 0) {
    close(fds[0]);
    std::string text;
    try {
      text = measure().dump();
    } catch (const std::exception& e) {
      text = Figures{{"error", e.what()}}.dump();
    }
    for (std::size_t at = 0; at < text.size();) {
      ssize_t n = write(fds[1], text.data() + at, text.size() - at);
      if (n <= 0) break;
      at += static_cast<std::size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buffer[65536];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Figures figures = Figures::parse(text, nullptr, false);
  if (figures.is_discarded() || !WIFEXITED(status)) return Figures{{"error", "the measuring child died"}};
  figures["peak_mib"] = mib(usage.ru_maxrss);
  return figures;
}

Run run_program(const std::string& program, const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<std::string> copies = args;
  std::vector<char*> argv;
  std::string name = program;
  argv.push_back(name.data());
  for (std::string& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    if (FILE* out = std::fopen(log.c_str(), "w")) {
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
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    run.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    run.peak_mib = mib(usage.ru_maxrss);
  }
  return run;
}

}  // namespace supctl::bench
