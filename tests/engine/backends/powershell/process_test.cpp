#include "backends/powershell/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace {

using supctl::powershell::find_program;
using supctl::powershell::ProcessRequest;
using supctl::powershell::ProcessResult;
using supctl::powershell::run_process;
using Status = ProcessResult::Status;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Bytes of every value, NULs included, in a pattern that makes a shifted copy differ.
std::string binary_payload(std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 7 + i / 251) % 256);
  return data;
}

ProcessRequest sh(std::string script) {
  ProcessRequest request;
  request.program = "sh";
  request.arguments = {"-c", std::move(script)};
  request.timeout = 20s;
  return request;
}

std::set<int> open_descriptors() {
  std::set<int> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return fds;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') fds.insert(std::stoi(entry->d_name));
  }
  fds.erase(::dirfd(dir));
  ::closedir(dir);
  return fds;
}

/// Whether a process is still alive: neither gone nor a zombie waiting for its reaper.
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  if (text.empty()) return false;
  std::size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
}

bool alive_within(pid_t pid, std::chrono::milliseconds bound) {
  const auto until = Clock::now() + bound;
  while (alive(pid) && Clock::now() < until) ::usleep(10'000);
  return alive(pid);
}

}  // namespace

TEST_CASE("process: a multi-megabyte stdin comes back byte for byte on stdout", "[process]") {
  ProcessRequest request;
  request.program = "cat";
  request.stdin_data = binary_payload(8 * 1024 * 1024 + 13);
  request.timeout = 20s;
  ProcessResult result = run_process(request);
  REQUIRE(result.status == Status::kExited);
  CHECK(result.exit_code == 0);
  CHECK(result.stdin_written == request.stdin_data.size());
  REQUIRE(result.stdout_text.size() == request.stdin_data.size());
  CHECK((result.stdout_text == request.stdin_data));
  CHECK(result.stderr_text.empty());
}

TEST_CASE("process: stdin, stdout and stderr flow at once without deadlock", "[process]") {
  // The child writes megabytes to both outputs before and while it reads its stdin: a runner that
  // wrote all of stdin first, or read one output at a time, would block forever.
  ProcessRequest request = sh("head -c 3000000 /dev/zero; head -c 3000000 /dev/zero >&2; cat >&2; printf done");
  request.stdin_data = binary_payload(5 * 1024 * 1024);
  ProcessResult result = run_process(request);
  REQUIRE(result.status == Status::kExited);
  CHECK(result.exit_code == 0);
  CHECK(result.stdout_text == std::string(3000000, '\0') + "done");
  REQUIRE(result.stderr_text.size() == 3000000 + request.stdin_data.size());
  CHECK((result.stderr_text.substr(3000000) == request.stdin_data));
}

TEST_CASE("process: exit codes and signals", "[process]") {
  ProcessResult exited = run_process(sh("printf out; printf err >&2; exit 7"));
  CHECK(exited.status == Status::kExited);
  CHECK(exited.exit_code == 7);
  CHECK(exited.stdout_text == "out");
  CHECK(exited.stderr_text == "err");

  ProcessResult zero = run_process(sh("exit 0"));
  CHECK(zero.status == Status::kExited);
  CHECK(zero.exit_code == 0);

  ProcessResult signaled = run_process(sh("kill -TERM $$"));
  CHECK(signaled.status == Status::kSignaled);
  CHECK(signaled.signal == SIGTERM);
}

TEST_CASE("process: a program that is missing is not started, with the reason", "[process]") {
  ProcessRequest request;
  request.program = "supctl-no-such-program";
  ProcessResult by_name = run_process(request);
  CHECK(by_name.status == Status::kNotStarted);
  CHECK(by_name.error == "'supctl-no-such-program' is not on PATH");

  request.program = "/nonexistent/supctl-no-such-program";
  ProcessResult by_path = run_process(request);
  CHECK(by_path.status == Status::kNotStarted);
  CHECK(by_path.error == "'/nonexistent/supctl-no-such-program' does not exist or is not executable");

  CHECK(find_program("sh", "/nonexistent::/bin").value() == "/bin/sh");
  CHECK_FALSE(find_program("sh", "").has_value());
}

TEST_CASE("process: a program that cannot be executed leaves other children alone", "[process]") {
  // An executable file that is no program (no #! line): found on the path, refused by exec.
  char name[] = "/tmp/supctl-not-a-program-XXXXXX";
  int fd = ::mkstemp(name);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "\x7f\x01garbage", 9) == 9);
  ::close(fd);
  REQUIRE(::chmod(name, 0700) == 0);
  // Another child of this process that has exited and waits to be reaped by its owner.
  pid_t sibling = ::fork();
  REQUIRE(sibling >= 0);
  if (sibling == 0) ::_exit(7);
  std::this_thread::sleep_for(200ms);

  ProcessRequest request;
  request.program = name;
  ProcessResult result = run_process(request);
  ::unlink(name);
  CHECK(result.status == Status::kNotStarted);
  CHECK(result.error.find("cannot run '" + std::string(name) + "'") == 0);
  // The failed start reaped nothing of anyone else's (waitpid(-1) would have taken this one).
  int status = 0;
  CHECK(::waitpid(sibling, &status, 0) == sibling);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);
}

TEST_CASE("process: the timeout ends the whole process group", "[process]") {
  // The shell starts a grandchild, prints its pid and waits: both must be gone afterwards.
  ProcessRequest request = sh("sleep 30 & echo $!; wait");
  request.timeout = 300ms;
  const auto start = Clock::now();
  ProcessResult result = run_process(request);
  CHECK(result.status == Status::kTimedOut);
  CHECK(Clock::now() - start < 5s);
  REQUIRE_FALSE(result.stdout_text.empty());
  pid_t grandchild = std::stoi(result.stdout_text);
  CHECK_FALSE(alive_within(grandchild, 2s));
}

TEST_CASE("process: SIGKILL follows when SIGTERM is ignored", "[process]") {
  ProcessRequest request = sh("trap '' TERM; sleep 30 & echo $!; wait");
  request.timeout = 200ms;
  request.kill_grace = 300ms;
  const auto start = Clock::now();
  ProcessResult result = run_process(request);
  const auto took = Clock::now() - start;
  CHECK(result.status == Status::kTimedOut);
  CHECK(took >= 500ms);
  CHECK(took < 5s);
  REQUIRE_FALSE(result.stdout_text.empty());
  CHECK_FALSE(alive_within(std::stoi(result.stdout_text), 2s));
}

TEST_CASE("process: a child that does not read its stdin does not hurt the runner", "[process]") {
  ProcessRequest request;
  request.program = "true";
  request.stdin_data = binary_payload(4 * 1024 * 1024);
  ProcessResult result = run_process(request);  // SIGPIPE would end this test program
  CHECK(result.status == Status::kExited);
  CHECK(result.exit_code == 0);
  CHECK(result.stdin_written < request.stdin_data.size());
}

TEST_CASE("process: the environment override sets and removes variables", "[process]") {
  ::setenv("SUPCTL_PROCESS_TEST_REMOVED", "present", 1);
  ProcessRequest request =
      sh("printf '%s|%s|%s' \"$SUPCTL_PROCESS_TEST_SET\" \"${SUPCTL_PROCESS_TEST_REMOVED-removed}\" \"$PATH\"");
  request.environment = {{"SUPCTL_PROCESS_TEST_SET", "yes"}, {"SUPCTL_PROCESS_TEST_REMOVED", std::nullopt}};
  ProcessResult result = run_process(request);
  ::unsetenv("SUPCTL_PROCESS_TEST_REMOVED");
  CHECK(result.stdout_text == std::string("yes|removed|") + std::getenv("PATH"));

  // A PATH in the override is where the program is looked for.
  ProcessRequest elsewhere;
  elsewhere.program = "sh";
  elsewhere.environment = {{"PATH", "/nonexistent"}};
  CHECK(run_process(elsewhere).status == Status::kNotStarted);
}

TEST_CASE("process: no descriptor leaks into the child or stays open in the runner", "[process]") {
  const std::set<int> before = open_descriptors();
  // Descriptors this test program itself inherited without close-on-exec pass on to any child;
  // nothing else may.
  std::set<int> expected{0, 1, 2};
  for (int fd : before) {
    if (fd > 2 && (::fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0) expected.insert(fd);
  }
  ProcessRequest request;
  request.program = "ls";
  request.arguments = {"/proc/self/fd"};
  ProcessResult result = run_process(request);
  REQUIRE(result.status == Status::kExited);
  std::set<int> seen;
  std::istringstream lines(result.stdout_text);
  for (std::string line; std::getline(lines, line);) seen.insert(std::stoi(line));
  // ls also sees the one descriptor of the directory it reads.
  REQUIRE(seen.size() == expected.size() + 1);
  for (int fd : expected) CHECK(seen.contains(fd));
  CHECK(open_descriptors() == before);
}
