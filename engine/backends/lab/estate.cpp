#include "backends/lab/estate.h"


#include <fmt/format.h>
#include <algorithm>
#include <exception>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

#include "model/text.h"
#include "storage/sqlite.h"

namespace supctl::lab {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kSchemaVersion = 1;
constexpr std::int64_t kStartTime = 1795248000;  // 2026-11-21T08:00:00Z
constexpr int kBusyTimeoutMs = 5000;

// Constant SQL only: every value goes through a bound parameter. Columns ending in `_key` hold the
// lower-cased name used for lookups; the column beside them keeps the spelling for display. The
// `host_key` of every per-host table is the lower-cased host name.
constexpr std::string_view kSchemaSql = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS hosts(name_key TEXT PRIMARY KEY, name TEXT NOT NULL, os TEXT NOT NULL,
  os_version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS registry_keys(host_key TEXT NOT NULL, path_key TEXT NOT NULL, path TEXT NOT NULL,
  PRIMARY KEY(host_key, path_key));
CREATE TABLE IF NOT EXISTS registry_values(host_key TEXT NOT NULL, path_key TEXT NOT NULL, name_key TEXT NOT NULL,
  name TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY(host_key, path_key, name_key));
CREATE TABLE IF NOT EXISTS services(host_key TEXT NOT NULL, name_key TEXT NOT NULL, name TEXT NOT NULL,
  display_name TEXT NOT NULL, startup TEXT NOT NULL, state TEXT NOT NULL, depends_on TEXT NOT NULL,
  PRIMARY KEY(host_key, name_key));
CREATE TABLE IF NOT EXISTS group_members(host_key TEXT NOT NULL, group_key TEXT NOT NULL, group_name TEXT NOT NULL,
  member_key TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY(host_key, group_key, member_key));
CREATE TABLE IF NOT EXISTS features(host_key TEXT NOT NULL, name_key TEXT NOT NULL, name TEXT NOT NULL,
  PRIMARY KEY(host_key, name_key));
CREATE TABLE IF NOT EXISTS documents(host_key TEXT NOT NULL, collection TEXT NOT NULL, key TEXT NOT NULL,
  document TEXT NOT NULL, PRIMARY KEY(host_key, collection, key));
CREATE TABLE IF NOT EXISTS faults(id INTEGER PRIMARY KEY AUTOINCREMENT, host TEXT NOT NULL, host_key TEXT NOT NULL,
  operation TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL, remaining INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS log_delays(host_key TEXT PRIMARY KEY, seconds INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending_log_lines(id INTEGER PRIMARY KEY AUTOINCREMENT, host TEXT NOT NULL, log TEXT NOT NULL,
  due INTEGER NOT NULL, line TEXT NOT NULL);
)sql";

constexpr std::string_view kResetSql = R"sql(
DELETE FROM hosts;
DELETE FROM registry_keys;
DELETE FROM registry_values;
DELETE FROM services;
DELETE FROM group_members;
DELETE FROM features;
DELETE FROM documents;
DELETE FROM faults;
DELETE FROM log_delays;
DELETE FROM pending_log_lines;
DELETE FROM sqlite_sequence;
)sql";

using storage::Database;
using storage::Statement;

/// A key path without trailing backslashes: HKLM\A\ is HKLM\A.
std::string_view trim_key(std::string_view key) {
  while (!key.empty() && key.back() == '\\') key.remove_suffix(1);
  return key;
}

/// The key and every key above it below the hive: HKLM\A\B gives HKLM\A and HKLM\A\B. A bare
/// hive gives itself.
std::vector<std::string_view> key_and_parents(std::string_view key) {
  std::vector<std::string_view> keys;
  std::size_t first = key.find('\\');
  if (first != std::string_view::npos) {
    for (std::size_t at = key.find('\\', first + 1); at != std::string_view::npos; at = key.find('\\', at + 1)) {
      keys.push_back(key.substr(0, at));
    }
  }
  keys.push_back(key);
  return keys;
}

/// JSON as text; invalid UTF-8 is replaced rather than thrown about.
std::string to_text(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

/// JSON from text; null when the text is not JSON.
Json from_text(const std::string& text) {
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return value.is_discarded() ? Json() : value;
}

/// Whether a fault's operation pattern ("*", "registry.*" or an exact name) matches `operation`.
bool matches(std::string_view pattern, std::string_view operation) {
  if (pattern.ends_with('*')) return operation.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == operation;
}

Service read_service(const Statement& row) {
  Service service;
  service.name = row.text(0);
  service.display_name = row.text(1);
  service.startup = row.text(2);
  service.state = row.text(3);
  Json depends_on = from_text(row.text(4));
  if (depends_on.is_array()) {
    for (const auto& name : depends_on) {
      if (name.is_string()) service.depends_on.push_back(name.get<std::string>());
    }
  }
  return service;
}

Fault read_fault(const Statement& row) {
  Fault fault;
  fault.id = row.integer(0);
  fault.host = row.text(1);
  fault.operation = row.text(2);
  fault.kind = row.text(3);
  fault.message = row.text(4);
  fault.remaining = static_cast<int>(row.integer(5));
  return fault;
}

constexpr std::string_view kFaultColumns = "id, host, operation, kind, message, remaining";

}  // namespace

struct Estate::Impl {
  fs::path dir;
  Database db;
  /// Held by every call and for the whole of a transaction, so that other threads wait for it;
  /// recursive so that calls made inside a transaction's body join it.
  mutable std::recursive_mutex mutex;
  int depth = 0;  ///< transactions open on the connection (the outer one plus savepoints); under `mutex`
  /// What this connection knows, within its current outer transaction, of two tables that are
  /// nearly always empty: whether they have rows. Forgotten when an outer transaction begins (another
  /// process may have written in between); under `mutex`.
  std::optional<bool> pending_lines;
  std::optional<bool> armed_faults;
  /// The simulated clock while a transaction is open: read once, moved in memory, written back
  /// just before the outer COMMIT (every operation moves it, and a write of its own costs as much
  /// as the operation). `clock_marks` holds its value at each open savepoint, to undo to.
  std::optional<std::int64_t> clock;
  bool clock_moved = false;
  struct ClockMark {
    std::optional<std::int64_t> clock;
    bool moved = false;
  };
  std::vector<ClockMark> clock_marks;
  /// The registry values of each host read in the current outer transaction, by host key, then
  /// (path key, name key): a host's are read whole at the first look (a plan reads nearly all of
  /// them, one at a time). A value written or deleted is written or deleted here too; a key
  /// deleted, an undo or a new outer transaction forgets them all. Under `mutex`.
  using HostValues = std::map<std::pair<std::string, std::string>, RegistryValue>;
  std::map<std::string, HostValues, std::less<>> registry;

  /// Back to where the innermost savepoint began: its clock, and whether the clock had moved
  /// then. What the tables held may have changed with the rows put back: looked at again.
  void undo_savepoint_state() {
    clock = clock_marks.back().clock;
    clock_moved = clock_marks.back().moved;
    clock_marks.pop_back();
    pending_lines = armed_faults = std::nullopt;
    registry.clear();
  }

  /// A host's registry values, from `registry` (filled first when it does not have them); only
  /// inside a transaction, which no other connection can write under.
  const HostValues& host_values(const std::string& host_key) {
    auto it = registry.find(host_key);
    if (it != registry.end()) return it->second;
    HostValues values;
    Statement select(cache(), "SELECT path_key, name_key, type, data FROM registry_values WHERE host_key = ?1");
    select.bind(1, host_key);
    while (select.step() == SQLITE_ROW) {
      values.emplace(std::pair{select.text(0), select.text(1)}, RegistryValue{select.text(2), from_text(select.text(3))});
    }
    return registry.emplace(host_key, std::move(values)).first->second;
  }

  /// Prepared once, used for every call: after `db`, so that it is finalized first.
  std::unique_ptr<storage::StatementCache> statements;

  sqlite3* handle() const { return db.get(); }
  storage::StatementCache& cache() const { return *statements; }
  std::string last_error() const { return sqlite3_errmsg(db.get()); }

  bool exec(std::string_view sql) {
    return sqlite3_exec(db.get(), std::string(sql).c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  /// One statement, prepared once (BEGIN, COMMIT, savepoints).
  bool command(std::string_view sql) { return Statement(cache(), sql).run(); }

  /// Runs `body` atomically: BEGIN IMMEDIATE ... COMMIT at the outside, a savepoint inside another
  /// transaction. Committed when it returns true; rolled back when it returns false or throws (and
  /// the exception goes on). False when it was not committed.
  template <typename Body>
  bool write(Body&& body) {
    std::lock_guard guard(mutex);
    const bool outer = depth == 0;
    if (!command(outer ? "BEGIN IMMEDIATE" : "SAVEPOINT nested")) return false;
    if (outer) {
      pending_lines = armed_faults = std::nullopt;
      registry.clear();
      clock = std::nullopt;
      clock_moved = false;
    } else {
      clock_marks.push_back(ClockMark{clock, clock_moved});
    }
    auto undo = [&] {
      --depth;
      if (outer) {
        command("ROLLBACK");
        clock = std::nullopt;
        clock_moved = false;
      } else {
        command("ROLLBACK TO nested");
        command("RELEASE nested");
        undo_savepoint_state();
      }
    };
    ++depth;
    bool ok = false;
    try {
      ok = body();
    } catch (...) {
      undo();
      throw;
    }
    if (!ok) {
      undo();
      return false;
    }
    if (outer && clock_moved && !store_clock()) {
      undo();
      return false;
    }
    --depth;
    if (!command(outer ? "COMMIT" : "RELEASE nested")) {
      if (outer) {
        command("ROLLBACK");
        clock = std::nullopt;
        clock_moved = false;
      } else {
        command("ROLLBACK TO nested");
        command("RELEASE nested");
        undo_savepoint_state();
      }
      return false;
    }
    if (!outer) clock_marks.pop_back();
    return true;
  }

  /// The simulated time: in a transaction the one it has moved to, else the stored one.
  std::int64_t current_time() {
    if (depth == 0) return meta_integer("now").value_or(kStartTime);
    if (!clock) clock = meta_integer("now").value_or(kStartTime);
    return *clock;
  }
  /// Moves the clock; only inside a transaction.
  std::int64_t move_clock(std::int64_t seconds) {
    clock = current_time() + seconds;
    clock_moved = true;
    return *clock;
  }
  bool store_clock() {
    clock_moved = false;
    if (!clock) return true;
    return Statement(cache(), "UPDATE meta SET value = ?1 WHERE key = 'now'").bind(1, *clock).run();
  }

  /// Whether `table` has a row, as of the last look in this transaction.
  bool has_rows(std::optional<bool>& known, std::string_view exists_sql) {
    if (!known || depth == 0) {
      Statement select(cache(), exists_sql);
      known = select.step() == SQLITE_ROW && select.integer(0) != 0;
    }
    return *known;
  }
  bool has_pending_lines() { return has_rows(pending_lines, "SELECT EXISTS(SELECT 1 FROM pending_log_lines)"); }
  bool has_armed_faults() { return has_rows(armed_faults, "SELECT EXISTS(SELECT 1 FROM faults WHERE remaining <> 0)"); }

  std::optional<std::int64_t> meta_integer(std::string_view key) const {
    Statement select(cache(), "SELECT value FROM meta WHERE key = ?1");
    select.bind(1, key);
    if (select.step() != SQLITE_ROW) return std::nullopt;
    return select.integer(0);
  }

  /// Creates the tables and the meta rows of a new estate, or checks the version of an existing one.
  bool initialize(std::string* failure) {
    bool ok = write([&] {
      Statement tables(cache(), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
      int rc = tables.step();
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return false;
      if (rc == SQLITE_ROW) {
        auto version = meta_integer("schema_version");
        if (!version) {
          *failure = "it has no schema version";
          return false;
        }
        if (*version > kSchemaVersion) {
          *failure =
              fmt::format("its schema version is {} but this supctl reads version {} at most; use a newer supctl",
                          *version, kSchemaVersion);
          return false;
        }
      }
      if (!exec(kSchemaSql)) return false;
      return Statement(cache(), "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?1), ('now', ?2)")
          .bind(1, kSchemaVersion)
          .bind(2, kStartTime)
          .run();
    });
    if (!ok && failure->empty()) *failure = last_error();
    return ok;
  }

  fs::path log_path(std::string_view host, std::string_view log) const {
    return dir / "logs" / model::lower(host) / fs::path(std::string(log));
  }

  /// Appends one line and its CRLF to the log file. Files are outside the database's transactions.
  void append_file(std::string_view host, std::string_view log, std::string_view line) const {
    const fs::path path = log_path(host, log);
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
    out.write("\r\n", 2);
  }

  void create_keys(const std::string& host_key, std::string_view key) {
    for (std::string_view path : key_and_parents(trim_key(key))) {
      Statement(cache(), "INSERT OR IGNORE INTO registry_keys(host_key, path_key, path) VALUES (?1, ?2, ?3)")
          .bind(1, host_key)
          .bind(2, model::lower(path))
          .bind(3, path)
          .run();
    }
  }

  bool changed() const { return sqlite3_changes(db.get()) > 0; }
};

Estate::Estate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Estate::~Estate() = default;

std::unique_ptr<Estate> Estate::open(const std::filesystem::path& dir, std::string* error) {
  auto fail = [&](std::string_view why) -> std::unique_ptr<Estate> {
    if (error != nullptr) *error = fmt::format("cannot open the lab estate '{}': {}", dir.string(), why);
    return nullptr;
  };

  std::error_code ec;
  fs::create_directories(dir / "logs", ec);
  if (ec) return fail(fmt::format("cannot create its directory: {}", ec.message()));

  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  sqlite3* raw = nullptr;
  const fs::path path = dir / "estate.db";
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  impl->db.reset(raw);
  if (rc != SQLITE_OK) return fail(raw != nullptr ? sqlite3_errmsg(raw) : "out of memory");
  impl->statements = std::make_unique<storage::StatementCache>(raw);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  if (!impl->exec("PRAGMA journal_mode = WAL") || !impl->exec("PRAGMA synchronous = NORMAL")) {
    return fail(impl->last_error());
  }
  std::string failure;
  if (!impl->initialize(&failure)) return fail(failure);
  return std::unique_ptr<Estate>(new Estate(std::move(impl)));
}

const std::filesystem::path& Estate::dir() const { return impl_->dir; }

void Estate::reset() {
  std::lock_guard guard(impl_->mutex);
  impl_->write([&] {
    impl_->registry.clear();
    if (!impl_->exec(kResetSql)) return false;
    impl_->move_clock(kStartTime - impl_->current_time());  // written back with the commit
    return true;
  });
  std::error_code ec;
  for (fs::directory_iterator it(impl_->dir / "logs", ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code remove_error;
    fs::remove_all(it->path(), remove_error);
  }
}

// Hosts.

void Estate::add_host(const HostInfo& host) {
  impl_->write([&] {
    return Statement(impl_->cache(),
                     "INSERT INTO hosts(name_key, name, os, os_version) VALUES (?1, ?2, ?3, ?4) "
                     "ON CONFLICT(name_key) DO UPDATE SET name = ?2, os = ?3, os_version = ?4")
        .bind(1, model::lower(host.name))
        .bind(2, host.name)
        .bind(3, host.os)
        .bind(4, host.os_version)
        .run();
  });
}

std::optional<HostInfo> Estate::host(std::string_view name) const {
  std::lock_guard guard(impl_->mutex);
  Statement select(impl_->cache(), "SELECT name, os, os_version FROM hosts WHERE name_key = ?1");
  select.bind(1, model::lower(name));
  if (select.step() != SQLITE_ROW) return std::nullopt;
  return HostInfo{select.text(0), select.text(1), select.text(2)};
}

std::vector<HostInfo> Estate::hosts() const {
  std::lock_guard guard(impl_->mutex);
  Statement select(impl_->cache(), "SELECT name, os, os_version FROM hosts ORDER BY name_key, name");
  std::vector<HostInfo> hosts;
  while (select.step() == SQLITE_ROW) hosts.push_back(HostInfo{select.text(0), select.text(1), select.text(2)});
  return hosts;
}

// Registry.

bool Estate::key_exists(std::string_view host, std::string_view key) const {
  std::lock_guard guard(impl_->mutex);
  Statement select(impl_->cache(), "SELECT 1 FROM registry_keys WHERE host_key = ?1 AND path_key = ?2");
  select.bind(1, model::lower(host)).bind(2, model::lower(trim_key(key)));
  return select.step() == SQLITE_ROW;
}

void Estate::create_key(std::string_view host, std::string_view key) {
  impl_->write([&] {
    impl_->create_keys(model::lower(host), key);
    return true;
  });
}

bool Estate::delete_key(std::string_view host, std::string_view key) {
  const std::string host_key = model::lower(host);
  const std::string path_key = model::lower(trim_key(key));
  const std::string below = path_key + "\\";
  bool existed = false;
  bool ok = impl_->write([&] {
    {
      Statement select(impl_->cache(), "SELECT 1 FROM registry_keys WHERE host_key = ?1 AND path_key = ?2");
      select.bind(1, host_key).bind(2, path_key);
      existed = select.step() == SQLITE_ROW;
    }
    if (!existed) return true;
    impl_->registry.clear();
    // substr() rather than LIKE: key names may hold '%' and '_'.
    constexpr std::string_view kWhere =
        " WHERE host_key = ?1 AND (path_key = ?2 OR substr(path_key, 1, length(?3)) = ?3)";
    return Statement(impl_->cache(), fmt::format("DELETE FROM registry_keys{}", kWhere))
               .bind(1, host_key)
               .bind(2, path_key)
               .bind(3, below)
               .run() &&
           Statement(impl_->cache(), fmt::format("DELETE FROM registry_values{}", kWhere))
               .bind(1, host_key)
               .bind(2, path_key)
               .bind(3, below)
               .run();
  });
  return ok && existed;
}

std::optional<RegistryValue> Estate::value(std::string_view host, std::string_view key, std::string_view name) const {
  std::lock_guard guard(impl_->mutex);
  if (impl_->depth > 0) {
    const Impl::HostValues& values = impl_->host_values(model::lower(host));
    auto it = values.find(std::pair{model::lower(trim_key(key)), model::lower(name)});
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
  Statement select(impl_->cache(),
                   "SELECT type, data FROM registry_values WHERE host_key = ?1 AND path_key = ?2 AND name_key = ?3");
  select.bind(1, model::lower(host)).bind(2, model::lower(trim_key(key))).bind(3, model::lower(name));
  if (select.step() != SQLITE_ROW) return std::nullopt;
  return RegistryValue{select.text(0), from_text(select.text(1))};
}

void Estate::set_value(std::string_view host, std::string_view key, std::string_view name, const RegistryValue& value) {
  const std::string host_key = model::lower(host);
  impl_->write([&] {
    impl_->create_keys(host_key, key);
    if (auto known = impl_->registry.find(host_key); known != impl_->registry.end()) {
      known->second.insert_or_assign(std::pair{model::lower(trim_key(key)), model::lower(name)}, value);
    }
    return Statement(impl_->cache(),
                     "INSERT INTO registry_values(host_key, path_key, name_key, name, type, data) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                     "ON CONFLICT(host_key, path_key, name_key) DO UPDATE SET type = ?5, data = ?6")
        .bind(1, host_key)
        .bind(2, model::lower(trim_key(key)))
        .bind(3, model::lower(name))
        .bind(4, name)
        .bind(5, value.type)
        .bind(6, to_text(value.data))
        .run();
  });
}

bool Estate::delete_value(std::string_view host, std::string_view key, std::string_view name) {
  bool deleted = false;
  bool committed = impl_->write([&] {
    if (auto known = impl_->registry.find(model::lower(host)); known != impl_->registry.end()) {
      known->second.erase(std::pair{model::lower(trim_key(key)), model::lower(name)});
    }
    bool ok = Statement(impl_->cache(),
                        "DELETE FROM registry_values WHERE host_key = ?1 AND path_key = ?2 AND name_key = ?3")
                  .bind(1, model::lower(host))
                  .bind(2, model::lower(trim_key(key)))
                  .bind(3, model::lower(name))
                  .run();
    deleted = ok && impl_->changed();
    return ok;
  });
  return committed && deleted;
}

std::vector<std::pair<std::string, RegistryValue>> Estate::values(std::string_view host, std::string_view key) const {
  std::lock_guard guard(impl_->mutex);
  Statement select(impl_->cache(),
                   "SELECT name, type, data FROM registry_values WHERE host_key = ?1 AND path_key = ?2 "
                   "ORDER BY name_key, name");
  select.bind(1, model::lower(host)).bind(2, model::lower(trim_key(key)));
  std::vector<std::pair<std::string, RegistryValue>> values;
  while (select.step() == SQLITE_ROW) {
    values.emplace_back(select.text(0), RegistryValue{select.text(1), from_text(select.text(2))});
  }
  return values;
}

// Services.

std::optional<Service> Estate::service(std::string_view host, std::string_view name) const {
  std::lock_guard guard(impl_->mutex);
  Statement select(impl_->cache(),
                   "SELECT name, display_name, startup, state, depends_on FROM services "
                   "WHERE host_key = ?1 AND name_key = ?2");
  select.bind(1, model::lower(host)).bind(2, model::lower(name));
  if (select.step() != SQLITE_ROW) return std::nullopt;
  return read_service(select);
}

void Estate::put_service(std::string_view host, const Service& service) {
  impl_->write([&] {
    return Statement(impl_->cache(),
                     "INSERT INTO services(host_key, name_key, name, display_name, startup, state, depends_on) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(host_key, name_key) DO UPDATE SET "
                     "name = ?3, display_name = ?4, startup = ?5, state = ?6, depends_on = ?7")
        .bind(1, model::lower(host))
        .bind(2, model::lower(service.name))
        .bind(3, service.name)
        .bind(4, service.display_name)
        .bind(5, service.startup)
        .bind(6, service.state)
        .bind(7, to_text(Json(service.depends_on)))
        .run();
  });
}

bool Estate::remove_service(std::string_view host, std::string_view name) {
  bool removed = false;
  bool committed = impl_->write([&] {
    bool ok = Statement(impl_->cache(), "DELETE FROM services WHERE host_key = ?1 AND name_key = ?2")
                  .bind(1, model::lower(host))
                  .bind(2, model::lower(name))
                  .run();
    removed = ok && impl_->changed();
    return ok;
  });
  return committed && removed;
}

std::vector<Service> Estate::services(std::string_view host) const {
  std::lock_guard guard(impl_->mutex);
  Statement select(impl_->cache(),
                   "SELECT name, display_name, startup, state, depends_on FROM services WHERE host_key = ?1 "
                   "ORDER BY name_key, name");
  select.bind(1, model::lower(host));
  std::vector<Service> services;
  while (select.step() == SQLITE_ROW) services.push_back(read_service(select));
  return services;
}

// Local groups.

std::vector<std::string> Estate::members(std::string_view host, std::string_view group) const {
  std::lock_guard guard(impl_->mutex);
  Statement select(
      impl_->cache(),
      "SELECT member FROM group_members WHERE host_key = ?1 AND group_key = ?2 ORDER BY member_key, member");
  select.bind(1, model::lower(host)).bind(2, model::lower(group));
  std::vector<std::string> members;
  while (select.step() == SQLITE_ROW) members.push_back(select.text(0));
  return members;
}

void Estate::add_member(std::string_view host, std::string_view group, std::string_view member) {
  impl_->write([&] {
    return Statement(impl_->cache(),
                     "INSERT OR IGNORE INTO group_members(host_key, group_key, group_name, member_key, member) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(1, model::lower(host))
        .bind(2, model::lower(group))
        .bind(3, group)
        .bind(4, model::lower(member))
        .bind(5, member)
        .run();
  });
}

bool Estate::remove_member(std::string_view host, std::string_view group, std::string_view member) {
  bool removed = false;
  bool committed = impl_->write([&] {
    bool ok = Statement(impl_->cache(),
                        "DELETE FROM group_members WHERE host_key = ?1 AND group_key = ?2 AND member_key = ?3")
                  .bind(1, model::lower(host))
                  .bind(2, model::lower(group))
                  .bind(3, model::lower(member))
                  .run();
    removed = ok && impl_->changed();
    return ok;
  });
  return committed && removed;
}

// Windows features.

std::vector<std::string> Estate::features(std::string_view host) const {
  std::lock_guard guard(impl_->mutex);
  Statement select(impl_->cache(), "SELECT name FROM features WHERE host_key = ?1 ORDER BY name_key, name");
  select.bind(1, model::lower(host));
  std::vector<std::string> features;
  while (select.step() == SQLITE_ROW) features.push_back(select.text(0));
  return features;
}

void Estate::install_feature(std::string_view host, std::string_view feature) {
  impl_->write([&] {
    return Statement(impl_->cache(), "INSERT OR IGNORE INTO features(host_key, name_key, name) VALUES (?1, ?2, ?3)")
        .bind(1, model::lower(host))
        .bind(2, model::lower(feature))
        .bind(3, feature)
        .run();
  });
}

bool Estate::remove_feature(std::string_view host, std::string_view feature) {
  bool removed = false;
  bool committed = impl_->write([&] {
    bool ok = Statement(impl_->cache(), "DELETE FROM features WHERE host_key = ?1 AND name_key = ?2")
                  .bind(1, model::lower(host))
                  .bind(2, model::lower(feature))
                  .run();
    removed = ok && impl_->changed();
    return ok;
  });
  return committed && removed;
}

// JSON documents.

std::optional<Json> Estate::document(std::string_view host, std::string_view collection, std::string_view key) const {
  std::lock_guard guard(impl_->mutex);
  Statement select(impl_->cache(),
                   "SELECT document FROM documents WHERE host_key = ?1 AND collection = ?2 AND key = ?3");
  select.bind(1, model::lower(host)).bind(2, collection).bind(3, key);
  if (select.step() != SQLITE_ROW) return std::nullopt;
  return from_text(select.text(0));
}

void Estate::put_document(std::string_view host, std::string_view collection, std::string_view key,
                          const Json& document) {
  impl_->write([&] {
    return Statement(impl_->cache(),
                     "INSERT INTO documents(host_key, collection, key, document) VALUES (?1, ?2, ?3, ?4) "
                     "ON CONFLICT(host_key, collection, key) DO UPDATE SET document = ?4")
        .bind(1, model::lower(host))
        .bind(2, collection)
        .bind(3, key)
        .bind(4, to_text(document))
        .run();
  });
}

bool Estate::remove_document(std::string_view host, std::string_view collection, std::string_view key) {
  bool removed = false;
  bool committed = impl_->write([&] {
    bool ok = Statement(impl_->cache(), "DELETE FROM documents WHERE host_key = ?1 AND collection = ?2 AND key = ?3")
                  .bind(1, model::lower(host))
                  .bind(2, collection)
                  .bind(3, key)
                  .run();
    removed = ok && impl_->changed();
    return ok;
  });
  return committed && removed;
}

std::vector<std::pair<std::string, Json>> Estate::documents(std::string_view host, std::string_view collection) const {
  std::lock_guard guard(impl_->mutex);
  Statement select(impl_->cache(),
                   "SELECT key, document FROM documents WHERE host_key = ?1 AND collection = ?2 ORDER BY key");
  select.bind(1, model::lower(host)).bind(2, collection);
  std::vector<std::pair<std::string, Json>> documents;
  while (select.step() == SQLITE_ROW) documents.emplace_back(select.text(0), from_text(select.text(1)));
  return documents;
}

// Logs. They are files, outside the database's transactions.

void Estate::append_log(std::string_view host, std::string_view log, std::string_view line) {
  std::lock_guard guard(impl_->mutex);
  if (std::int64_t delay = log_delay(host); delay > 0) {
    impl_->write([&] {
      return Statement(impl_->cache(), "INSERT INTO pending_log_lines(host, log, due, line) VALUES (?1, ?2, ?3, ?4)")
          .bind(1, model::lower(host))
          .bind(2, log)
          .bind(3, impl_->current_time() + delay)
          .bind(4, line)
          .run();
    });
    impl_->pending_lines = true;
    return;
  }
  impl_->append_file(host, log, line);
}

void Estate::set_log_delay(std::string_view host, std::int64_t seconds) {
  impl_->write([&] {
    if (seconds <= 0) return Statement(impl_->cache(), "DELETE FROM log_delays WHERE host_key = ?1").bind(1, model::lower(host)).run();
    return Statement(impl_->cache(),
                     "INSERT INTO log_delays(host_key, seconds) VALUES (?1, ?2) ON CONFLICT(host_key) DO UPDATE SET seconds = ?2")
        .bind(1, model::lower(host))
        .bind(2, seconds)
        .run();
  });
}

std::int64_t Estate::log_delay(std::string_view host) const {
  std::lock_guard guard(impl_->mutex);
  Statement select(impl_->cache(), "SELECT seconds FROM log_delays WHERE host_key = ?1");
  select.bind(1, model::lower(host));
  return select.step() == SQLITE_ROW ? select.integer(0) : 0;
}

std::string Estate::read_log(std::string_view host, std::string_view log, std::uint64_t offset) const {
  std::lock_guard guard(impl_->mutex);
  const fs::path path = impl_->log_path(host, log);
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec || offset >= size) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in.seekg(static_cast<std::streamoff>(offset))) return {};
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::filesystem::path Estate::log_path(std::string_view host, std::string_view log) const {
  return impl_->log_path(host, log);
}

// The simulated clock.

std::int64_t Estate::now() const {
  std::lock_guard guard(impl_->mutex);
  return impl_->current_time();
}

void Estate::advance(std::int64_t seconds) {
  std::lock_guard guard(impl_->mutex);
  impl_->write([&] {
    const std::int64_t now = impl_->move_clock(seconds);
    // Lines held back by a host's log delay show up once the clock passes their time, in order.
    if (!impl_->has_pending_lines()) return true;
    Statement due(impl_->cache(), "SELECT host, log, line FROM pending_log_lines WHERE due <= ?1 ORDER BY due, id");
    due.bind(1, now);
    while (due.step() == SQLITE_ROW) impl_->append_file(due.text(0), due.text(1), due.text(2));
    impl_->pending_lines = std::nullopt;  // later lines may still wait
    return Statement(impl_->cache(), "DELETE FROM pending_log_lines WHERE due <= ?1").bind(1, now).run();
  });
}

// Faults.

// A nonzero `id` that no fault has is kept, so that a fault can be put back as it was; otherwise
// the fault gets a new id.
std::int64_t Estate::add_fault(const Fault& fault) {
  std::int64_t id = 0;
  bool committed = impl_->write([&] {
    bool keep_id = false;
    if (fault.id > 0) {
      Statement taken(impl_->cache(), "SELECT 1 FROM faults WHERE id = ?1");
      taken.bind(1, fault.id);
      keep_id = taken.step() == SQLITE_DONE;
    }
    Statement insert(impl_->cache(),
                     "INSERT INTO faults(id, host, host_key, operation, kind, message, remaining) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (keep_id) insert.bind(1, fault.id);  // an unbound ?1 is NULL: a new id
    insert.bind(2, fault.host)
        .bind(3, model::lower(fault.host))
        .bind(4, fault.operation)
        .bind(5, fault.kind)
        .bind(6, fault.message)
        .bind(7, static_cast<std::int64_t>(fault.remaining));
    if (!insert.run()) return false;
    id = sqlite3_last_insert_rowid(impl_->handle());
    impl_->armed_faults = std::nullopt;
    return true;
  });
  return committed ? id : 0;
}

std::vector<Fault> Estate::faults() const {
  std::lock_guard guard(impl_->mutex);
  Statement select(impl_->cache(), fmt::format("SELECT {} FROM faults ORDER BY id", kFaultColumns));
  std::vector<Fault> faults;
  while (select.step() == SQLITE_ROW) faults.push_back(read_fault(select));
  return faults;
}

bool Estate::remove_fault(std::int64_t id) {
  bool removed = false;
  bool committed = impl_->write([&] {
    bool ok = Statement(impl_->cache(), "DELETE FROM faults WHERE id = ?1").bind(1, id).run();
    removed = ok && impl_->changed();
    return ok;
  });
  return committed && removed;
}

// The fault returned carries what remains of it after this use (0: it was the last and is gone).
// A fault stored with 0 remaining fails nothing.
std::optional<Fault> Estate::take_fault(std::string_view host, std::string_view operation, bool exact) {
  std::lock_guard guard(impl_->mutex);
  if (!impl_->has_armed_faults()) return std::nullopt;  // nearly always: no fault was injected
  std::optional<Fault> taken;
  bool committed = impl_->write([&] {
    std::optional<Fault> found;
    {
      Statement select(
          impl_->cache(),
          fmt::format("SELECT {} FROM faults WHERE host_key = ?1 AND remaining <> 0 ORDER BY id", kFaultColumns));
      select.bind(1, model::lower(host));
      int rc;
      while ((rc = select.step()) == SQLITE_ROW) {
        Fault fault = read_fault(select);
        if (exact ? fault.operation == operation : matches(fault.operation, operation)) {
          found = std::move(fault);
          break;
        }
      }
      if (!found && rc != SQLITE_DONE) return false;
    }
    if (!found) return true;
    if (found->remaining > 0) {
      --found->remaining;
      bool ok = found->remaining == 0
                    ? Statement(impl_->cache(), "DELETE FROM faults WHERE id = ?1").bind(1, found->id).run()
                    : Statement(impl_->cache(), "UPDATE faults SET remaining = ?2 WHERE id = ?1")
                          .bind(1, found->id)
                          .bind(2, static_cast<std::int64_t>(found->remaining))
                          .run();
      if (!ok) return false;
    }
    taken = std::move(found);
    return true;
  });
  return committed ? taken : std::nullopt;
}

bool Estate::transaction(const std::function<bool()>& body) { return impl_->write(body); }

}  // namespace supctl::lab
