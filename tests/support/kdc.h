#pragma once
/// A throwaway MIT Kerberos realm on loopback for the tests: Debian's krb5kdc with a temporary
/// database, its own krb5.conf and kdc.conf, principals, keytabs and a private credential cache.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "backends/powershell/process.h"
#include "support.h"
#include "support/loopback_sshd.h"  // free_port, stop_server
#include "support/ntlm_users.h"     // random_password
#include "support/skip.h"

namespace supctl::test {

/// A realm of its own in a private directory under /tmp: the KDC listens on 127.0.0.1 at a free
/// port, and nothing reads or writes /etc/krb5.conf, the system's keytab or the user's credential
/// cache as long as the test sets environment() (ScopedEnvironment) for its clients and acceptor.
/// The KDC is stopped and the directory removed on destruction, on a failed REQUIRE too.
class TestKdc {
 public:
  static constexpr const char* kKdc = "/usr/sbin/krb5kdc";
  static constexpr const char* kKdbUtil = "/usr/sbin/kdb5_util";
  static constexpr const char* kKadminLocal = "/usr/sbin/kadmin.local";
  static constexpr const char* kKinit = "/usr/bin/kinit";

  /// "" when the KDC's programs are installed, else which is missing (scripts/setup installs them).
  static std::string missing() {
    for (const char* program : {kKdc, kKdbUtil, kKadminLocal, kKinit}) {
      if (!std::filesystem::exists(program)) return program;
    }
    return {};
  }

  /// Debian's libfaketime, which shifts the clock of the KDC it is preloaded into.
  static constexpr const char* kFakeTime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

  /// Starts a KDC for `realm` that is ready once constructed. Service principals are added with
  /// add_service, users with add_user. `clock_ahead` (libfaketime's "+15m") runs the KDC's clock
  /// that far ahead of this machine's, as on a network whose clocks have drifted apart.
  explicit TestKdc(std::string realm = "SUPCTL.TEST", std::string clock_ahead = "")
      : realm_(std::move(realm)), clock_ahead_(std::move(clock_ahead)) {
    std::string pattern = "/tmp/supctl-kdc-XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    try {
      set_up();
    } catch (...) {
      stop();
      throw;
    }
  }
  ~TestKdc() { stop(); }
  TestKdc(const TestKdc&) = delete;
  TestKdc& operator=(const TestKdc&) = delete;

  const std::string& realm() const { return realm_; }
  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path krb5_conf() const { return dir_ / "krb5.conf"; }
  std::filesystem::path keytab() const { return dir_ / "http.keytab"; }           ///< the services' keys (the acceptor's)
  std::filesystem::path client_keytab() const { return dir_ / "client.keytab"; }  ///< users added with a client keytab
  std::filesystem::path ccache() const { return dir_ / "ccache"; }                ///< where kinit puts tickets
  std::string log() const { return read_file(dir_ / "kdc.log"); }

  /// What clients and the acceptor must find in their environment to use this realm only.
  std::map<std::string, std::string> environment() const {
    return {
        {"KRB5_CONFIG", krb5_conf().string()},
        {"KRB5_KDC_PROFILE", (dir_ / "kdc.conf").string()},
        {"KRB5CCNAME", "FILE:" + ccache().string()},
        {"KRB5_KTNAME", "FILE:" + keytab().string()},
        {"KRB5_CLIENT_KTNAME", "FILE:" + client_keytab().string()},
        {"KRB5RCACHEDIR", dir_.string()},  // the acceptor's replay cache, not /var/tmp
    };
  }

  /// A user principal ("alice" becomes alice@REALM) with a password; with `client_keytab`, its
  /// keys also go to client_keytab() (the password stays valid).
  void add_user(const std::string& name, const std::string& password, bool client_keytab = false) {
    std::string commands = "addprinc -pw " + password + " " + name + "\n";
    if (client_keytab) commands += "ktadd -k " + client_keytab_path() + " -norandkey " + name + "\n";
    kadmin(commands);
  }

  /// HTTP/<host>@REALM with a random key, into keytab().
  void add_service(const std::string& host, const std::string& service = "HTTP") {
    const std::string principal = service + "/" + host;
    kadmin("addprinc -randkey " + principal + "\nktadd -k " + keytab().string() + " " + principal + "\n");
  }

  /// The usual realm of a test: `user` with `password` and a ticket for it (kinit), and the
  /// service HTTP/<service_host>.
  void sign_in(const std::string& user, const std::string& password, const std::string& service_host = "127.0.0.1") {
    add_user(user, password);
    add_service(service_host);
    kinit(user, password);
  }

  /// Gets a forwardable ticket for `user` into ccache(), with kinit and the password on its stdin;
  /// `lifetime` as kinit's -l takes it ("2s"), empty for the realm's default.
  void kinit(const std::string& user, const std::string& password, const std::string& lifetime = "") {
    std::vector<std::string> command{kKinit, "-f"};
    if (!lifetime.empty()) command.insert(command.end(), {"-l", lifetime});
    command.push_back(user + "@" + realm_);
    run(command, password + "\n", "kinit");
  }

 private:
  std::string client_keytab_path() const { return client_keytab().string(); }

  static void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }

  /// Runs a Kerberos tool with this realm's configuration; `what` names it in a failure (the
  /// command line and stdin are never shown: they may hold passwords).
  void run(std::vector<std::string> command, std::string stdin_data, const char* what) const {
    powershell::ProcessRequest request;
    request.program = command.front();
    request.arguments.assign(command.begin() + 1, command.end());
    request.stdin_data = std::move(stdin_data);
    request.timeout = std::chrono::seconds(30);
    for (const auto& [name, value] : environment()) request.environment[name] = value;
    powershell::ProcessResult result = powershell::run_process(request);
    INFO(what << " failed: " << result.error << result.stderr_text);
    REQUIRE(result.status == powershell::ProcessResult::Status::kExited);
    REQUIRE(result.exit_code == 0);
  }

  void kadmin(const std::string& commands) const {
    run({kKadminLocal, "-r", realm_}, commands + "quit\n", "kadmin.local");
  }

  void set_up() {
    port_ = free_port();
    const std::string d = dir_.string();
    write(dir_ / "krb5.conf",
          "[libdefaults]\n"
          "  default_realm = " + realm_ + "\n"
          "  dns_lookup_kdc = false\n"
          "  dns_lookup_realm = false\n"
          "  dns_canonicalize_hostname = false\n"
          "  rdns = false\n"
          "  forwardable = true\n"
          "  udp_preference_limit = 1\n"
          // A client that takes the KDC's time from its answers would hide a drifted clock.
          + std::string(clock_ahead_.empty() ? "" : "  kdc_timesync = 0\n") +
          "  default_ccache_name = FILE:" + ccache().string() + "\n"
          "  default_keytab_name = FILE:" + keytab().string() + "\n"
          "  default_client_keytab_name = FILE:" + client_keytab().string() + "\n"
          "[realms]\n"
          "  " + realm_ + " = {\n"
          "    kdc = 127.0.0.1:" + std::to_string(port_) + "\n"
          "  }\n"
          "[domain_realm]\n"
          "  127.0.0.1 = " + realm_ + "\n"
          "  localhost = " + realm_ + "\n");
    write(dir_ / "kdc.conf",
          "[kdcdefaults]\n"
          "  kdc_listen = 127.0.0.1:" + std::to_string(port_) + "\n"
          "  kdc_tcp_listen = 127.0.0.1:" + std::to_string(port_) + "\n"
          "[realms]\n"
          "  " + realm_ + " = {\n"
          "    database_name = " + d + "/principal\n"
          "    key_stash_file = " + d + "/stash\n"
          "    acl_file = " + d + "/kadm5.acl\n"
          "    max_life = 1h\n"
          "    max_renewable_life = 1d\n"
          "    master_key_type = aes256-cts-hmac-sha1-96\n"
          "    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n"
          "    default_principal_flags = +forwardable,+preauth\n"  // as Active Directory: preauthentication required
          "  }\n"
          "[logging]\n"
          "  kdc = FILE:" + d + "/kdc.log\n"
          "  admin_server = FILE:" + d + "/kadmin.log\n"
          "  default = FILE:" + d + "/krb5.log\n");
    write(dir_ / "kadm5.acl", "");
    run({kKdbUtil, "-r", realm_, "create", "-s", "-W", "-P", random_password()}, "", "kdb5_util create");
    start();
  }

  void start() {
    using Clock = std::chrono::steady_clock;
    const std::string out = (dir_ / "krb5kdc.out").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> args{kKdc, "-n", "-r", realm_, "-P", (dir_ / "kdc.pid").string()};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> variables;
    for (char** e = environ; *e; ++e) variables.emplace_back(*e);
    for (const auto& [name, value] : environment()) variables.push_back(name + "=" + value);
    if (!clock_ahead_.empty()) {
      REQUIRE(std::filesystem::exists(kFakeTime));
      variables.push_back(std::string("LD_PRELOAD=") + kFakeTime);
      variables.push_back("FAKETIME=" + clock_ahead_);
      variables.push_back("FAKETIME_DONT_RESET=1");
    }
    std::vector<char*> envp;
    for (std::string& v : variables) envp.push_back(v.data());
    envp.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, kKdc, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
    // Ready when it accepts TCP connections on its port: polled, bounded.
    const auto until = Clock::now() + std::chrono::seconds(10);
    while (!accepts()) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("krb5kdc ended at start:\n" << read_file(out) << log());
      }
      if (Clock::now() > until) FAIL("krb5kdc did not accept connections within 10 s:\n" << read_file(out) << log());
      ::usleep(10'000);
    }
  }

  bool accepts() const {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port_));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
    ::close(fd);
    return connected;
  }

  /// Stops the KDC and removes the directory.
  void stop() { stop_server(pid_, dir_); }

  std::string realm_;
  std::string clock_ahead_;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace supctl::test
