#pragma once
/// StateStore: what supctl last applied, in a SQLite file (WAL mode) or in PostgreSQL (a schema per
/// named state). Lineage and serial, one record per managed resource, the lock, the run journal,
/// and the salt for secret fingerprints. Secrets are never stored: only their references and
/// fingerprints. Both databases behave the same; only the lock differs in how a dead holder goes.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/address.h"
#include "model/attributes.h"

namespace supctl::state {

enum class Origin { kCreated, kAdopted };  ///< supctl created it, or found it there and took it over

struct ResourceRecord {
  model::Address address;
  std::string host;
  model::AttributeMap attributes;                   ///< last applied; secrets as references only
  Origin origin = Origin::kCreated;
  std::map<std::string, std::string> fingerprints;  ///< secret attribute -> fingerprint (state/fingerprint.h)
  bool allow_destroy = false;
  std::string updated_at;                           ///< RFC 3339 UTC
};

struct LockInfo {
  std::string id;         ///< random, 16 hex characters
  std::string holder;     ///< user@hostname
  std::int64_t pid = 0;
  std::string operation;  ///< e.g. "apply"
  std::string created_at; ///< RFC 3339 UTC
  bool stale = false;     ///< the holder is on this host and its process is gone
};

struct JournalEntry {
  std::int64_t id = 0;
  std::string run_id;
  std::string time;     ///< RFC 3339 UTC
  std::string address;
  std::string action;   ///< e.g. "create"
  std::string status;   ///< "started" | "succeeded" | "failed" | "skipped"
  std::string message;
};

/// A read of the state that failed (the database went away, a query failed): thrown by the reads
/// below so that a run stops rather than take a state it could not read for an empty one.
class StateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Where a state lives: a SQLite file, or a named state in a PostgreSQL database.
struct Location {
  std::filesystem::path path;           ///< the SQLite file, when `url` is empty
  std::string url;                      ///< postgresql://... as libpq reads it (supctl's own parameter removed)
  std::string name = "default";         ///< the state's name in that database (its schema is supctl_NAME)
  std::optional<std::string> password;  ///< the connection's password, when not in the URL or libpq's files

  bool is_postgres() const { return !url.empty(); }
  /// For messages: the path quoted, or the URL without its password and the state's name.
  std::string display() const;

  /// `text` as --state and SUPCTL_STATE take it: postgresql://... or postgres://... (with an
  /// optional `state=NAME` parameter, supctl's own) is a PostgreSQL state, anything else a path.
  /// nullopt with `*error` when the URL's state name is not 1-48 letters, digits, '_' or '-'.
  static std::optional<Location> parse(std::string_view text, std::string* error);
};

struct RunInfo {
  std::string id;
  std::string operation;
  std::string started_at;
  std::string finished_at;  ///< empty while running, or when the run was killed
  std::string status;       ///< "running" | "succeeded" | "failed" | "interrupted" (killed; seen by the next run)
};

class StateStore {
 public:
  /// Opens the database at `path`, creating it (and its directory) with a new lineage, serial 0
  /// and a new random fingerprint key when it does not exist. nullptr with `*error` on failure.
  static std::unique_ptr<StateStore> open(const std::filesystem::path& path, std::string* error);
  /// The same for either database; a PostgreSQL state's schema and tables are made on first use.
  /// The error says where the state is without any password.
  /// With `create` false, a PostgreSQL state that is not there is not made: nullptr, no error,
  /// and `*missing` set.
  static std::unique_ptr<StateStore> open(const Location& location, std::string* error, bool create = true,
                                          bool* missing = nullptr);
  ~StateStore();

  /// The addresses a state at `path` records, read-only, without a transaction or the lock, and
  /// waiting at most a moment for a writer (shell completion); empty when there is no state.
  static std::vector<model::Address> recorded_addresses(const std::filesystem::path& path);

  std::string lineage() const;
  std::int64_t serial() const;
  /// Adds one to the serial, in its own transaction, and returns the new value.
  std::int64_t bump_serial();

  /// The reads below throw StateError when the database fails them.
  std::vector<ResourceRecord> resources() const;  ///< sorted by address
  std::optional<ResourceRecord> resource(const model::Address& address) const;
  /// Inserts or replaces the record, in its own transaction. False with `*error` on failure.
  bool put_resource(const ResourceRecord& record, std::string* error);
  /// False when there was no such record.
  bool remove_resource(const model::Address& address);

  /// The fingerprint of `secret` as supctl makes them now (state/fingerprint.h): scrypt with this
  /// state's salt, keyed with the run's state key when it has one. The same secret gives the same
  /// value in the same state and a different one in another state; empty when OpenSSL fails.
  std::string fingerprint(std::string_view secret) const;
  /// Whether `recorded` was made from `secret`, by its own kind and cost (the old HMAC-SHA256
  /// kind included); the digests are compared in constant time. False for a keyed fingerprint
  /// when the run has no state key.
  bool matches(std::string_view secret, std::string_view recorded) const;
  /// The run's state key (SUPCTL_STATE_KEY, or the secret the hierarchy's state_key names): never
  /// stored; copied, kept in memory and wiped when the store goes (the caller wipes its own copy).
  /// Empty or nullopt: none. False when its check value cannot be made (OpenSSL failed).
  bool set_state_key(std::optional<std::string_view> key);
  bool has_state_key() const;
  /// The run's state key's check value, hex (scrypt with the state's salt); empty without a key.
  std::string state_key_check() const;
  /// nullopt when the run's state key fits the fingerprints recorded with one; else what is wrong
  /// and what to do.
  std::optional<std::string> state_key_problem() const;

  /// Makes this state a copy of `source` (state migrate): its lineage, fingerprint salt and key
  /// check, every record, run and journal entry, with the serial one past the source's (a plan
  /// made against the source is stale here). In one transaction: all or nothing. Refused, with
  /// `*error`, when this state already holds another lineage, or the same one further on.
  /// Both stores should hold their locks.
  bool copy_from(const StateStore& source, std::string* error);

  /// Takes the lock for `operation`, waiting up to `timeout` (0: try once) with backoff.
  /// On failure returns false and fills `*holder` with who has it (stale when its process is gone);
  /// when the database failed instead, `holder->id` is empty and last_error() says what happened.
  bool lock(std::string_view operation, std::chrono::milliseconds timeout, LockInfo* holder);
  /// Releases the lock this store holds; does nothing when it holds none.
  void unlock();
  std::optional<LockInfo> current_lock() const;
  /// Whether this store took the lock and holds it no more: its row is gone (SQLite), or its
  /// session no longer holds the advisory lock or cannot tell (PostgreSQL, a dropped connection).
  /// False when it took none.
  bool lock_lost() const;
  /// What the database last failed with (no password in it).
  std::string last_error() const;
  /// Removes the lock with this ID whoever holds it. False with `*error` when no lock has that ID.
  bool force_unlock(std::string_view id, std::string* error);

  /// Starts a run and returns its ID; each journal call is its own transaction. Under the lock,
  /// a run still "running" was killed: it becomes "interrupted".
  std::string begin_run(std::string_view operation);
  void journal(std::string_view run_id, std::string_view address, std::string_view action, std::string_view status,
               std::string_view message);
  void end_run(std::string_view run_id, std::string_view status);
  std::vector<RunInfo> runs() const;  ///< oldest first
  std::vector<JournalEntry> journal_entries(std::string_view run_id = {}) const;  ///< all runs when empty; oldest first

 private:
  struct Impl;
  explicit StateStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace supctl::state
