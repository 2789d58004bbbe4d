#include "backends/powershell/process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <utility>

extern char** environ;

namespace supctl::powershell {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kChunk = 64 * 1024;
/// How long output is still read after the program ended, while no more arrives: a descendant
/// that outlives it may hold the pipes open forever.
constexpr milliseconds kDrainAfterExit{2000};
/// The longest poll() wait: how often the loop looks whether the program has ended.
constexpr milliseconds kTick{100};

std::string describe_errno(int error) { return std::system_category().message(error); }

/// Owns one descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);  // never retried on EINTR: on Linux the descriptor is gone either way
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

/// A close-on-exec pipe whose ends are above 0, 1 and 2, so that the child's dup2() onto its
/// standard descriptors cannot overwrite one end with another.
bool make_pipe(Pipe& pipe, std::string& error) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    error = fmt::format("cannot create a pipe: {}", describe_errno(errno));
    return false;
  }
  for (int& fd : fds) {
    if (fd > 2) continue;
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    ::close(fd);
    fd = moved;
  }
  pipe.read = Fd(fds[0]);
  pipe.write = Fd(fds[1]);
  if (!pipe.read.open() || !pipe.write.open()) {
    error = fmt::format("cannot create a pipe: {}", describe_errno(errno));
    return false;
  }
  return true;
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/// Blocks SIGPIPE in this thread while a child's stdin is written, so a child that exits early
/// makes write() fail with EPIPE instead of ending supctl; consumes the SIGPIPE that raised.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  ~SigpipeBlock() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero{0, 0};
        while (sigtimedwait(&pipe_, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

std::vector<std::string> child_environment(const std::map<std::string, std::optional<std::string>>& overrides) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    if (overrides.contains(std::string(text.substr(0, text.find('='))))) continue;
    env.emplace_back(text);
  }
  for (const auto& [name, value] : overrides) {
    if (value) env.push_back(name + "=" + *value);
  }
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

/// waitpid() without blocking; true once the child has been reaped into `status`.
bool reap(pid_t pid, int& status) {
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno == EINTR) continue;
    return false;
  }
}

void reap_blocking(pid_t pid, int& status) {
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

void pause_for(milliseconds duration) { ::poll(nullptr, 0, static_cast<int>(duration.count())); }

/// Starts the child with its stdin, stdout and stderr on the pipes, in a process group of its own.
int spawn(const std::string& path, std::vector<std::string> argv, std::vector<std::string> env, const Pipe& in,
          const Pipe& out, const Pipe& err, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), STDERR_FILENO);

  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigset_t defaults;  // a SIGPIPE this process ignores would otherwise stay ignored in the child
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);

  std::vector<char*> c_argv = c_strings(argv);
  std::vector<char*> c_env = c_strings(env);
  int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attributes, c_argv.data(), c_env.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  return rc;
}

ProcessResult not_started(std::string error) {
  ProcessResult result;
  result.status = ProcessResult::Status::kNotStarted;
  result.error = std::move(error);
  return result;
}

}  // namespace

std::string search_path_of(const std::map<std::string, std::optional<std::string>>& environment) {
  if (auto it = environment.find("PATH"); it != environment.end()) return it->second.value_or("");
  const char* path = std::getenv("PATH");
  return path != nullptr ? path : "";
}

std::optional<std::filesystem::path> find_program(std::string_view name, std::string_view search_path) {
  auto runnable = [](const std::filesystem::path& path) {
    std::error_code ec;
    return std::filesystem::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
  };
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string_view::npos) {
    std::filesystem::path path(name);
    return runnable(path) ? std::optional(path) : std::nullopt;
  }
  while (!search_path.empty()) {
    std::size_t colon = search_path.find(':');
    std::string_view dir = search_path.substr(0, colon);
    search_path = colon == std::string_view::npos ? std::string_view() : search_path.substr(colon + 1);
    if (dir.empty()) continue;  // never the current directory
    std::filesystem::path candidate = std::filesystem::path(dir) / name;
    if (runnable(candidate)) return candidate;
  }
  return std::nullopt;
}

struct ChildProcess::Pipes {
  Fd in;   ///< the child's stdin, our end
  Fd out;  ///< its stdout
  Fd err;  ///< its stderr
};

ChildProcess::ChildProcess() : pipes_(std::make_unique<Pipes>()), last_output_(Clock::now()) {}

std::unique_ptr<ChildProcess> ChildProcess::start(const ProcessRequest& request, std::string* error) {
  std::optional<std::filesystem::path> path = find_program(request.program, search_path_of(request.environment));
  if (!path) {
    *error = request.program.find('/') != std::string::npos
                 ? fmt::format("'{}' does not exist or is not executable", request.program)
                 : fmt::format("'{}' is not on PATH", request.program);
    return nullptr;
  }
  Pipe in, out, err;
  if (!make_pipe(in, *error) || !make_pipe(out, *error) || !make_pipe(err, *error)) return nullptr;

  std::vector<std::string> argv{request.program};
  argv.insert(argv.end(), request.arguments.begin(), request.arguments.end());
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  if (int rc = spawn(path->string(), std::move(argv), child_environment(request.environment), in, out, err, child->pid_);
      rc != 0) {
    *error = fmt::format("cannot run '{}': {}", path->string(), describe_errno(rc));
    return nullptr;
  }
  child->pipes_->in = std::move(in.write);
  child->pipes_->out = std::move(out.read);
  child->pipes_->err = std::move(err.read);
  set_nonblocking(child->pipes_->in.get());
  set_nonblocking(child->pipes_->out.get());
  set_nonblocking(child->pipes_->err.get());
  return child;
}

ChildProcess::~ChildProcess() {
  // A child that never started (the spawn failed) has no pid: kill(-1) would signal every
  // process there is, and waitpid(-1) would reap another thread's child.
  if (pid_ > 0 && !reaped_) kill(milliseconds(500));
}

void ChildProcess::step(Clock::time_point deadline, std::string_view pending, std::size_t* offset) {
  std::array<char, kChunk> buffer{};
  auto read_some = [&](Fd& fd, std::string& into) {
    for (;;) {
      ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
      if (n > 0) {
        into.append(buffer.data(), static_cast<std::size_t>(n));
        last_output_ = Clock::now();
        return;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      fd.reset();  // end of file, or an error that will not go away
      return;
    }
  };
  auto write_some = [&] {
    SigpipeBlock sigpipe_block;
    for (;;) {
      std::size_t size = std::min(kChunk, pending.size() - *offset);
      ssize_t n = ::write(pipes_->in.get(), pending.data() + *offset, size);
      if (n > 0) {
        *offset += static_cast<std::size_t>(n);
        written_ += static_cast<std::size_t>(n);
        return;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      pipes_->in.reset();  // EPIPE: the program stopped reading
      return;
    }
  };

  std::array<pollfd, 3> fds{};
  std::array<Fd*, 3> owners{};
  nfds_t count = 0;
  const bool writing = offset != nullptr && *offset < pending.size() && pipes_->in.open();
  if (writing) {
    fds[count] = {pipes_->in.get(), POLLOUT, 0};
    owners[count++] = &pipes_->in;
  }
  for (Fd* fd : {&pipes_->out, &pipes_->err}) {
    if (!fd->open()) continue;
    fds[count] = {fd->get(), POLLIN, 0};
    owners[count++] = fd;
  }
  auto left = std::max(std::chrono::ceil<milliseconds>(deadline - Clock::now()), milliseconds(0));
  // With pipes to watch, wake now and then to look for the exit; without, poll the exit briskly.
  milliseconds wait = std::min(left, count > 0 ? kTick : milliseconds(5));
  int ready = ::poll(count > 0 ? fds.data() : nullptr, count, static_cast<int>(wait.count()));
  if (ready < 0 && errno != EINTR) {
    error_ = fmt::format("poll failed: {}", describe_errno(errno));
    return;
  }
  for (nfds_t i = 0; ready > 0 && i < count; ++i) {
    if (fds[i].revents == 0) continue;
    if (owners[i] == &pipes_->in) {
      write_some();
    } else {
      read_some(*owners[i], owners[i] == &pipes_->out ? stdout_ : stderr_);
    }
  }
  if (!reaped_ && reap(pid_, status_)) {
    reaped_ = true;
    last_output_ = Clock::now();
    pipes_->in.reset();  // nobody is left to read it
  }
}

ChildProcess::Io ChildProcess::write(std::string_view bytes, Clock::time_point deadline) {
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    if (!pipes_->in.open() || !error_.empty()) return Io::kEnded;
    if (Clock::now() >= deadline) return Io::kTimedOut;
    step(deadline, bytes, &offset);
  }
  return Io::kOk;
}

ChildProcess::Io ChildProcess::read(Clock::time_point deadline) {
  const std::size_t before = stdout_.size();
  while (stdout_.size() == before) {
    if (!pipes_->out.open() || !error_.empty()) return Io::kEnded;
    if (Clock::now() >= deadline) return Io::kTimedOut;
    step(deadline, {}, nullptr);
  }
  return Io::kOk;
}

void ChildProcess::close_stdin() { pipes_->in.reset(); }

bool ChildProcess::wait(Clock::time_point deadline) {
  while ((!reaped_ || pipes_->out.open() || pipes_->err.open()) && error_.empty()) {
    if (Clock::now() >= deadline) break;
    if (reaped_ && Clock::now() - last_output_ > kDrainAfterExit) break;  // a descendant holds the pipes
    step(deadline, {}, nullptr);
  }
  return reaped_;
}

void ChildProcess::kill(milliseconds grace) {
  if (killed_ || pid_ <= 0) return;
  killed_ = true;
  pipes_->in.reset();
  ::kill(-pid_, SIGTERM);
  const auto give_up = Clock::now() + grace;
  while (!reaped_ && Clock::now() < give_up) {
    if (!(reaped_ = reap(pid_, status_))) pause_for(milliseconds(10));
  }
  // Members that outlive the child ignored SIGTERM (or are zombies no one has reaped yet).
  ::kill(-pid_, SIGKILL);
  if (!reaped_) reap_blocking(pid_, status_);
  reaped_ = true;
}

ProcessResult run_process(const ProcessRequest& request) {
  const auto deadline = Clock::now() + request.timeout;
  std::string error;
  std::unique_ptr<ChildProcess> child = ChildProcess::start(request, &error);
  if (!child) return not_started(error);

  bool timed_out = child->write(request.stdin_data, deadline) == ChildProcess::Io::kTimedOut;
  child->close_stdin();
  if (!timed_out) timed_out = !child->wait(deadline);
  if (timed_out) child->kill(request.kill_grace);
  if (!child->error().empty()) return not_started(child->error());

  ProcessResult result;
  result.stdin_written = child->stdin_written();
  result.stdout_text = std::move(child->stdout_text());
  result.stderr_text = std::move(child->stderr_text());
  const int status = child->status();
  if (timed_out) {
    result.status = ProcessResult::Status::kTimedOut;
  } else if (WIFEXITED(status)) {
    result.status = ProcessResult::Status::kExited;
    result.exit_code = WEXITSTATUS(status);
  } else {
    result.status = ProcessResult::Status::kSignaled;
    result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return result;
}

}  // namespace supctl::powershell
