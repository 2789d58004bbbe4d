#pragma once
/// The lab estate: simulated Windows servers in one SQLite database (DIR/.supctl/lab/estate.db)
/// and their log files on disk (DIR/.supctl/lab/logs/<host>/<log>). Registry, services, local
/// groups, Windows features, JSON documents for WSUS and ConfigMgr data, logs, injected faults and
/// a simulated clock. Thread-safe: one connection behind a mutex.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/operation.h"

namespace supctl::lab {

using model::Json;

struct HostInfo {
  std::string name;                                    ///< the machine's host name, as the manifests name it
  std::string os = "Windows Server 2022";
  std::string os_version = "10.0.20348";
};

struct RegistryValue {
  std::string type;  ///< string | expand_string | multi_string | dword | qword | binary
  Json data;         ///< string; array of strings; integer; binary as lower-case hex "01 0a ff"
};

struct Service {
  std::string name;
  std::string display_name;
  std::string startup = "manual";  ///< automatic | delayed | manual | disabled
  std::string state = "stopped";   ///< running | stopped
  std::vector<std::string> depends_on;
};

/// An injected failure. Matching is on the host (case-insensitive) and the operation name, where
/// `operation` may end in '*' ("registry.*") or be "*".
struct Fault {
  std::int64_t id = 0;
  std::string host;
  std::string operation = "*";
  std::string kind;      ///< unreachable | access_denied | timeout | failed | will_not_start
  std::string message;   ///< the error text the operation fails with; a default per kind when empty
  int remaining = -1;    ///< how many more operations it fails; -1: until removed
};

class Estate {
 public:
  /// Opens or creates the estate under `dir` (the lab directory: DIR/.supctl/lab).
  static std::unique_ptr<Estate> open(const std::filesystem::path& dir, std::string* error);
  ~Estate();

  const std::filesystem::path& dir() const;
  /// Removes every host, value, service, document, log, fault; resets the clock. The files stay.
  void reset();

  // Hosts. Host names compare without case everywhere.
  void add_host(const HostInfo& host);
  std::optional<HostInfo> host(std::string_view name) const;
  std::vector<HostInfo> hosts() const;  ///< sorted by name

  // Registry. Key paths start with a short hive (HKLM\...); they compare without case, and so do
  // value names. Setting a value creates its key and the keys above it.
  bool key_exists(std::string_view host, std::string_view key) const;
  void create_key(std::string_view host, std::string_view key);
  /// Deletes the key, its values and every key below it; false when it did not exist.
  bool delete_key(std::string_view host, std::string_view key);
  std::optional<RegistryValue> value(std::string_view host, std::string_view key, std::string_view name) const;
  void set_value(std::string_view host, std::string_view key, std::string_view name, const RegistryValue& value);
  bool delete_value(std::string_view host, std::string_view key, std::string_view name);
  /// Every value under a key (not below it), sorted by name.
  std::vector<std::pair<std::string, RegistryValue>> values(std::string_view host, std::string_view key) const;

  // Services; names compare without case.
  std::optional<Service> service(std::string_view host, std::string_view name) const;
  void put_service(std::string_view host, const Service& service);
  bool remove_service(std::string_view host, std::string_view name);
  std::vector<Service> services(std::string_view host) const;  ///< sorted by name

  // Local groups; group and member names compare without case.
  std::vector<std::string> members(std::string_view host, std::string_view group) const;  ///< sorted
  void add_member(std::string_view host, std::string_view group, std::string_view member);
  bool remove_member(std::string_view host, std::string_view group, std::string_view member);

  // Windows features (e.g. UpdateServices-Services).
  std::vector<std::string> features(std::string_view host) const;  ///< sorted
  void install_feature(std::string_view host, std::string_view feature);
  bool remove_feature(std::string_view host, std::string_view feature);

  // JSON documents, for the structured data of WSUS and ConfigMgr: (host, collection, key) -> JSON.
  std::optional<Json> document(std::string_view host, std::string_view collection, std::string_view key) const;
  void put_document(std::string_view host, std::string_view collection, std::string_view key, const Json& document);
  bool remove_document(std::string_view host, std::string_view collection, std::string_view key);
  std::vector<std::pair<std::string, Json>> documents(std::string_view host, std::string_view collection) const;  ///< by key

  // Logs: DIR/logs/<host lower case>/<log>; appended as UTF-8 text, each line ending in CRLF.
  /// On a host with a log delay the line is held back until the clock passes now + delay.
  void append_log(std::string_view host, std::string_view log, std::string_view line);
  /// Holds back the lines written to `host`'s logs by `seconds` of the simulated clock (a slow
  /// disk, a log a share flushes late): readers on other hosts see their logs first. 0 removes it.
  void set_log_delay(std::string_view host, std::int64_t seconds);
  std::int64_t log_delay(std::string_view host) const;
  /// The log's bytes from `offset` on; empty when it does not exist.
  std::string read_log(std::string_view host, std::string_view log, std::uint64_t offset = 0) const;
  std::filesystem::path log_path(std::string_view host, std::string_view log) const;

  // The simulated clock: seconds since the Unix epoch, starting at 2026-11-21T08:00:00Z.
  std::int64_t now() const;
  /// Moves the clock on; log lines held back by a log delay whose time has come are written.
  void advance(std::int64_t seconds);

  // Faults.
  std::int64_t add_fault(const Fault& fault);
  std::vector<Fault> faults() const;
  bool remove_fault(std::int64_t id);
  /// The first fault matching (host, operation), counting one use of it; nullopt when none.
  /// `exact`: only a fault for exactly this operation (a stage inside an operation, such as the
  /// role setup of a SUP install, which "*" faults are not meant for).
  std::optional<Fault> take_fault(std::string_view host, std::string_view operation, bool exact = false);

  /// Runs `body` in one transaction: committed when it returns true, rolled back otherwise.
  /// Calls made inside it on this estate join the transaction.
  bool transaction(const std::function<bool()>& body);

 private:
  struct Impl;
  explicit Estate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace supctl::lab
