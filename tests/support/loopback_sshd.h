#pragma once
// A private Debian sshd on loopback addresses for the ssh tests, with its own keys, PATH and environment.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/powershell/process.h"
#include "backends/powershell/ssh.h"
#include "support.h"

namespace supctl::test {

namespace fs = std::filesystem;

inline const fs::path kSshd = "/usr/sbin/sshd";

/// Stops a server the tests started (SIGTERM, then SIGKILL after 3 s; pid becomes -1) and removes
/// its private directory, if it has one.
inline void stop_server(pid_t& pid, const std::filesystem::path& dir) {
  using Clock = std::chrono::steady_clock;
  if (pid > 0) {
    ::kill(pid, SIGTERM);
    int status = 0;
    const auto until = Clock::now() + std::chrono::seconds(3);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (Clock::now() > until) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      ::usleep(10'000);
    }
    pid = -1;
  }
  std::error_code ignored;
  if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
}

/// A port nothing listens on, on any address (bound on the wildcard address, read, released).
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t size = sizeof address;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

/// Whether sshd answers on address:port with its "SSH-" greeting. It logs the connection before it
/// greets, so a probe that waited for the greeting is in the log before anything that follows.
inline bool greets(const std::string& address, int port) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  REQUIRE(::inet_pton(AF_INET, address.c_str(), &to.sin_addr) == 1);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const timeval limit{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  std::string greeting;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    char buffer[4];
    while (greeting.size() < 4) {
      ssize_t n = ::recv(fd, buffer, 4 - greeting.size(), 0);
      if (n <= 0) break;
      greeting.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return greeting == "SSH-";
}

/// The key of an OpenSSH public key file as known_hosts holds it: "ssh-ed25519 AAAA...".
inline std::string key_of(const fs::path& public_key) {
  std::string text = read_file(public_key);
  return text.substr(0, text.find(' ', text.find(' ') + 1));
}

/// Debian's sshd on one free port of some loopback addresses, with its own host key and one
/// authorized client key, whose sessions find `powershell` first on PATH. Everything lives in a
/// short private directory under /tmp; sshd is stopped and the directory removed on destruction, so
/// on a failed REQUIRE too. The server is ready, greeting on every address, once constructed.
class LoopbackSshd {
 public:
  struct Options {
    std::string prefix;                   ///< of the private directory's name: /tmp/PREFIX-XXXXXX
    std::vector<std::string> addresses;   ///< to listen on, one port for all; each in known_hosts()
    fs::path powershell;                  ///< what the far side's `powershell` is (a link to it)
    std::string path = "/usr/bin:/bin";   ///< the far side's PATH after the directory with `powershell`
    std::vector<std::string> more_keys;   ///< key pairs made besides host_key and client_key, not authorized
    std::map<std::string, std::string> environment;        ///< more variables for the far side (SetEnv)
    std::map<std::string, std::string> environment_files;  ///< more variables: name -> a file name in dir()
  };

  explicit LoopbackSshd(Options options) : addresses_(std::move(options.addresses)) {
    if (!fs::exists(kSshd)) FAIL("the OpenSSH server " << kSshd << " is missing: run scripts/setup (it installs openssh-server)");
    std::string pattern = "/tmp/" + options.prefix + "-XXXXXX";  // short: ssh's sockets live under /tmp too
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    try {
      set_up(options);
    } catch (...) {  // a failed REQUIRE: no destructor runs for a half-made object
      stop();
      throw;
    }
  }

  ~LoopbackSshd() { stop(); }

  LoopbackSshd(const LoopbackSshd&) = delete;
  LoopbackSshd& operator=(const LoopbackSshd&) = delete;

  int port() const { return port_; }
  const std::string& user() const { return user_; }
  const fs::path& dir() const { return dir_; }
  fs::path client_key() const { return dir_ / "client_key"; }
  fs::path known_hosts() const { return dir_ / "known_hosts"; }
  std::string log() const { return read_file(dir_ / "sshd.log"); }

  /// How many times `part` stands in sshd's log.
  std::size_t logged(std::string_view part) const {
    const std::string text = log();
    std::size_t n = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
  }

  /// Settings that reach this server at `address` as the authorized user, checking its host key.
  powershell::SshSettings settings(const std::string& host, const std::string& address) const {
    powershell::SshSettings settings;
    settings.host = host;
    settings.address = address;
    settings.port = port_;
    settings.user = user_;
    settings.identity_file = client_key().string();
    settings.known_hosts_file = known_hosts().string();
    return settings;
  }

 private:
  void set_up(const Options& options) {
    const passwd* account = ::getpwuid(::geteuid());
    REQUIRE(account != nullptr);
    user_ = account->pw_name;
    std::vector<std::string> keys{"host_key", "client_key"};
    keys.insert(keys.end(), options.more_keys.begin(), options.more_keys.end());
    for (const std::string& key : keys) {
      run_ok({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", (dir_ / key).string()});
    }
    fs::copy_file(dir_ / "client_key.pub", dir_ / "authorized_keys");
    fs::create_directories(dir_ / "bin");
    fs::create_symlink(options.powershell, dir_ / "bin" / "powershell");
    fs::create_directories(dir_ / "home");  // an empty HOME: no profile or rc file of the user runs
    port_ = free_port();
    std::string hosts;
    for (const std::string& address : addresses_) {
      hosts += "[" + address + "]:" + std::to_string(port_) + " " + key_of(dir_ / "host_key.pub") + "\n";
    }
    write(known_hosts(), hosts);

    std::map<std::string, std::string> environment = options.environment;
    for (const auto& [name, file] : options.environment_files) environment[name] = (dir_ / file).string();
    environment["PATH"] = (dir_ / "bin").string() + ":" + options.path;
    environment["HOME"] = (dir_ / "home").string();
    std::string set_env = "SetEnv";
    for (const auto& [name, value] : environment) set_env += " \"" + name + "=" + value + "\"";
    std::string config = "Port " + std::to_string(port_) + "\n";
    for (const std::string& address : addresses_) config += "ListenAddress " + address + "\n";
    const std::vector<std::string> lines{
        "HostKey " + (dir_ / "host_key").string(),
        "PidFile " + (dir_ / "sshd.pid").string(),
        "AuthorizedKeysFile " + (dir_ / "authorized_keys").string(),
        "AllowUsers " + user_,
        "PermitRootLogin prohibit-password",  // tests may run as root (CI does)
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PrintMotd no",
        "PrintLastLog no",
        "LogLevel VERBOSE",
        set_env,
    };
    for (const std::string& line : lines) config += line + "\n";
    write(dir_ / "sshd_config", config);
    // sshd running as root wants its privilege separation directory, which Debian makes at boot.
    if (::geteuid() == 0 && !fs::exists("/run/sshd")) {
      fs::create_directories("/run/sshd");
      fs::permissions("/run/sshd", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                       fs::perms::others_read | fs::perms::others_exec);
    }
    start();
  }

  static void write(const fs::path& path, std::string_view text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }

  static void run_ok(std::vector<std::string> command) {
    powershell::ProcessRequest request;
    request.program = command.front();
    request.arguments.assign(command.begin() + 1, command.end());
    request.timeout = std::chrono::seconds(20);
    powershell::ProcessResult result = powershell::run_process(request);
    INFO(command.front() << ": " << result.error << result.stderr_text);
    REQUIRE(result.status == powershell::ProcessResult::Status::kExited);
    REQUIRE(result.exit_code == 0);
  }

  void start() {
    using Clock = std::chrono::steady_clock;
    const std::string log_file = (dir_ / "sshd.log").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> args{kSshd.string(), "-D", "-e", "-f", (dir_ / "sshd_config").string()};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, kSshd.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);

    // Ready when it greets on every address: polled, bounded.
    const auto until = Clock::now() + std::chrono::seconds(10);
    auto ready = [&] {
      for (const std::string& address : addresses_) {
        if (!greets(address, port_)) return false;
      }
      return true;
    };
    while (!ready()) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("sshd ended at start:\n" << log());
      }
      if (Clock::now() > until) FAIL("sshd did not accept connections on every address within 10 s:\n" << log());
      ::usleep(10'000);
    }
  }

  /// Stops sshd and removes the directory.
  void stop() { stop_server(pid_, dir_); }

  std::vector<std::string> addresses_;
  fs::path dir_;
  std::string user_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace supctl::test
