#include "state/state.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <system_error>
#include <thread>
#include <utility>

#include "model/parallel.h"
#include "state/fingerprint.h"
#include "storage/postgres.h"
#include "storage/sqlite.h"

namespace supctl::state {
namespace {

using namespace std::chrono_literals;
using model::Json;

constexpr std::int64_t kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 5000;
constexpr std::size_t kLineageBytes = 16;  // 32 hex characters
constexpr std::size_t kKeyBytes = 32;      // 64 hex characters
constexpr std::size_t kSaltBytes = 16;     // 32 hex characters
/// What a state key's check value is made from (after the state's salt).
constexpr std::string_view kKeyCheckLabel = "supctl state key check:";
constexpr std::size_t kIdBytes = 8;        // 16 hex characters
constexpr std::chrono::milliseconds kFirstBackoff = 100ms;
constexpr std::chrono::milliseconds kMaxBackoff = 2s;

// Constant SQL only: every value goes through a bound parameter.
// Constant SQL only: every value goes through a bound parameter. The two schemas hold the same
// columns; runs are listed in the order they were made (SQLite's rowid, PostgreSQL's own).
constexpr std::string_view kSqliteSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS resources(address TEXT PRIMARY KEY, kind TEXT, name TEXT, host TEXT,
  attributes TEXT, origin TEXT, fingerprints TEXT, allow_destroy INTEGER, updated_at TEXT);
CREATE TABLE IF NOT EXISTS runs(id TEXT PRIMARY KEY, operation TEXT, started_at TEXT, finished_at TEXT,
  status TEXT);
CREATE TABLE IF NOT EXISTS journal(id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT, time TEXT,
  address TEXT, action TEXT, status TEXT, message TEXT);
CREATE TABLE IF NOT EXISTS lock(singleton INTEGER PRIMARY KEY CHECK (singleton = 1), id TEXT, holder TEXT,
  pid INTEGER, host TEXT, operation TEXT, created_at TEXT);
)sql";
// Addresses sort as bytes ("C"), as SQLite's BINARY and Address compare them.
constexpr std::string_view kPostgresSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS resources(address TEXT PRIMARY KEY, kind TEXT COLLATE "C", name TEXT COLLATE "C",
  host TEXT, attributes TEXT, origin TEXT, fingerprints TEXT, allow_destroy BIGINT, updated_at TEXT);
CREATE TABLE IF NOT EXISTS runs(rowid BIGSERIAL, id TEXT PRIMARY KEY, operation TEXT, started_at TEXT,
  finished_at TEXT, status TEXT);
CREATE TABLE IF NOT EXISTS journal(id BIGSERIAL PRIMARY KEY, run_id TEXT, time TEXT,
  address TEXT, action TEXT, status TEXT, message TEXT);
CREATE TABLE IF NOT EXISTS lock(singleton INTEGER PRIMARY KEY CHECK (singleton = 1), id TEXT, holder TEXT,
  pid BIGINT, host TEXT, operation TEXT, created_at TEXT);
)sql";

using storage::Query;
using storage::Step;

/// `bytes` random bytes from OpenSSL as lower-case hex; empty when the generator fails.
std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) return {};
  return to_hex(buffer);
}

/// The current time as RFC 3339 UTC with milliseconds, e.g. 2024-05-01T12:00:00.123Z.
std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

std::string host_name() {
  std::array<char, HOST_NAME_MAX + 1> buffer{};
  if (gethostname(buffer.data(), buffer.size() - 1) != 0) return "localhost";
  return std::string(buffer.data());
}

std::string user_name() {
  uid_t uid = geteuid();
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr &&
      found->pw_name != nullptr) {
    return found->pw_name;
  }
  return std::to_string(uid);
}

std::string_view origin_name(Origin origin) { return origin == Origin::kAdopted ? "adopted" : "created"; }

Origin parse_origin(std::string_view text) { return text == "adopted" ? Origin::kAdopted : Origin::kCreated; }

/// Parses a JSON object column; nullopt when the text is not a JSON object.
std::optional<Json> parse_object(const std::string& text) {
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

constexpr std::string_view kResourceColumns =
    "address, kind, name, host, attributes, origin, fingerprints, allow_destroy, updated_at";

/// A record's columns as stored; its JSON parsed by `parse_record`, which can run on any thread.
struct StoredRecord {
  ResourceRecord record;
  std::string attributes;
  std::string fingerprints;
};

StoredRecord read_resource(const Query& row) {
  StoredRecord stored;
  ResourceRecord& record = stored.record;
  record.address = model::Address{row.text(1), row.text(2)};
  record.host = row.text(3);
  stored.attributes = row.text(4);
  record.origin = parse_origin(row.text(5));
  stored.fingerprints = row.text(6);
  record.allow_destroy = row.integer(7) != 0;
  record.updated_at = row.text(8);
  return stored;
}

ResourceRecord parse_record(StoredRecord stored) {
  ResourceRecord& record = stored.record;
  if (auto attributes = parse_object(stored.attributes)) {
    for (auto& [name, value] : attributes->items()) record.attributes.emplace(name, std::move(value));
  }
  if (auto fingerprints = parse_object(stored.fingerprints)) {
    for (auto& [name, value] : fingerprints->items()) {
      if (value.is_string()) record.fingerprints.emplace(name, value.get<std::string>());
    }
  }
  return std::move(stored.record);
}

/// A SQLite state at `path`, created (with its directory) private to its owner, in WAL mode.
std::unique_ptr<storage::Connection> connect_sqlite(const std::filesystem::path& path, std::string* error) {
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      *error = fmt::format("cannot create its directory: {}", ec.message());
      return nullptr;
    }
  }
  // Create the file ourselves so that it is private from the start; SQLite gives the -wal and
  // -shm files the same mode as the database.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd >= 0) {
    fchmod(fd, S_IRUSR | S_IWUSR);
    ::close(fd);
  } else if (errno != EEXIST) {
    *error = std::strerror(errno);
    return nullptr;
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  storage::Database db(raw);
  if (rc != SQLITE_OK) {
    *error = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return nullptr;
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  {
    // Scoped: a statement still in progress would make every later COMMIT fail.
    storage::Statement journal_mode(raw, "PRAGMA journal_mode=WAL");
    rc = journal_mode.step();
    if (rc == SQLITE_NOTADB) {
      *error = "it is not a SQLite database";
      return nullptr;
    }
    if (rc != SQLITE_ROW) {
      *error = sqlite3_errmsg(raw);
      return nullptr;
    }
    std::string mode = journal_mode.text(0);
    if (mode != "wal") {
      *error = fmt::format("cannot use WAL mode (the journal mode stayed '{}')", mode);
      return nullptr;
    }
  }
  auto connection = std::make_unique<storage::SqliteConnection>(std::move(db));
  if (!connection->exec("PRAGMA synchronous=NORMAL") || !connection->exec("PRAGMA foreign_keys=ON")) {
    *error = connection->error();
    return nullptr;
  }
  return connection;
}

/// A state in PostgreSQL: the database the URL names, in the schema of the state's name.
std::unique_ptr<storage::Connection> connect_postgres(const Location& location, bool create, std::string* error, bool* missing) {
  return storage::connect_postgres(storage::PostgresTarget{.url = location.url,
                                                           .password = location.password,
                                                           .schema = "supctl_" + location.name,
                                                           .create = create},
                                   error, missing);
}

}  // namespace

struct StateStore::Impl {
  std::unique_ptr<storage::Connection> db;
  std::string lineage;
  std::vector<unsigned char> key;   ///< the old kind's HMAC key, kKeyBytes long (meta fingerprint_key)
  std::vector<unsigned char> salt;  ///< scrypt's salt for this state, kSaltBytes long (meta fingerprint_salt)
  /// This run's state key: never stored, wiped when the store goes. The state keeps only a check
  /// value made from it (meta state_key_check, itself scrypt: a key cannot be guessed from it
  /// faster than a password), once it holds a fingerprint keyed with it.
  std::optional<std::string> state_key;
  std::optional<std::vector<unsigned char>> state_key_check;  ///< of `state_key`, made once
  /// scrypt's output by the secret (HMAC under a key of this process, never the secret's plain
  /// hash) and the cost: each secret costs one scrypt per run, however many resources send it
  /// (plan, then apply, then the freshness check). Wiped when the store goes.
  mutable std::mutex memo_mutex;
  mutable std::vector<std::pair<std::vector<unsigned char>, std::vector<unsigned char>>> memo;
  std::vector<unsigned char> memo_key = std::vector<unsigned char>(32);

  Impl() { RAND_bytes(memo_key.data(), static_cast<int>(memo_key.size())); }
  ~Impl() {
    if (state_key) OPENSSL_cleanse(state_key->data(), state_key->size());
    if (state_key_check) OPENSSL_cleanse(state_key_check->data(), state_key_check->size());
    for (auto& [id, digest] : memo) {
      OPENSSL_cleanse(id.data(), id.size());
      OPENSSL_cleanse(digest.data(), digest.size());
    }
    OPENSSL_cleanse(memo_key.data(), memo_key.size());
  }

  /// The check value of a state key: scrypt of the key with this state's salt and a label.
  std::optional<std::vector<unsigned char>> key_check_of(std::string_view key_text) const {
    std::vector<unsigned char> salted(salt.begin(), salt.end());
    salted.insert(salted.end(), kKeyCheckLabel.begin(), kKeyCheckLabel.end());
    return scrypt(key_text, salted, kFingerprintCost);
  }

  /// The check value stored in the database now (another process may have written it).
  std::optional<std::vector<unsigned char>> stored_key_check() const {
    auto text = meta("state_key_check");
    return text ? from_hex(*text) : std::nullopt;
  }

  /// scrypt of `secret` at `cost` with this state's salt, once per run.
  std::optional<std::vector<unsigned char>> scrypt_of(std::string_view secret, ScryptCost cost) const {
    std::string label = fmt::format(":{}:{}:{}", cost.log2_n, cost.r, cost.p);
    std::vector<unsigned char> message(secret.begin(), secret.end());
    message.insert(message.end(), label.begin(), label.end());
    std::vector<unsigned char> id = hmac_sha256(memo_key, message);
    OPENSSL_cleanse(message.data(), message.size());
    {
      std::lock_guard guard(memo_mutex);
      for (const auto& [known, digest] : memo) {
        if (same_digest(known, id)) return digest;
      }
    }
    auto digest = scrypt(secret, salt, cost);
    if (!digest) return std::nullopt;
    std::lock_guard guard(memo_mutex);
    memo.emplace_back(std::move(id), *digest);
    return digest;
  }

  /// The digest a fingerprint of `kind` holds for `secret`; nullopt when it cannot be made here.
  std::optional<std::vector<unsigned char>> digest_of(std::string_view secret, Fingerprint::Kind kind, ScryptCost cost) const {
    switch (kind) {
      case Fingerprint::Kind::kHmac: {
        auto out = hmac_sha256(key, {reinterpret_cast<const unsigned char*>(secret.data()), secret.size()});
        return out.empty() ? std::nullopt : std::optional(out);
      }
      case Fingerprint::Kind::kScrypt: return scrypt_of(secret, cost);
      case Fingerprint::Kind::kScryptKeyed: {
        if (!state_key) return std::nullopt;
        auto inner = scrypt_of(secret, cost);
        if (!inner) return std::nullopt;
        auto out = hmac_sha256({reinterpret_cast<const unsigned char*>(state_key->data()), state_key->size()}, *inner);
        OPENSSL_cleanse(inner->data(), inner->size());
        return out.empty() ? std::nullopt : std::optional(out);
      }
      case Fingerprint::Kind::kUnknown: break;
    }
    return std::nullopt;
  }
  std::string host = host_name();
  std::string user = user_name();
  std::string held_lock_id;  ///< empty: this store holds no lock
  mutable std::mutex mutex;  ///< one transaction at a time on the connection

  std::unique_ptr<Query> sql(std::string_view text) const { return db->query(text); }
  bool postgres() const { return db->engine() == "PostgreSQL"; }
  /// Throws StateError when a read ended on an error rather than at its last row.
  void done(Step step, std::string_view what) const {
    if (step == Step::kError) throw StateError(fmt::format("cannot read {} from the state: {}", what, last_error()));
  }
  std::string last_error() const { return db->error(); }

  /// Runs `body` in a write transaction; rolls back when it returns false.
  template <typename Body>
  bool write(Body&& body, std::string* error = nullptr) {
    if (!db->begin_write()) {
      if (error != nullptr) *error = last_error();
      return false;
    }
    if (!body()) {
      if (error != nullptr && error->empty()) *error = last_error();
      db->rollback();
      return false;
    }
    if (!db->commit()) {
      if (error != nullptr) *error = last_error();
      db->rollback();
      return false;
    }
    return true;
  }

  std::optional<std::string> meta(std::string_view key_name) const {
    auto select = sql("SELECT value FROM meta WHERE key = $1");
    select->bind(1, key_name);
    if (select->step() != Step::kRow) return std::nullopt;
    return select->text(0);
  }

  bool put_meta(std::string_view key_name, std::string_view value) {
    return sql("INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        ->bind(1, key_name)
        .bind(2, value)
        .run();
  }

  /// Whether the lock's holder is gone: on PostgreSQL, when no session holds the state's session
  /// lock; on SQLite, when the holder is on this host and its process is gone.
  bool is_stale(const LockInfo& info, std::string_view lock_host) const {
    if (db->has_session_lock()) return db->session_lock_held() == false;
    if (lock_host != host || info.pid <= 0) return false;
    return kill(static_cast<pid_t>(info.pid), 0) != 0 && errno == ESRCH;
  }

  std::optional<LockInfo> read_lock() const {
    auto select = sql("SELECT id, holder, pid, host, operation, created_at FROM lock WHERE singleton = 1");
    if (select->step() != Step::kRow) return std::nullopt;
    LockInfo info;
    info.id = select->text(0);
    info.holder = select->text(1);
    info.pid = select->integer(2);
    info.operation = select->text(4);
    info.created_at = select->text(5);
    const std::string lock_host = select->text(3);
    select.reset();  // done with the row before the next query
    info.stale = is_stale(info, lock_host);
    return info;
  }

  bool insert_lock(std::string_view id, std::string_view holder_name, std::string_view operation,
                   std::string_view created_at) {
    return sql("INSERT INTO lock(singleton, id, holder, pid, host, operation, created_at) "
               "VALUES (1, $1, $2, $3, $4, $5, $6)")
        ->bind(1, id)
        .bind(2, holder_name)
        .bind(3, static_cast<std::int64_t>(getpid()))
        .bind(4, host)
        .bind(5, operation)
        .bind(6, created_at)
        .run();
  }

  enum class Attempt { kTaken, kHeld, kError };

  /// One try at the lock: takes it when free, or reports who holds it in `*holder`.
  Attempt try_lock(std::string_view operation, LockInfo* holder) {
    std::lock_guard guard(mutex);
    std::string id = random_hex(kIdBytes);
    if (id.empty()) return Attempt::kError;
    std::string holder_name = user + "@" + host;
    std::string created_at = now_rfc3339();
    if (db->has_session_lock()) return try_session_lock(id, holder_name, operation, created_at, holder);
    bool held_by_other = false;
    bool taken = write([&] {
      if (auto current = read_lock()) {
        if (!held_lock_id.empty() && current->id == held_lock_id) return true;  // already ours
        if (holder != nullptr) *holder = *current;
        held_by_other = true;
        return false;
      }
      return insert_lock(id, holder_name, operation, created_at);
    });
    if (taken) {
      if (held_lock_id.empty()) held_lock_id = id;
      return Attempt::kTaken;
    }
    return held_by_other ? Attempt::kHeld : Attempt::kError;
  }

  /// The lock where the database holds it for the session (PostgreSQL): whoever holds the session
  /// lock holds the state; the row only says who that is. A row left by a session that ended is
  /// stale by definition and is replaced, so a runner that died never needs force-unlock.
  Attempt try_session_lock(std::string_view id, std::string_view holder_name, std::string_view operation,
                           std::string_view created_at, LockInfo* holder) {
    if (!held_lock_id.empty()) return Attempt::kTaken;
    if (!db->try_session_lock()) {
      auto held = db->session_lock_held();
      if (!held) return Attempt::kError;
      if (holder != nullptr) {
        // The holder may not have written its row yet.
        *holder = read_lock().value_or(LockInfo{.holder = "another session (it has not recorded who it is yet)"});
        holder->stale = false;
      }
      return Attempt::kHeld;
    }
    bool taken = write([&] {
      return sql("DELETE FROM lock")->run() && insert_lock(id, holder_name, operation, created_at);
    });
    if (!taken) {
      db->release_session_lock();
      return Attempt::kError;
    }
    held_lock_id = std::string(id);
    return Attempt::kTaken;
  }

  /// Creates the tables and the meta rows of a new state, or checks those of an existing one.
  bool initialize(std::string* error) {
    std::string failure;
    bool ok = write([&] {
      auto tables = db->tables();
      if (!tables) return false;
      const bool has_meta = std::find(tables->begin(), tables->end(), "meta") != tables->end();
      if (!has_meta && !tables->empty()) {
        failure = postgres()
                      ? "its schema holds tables but is not a supctl state (it has no 'meta' table)"
                      : "it is a SQLite database but not a supctl state (it has no 'meta' table)";
        return false;
      }
      if (has_meta) {
        auto version = meta("schema_version");
        if (!version) {
          failure = "it has no schema version";
          return false;
        }
        std::int64_t number = 0;
        try {
          number = std::stoll(*version);
        } catch (const std::exception&) {
          failure = fmt::format("its schema version '{}' is not a number", *version);
          return false;
        }
        if (number > kSchemaVersion) {
          failure = fmt::format("its schema version is {} but this supctl reads version {} at most; use a newer supctl",
                                number, kSchemaVersion);
          return false;
        }
      }
      if (!db->exec(postgres() ? kPostgresSchema : kSqliteSchema)) return false;
      std::string new_lineage = random_hex(kLineageBytes);
      std::string new_key = random_hex(kKeyBytes);
      if (new_lineage.empty() || new_key.empty()) {
        failure = "the random number generator failed";
        return false;
      }
      // A state made before fingerprints were salted scrypt gets its salt here, once.
      std::string new_salt = random_hex(kSaltBytes);
      if (new_salt.empty()) {
        failure = "the random number generator failed";
        return false;
      }
      return put_meta("schema_version", std::to_string(kSchemaVersion)) && put_meta("lineage", new_lineage) &&
             put_meta("serial", "0") && put_meta("fingerprint_key", new_key) && put_meta("fingerprint_salt", new_salt);
    });
    if (!ok) {
      *error = failure.empty() ? last_error() : failure;
      return false;
    }
    auto stored_lineage = meta("lineage");
    auto stored_key = meta("fingerprint_key");
    auto stored_salt = meta("fingerprint_salt");
    std::optional<std::vector<unsigned char>> key_bytes, salt_bytes;
    if (stored_key) key_bytes = from_hex(*stored_key);
    if (stored_salt) salt_bytes = from_hex(*stored_salt);
    if (!stored_lineage || stored_lineage->empty() || !key_bytes || key_bytes->size() != kKeyBytes || !salt_bytes ||
        salt_bytes->size() != kSaltBytes) {
      *error = "its lineage, fingerprint key or fingerprint salt is missing or malformed";
      return false;
    }
    lineage = *stored_lineage;
    key = std::move(*key_bytes);
    salt = std::move(*salt_bytes);
    return true;
  }
};

std::string Location::display() const {
  if (!is_postgres()) return fmt::format("'{}'", path.string());
  return fmt::format("'{}' (state '{}')", storage::redact_url(url), name);
}

std::optional<Location> Location::parse(std::string_view text, std::string* error) {
  Location location;
  if (!text.starts_with("postgresql://") && !text.starts_with("postgres://")) {
    // Never a file named after a connection string, which may hold a password.
    static const std::regex conninfo(R"((^|\s)(host|hostaddr|port|dbname|user|password|passfile|service|sslmode)\s*=)");
    if (text.find("://") != std::string_view::npos || std::regex_search(text.begin(), text.end(), conninfo)) {
      if (error != nullptr) {
        *error = "the state is neither a file nor a postgresql:// URL (a PostgreSQL state is given as "
                 "postgresql://USER@HOST/DB?state=NAME; libpq's key=value strings are not taken)";
      }
      return std::nullopt;
    }
    location.path = std::string(text);
    return location;
  }
  // A password libpq would split in the wrong place, and then quote a piece of in its error.
  {
    auto span = storage::userinfo_span(text);
    std::string_view userinfo = span ? text.substr(span->first, span->second - span->first) : std::string_view();
    bool bad_escape = false;
    for (std::size_t i = 0; i < userinfo.size(); ++i) {
      if (userinfo[i] == '%' && (i + 2 >= userinfo.size() || !std::isxdigit(static_cast<unsigned char>(userinfo[i + 1])) ||
                                 !std::isxdigit(static_cast<unsigned char>(userinfo[i + 2])))) {
        bad_escape = true;
      }
    }
    if (userinfo.find_first_of("/@?#") != std::string_view::npos || bad_escape) {
      if (error != nullptr) {
        *error = "the user name or password in the PostgreSQL URL holds '/', '@', '?', '#' or a '%' that is not an escape: "
                 "percent-encode them (%2F, %40, %3F, %23, %25)";
      }
      return std::nullopt;
    }
  }
  // supctl's own `state=NAME` comes out of the query; libpq refuses parameters it does not know.
  std::string url(text);
  std::size_t query = url.find('?');
  if (query != std::string::npos) {
    std::string kept;
    bool named = false;
    std::size_t at = query + 1;
    while (at <= url.size()) {
      std::size_t end = url.find('&', at);
      if (end == std::string::npos) end = url.size();
      std::string_view parameter = std::string_view(url).substr(at, end - at);
      if (parameter.starts_with("state=")) {
        if (named) {
          if (error != nullptr) *error = fmt::format("'{}' names the state twice (state=)", storage::redact_url(text));
          return std::nullopt;
        }
        named = true;
        location.name = std::string(parameter.substr(6));
      } else if (!parameter.empty()) {
        kept += (kept.empty() ? "" : "&") + std::string(parameter);
      }
      at = end + 1;
    }
    url = url.substr(0, query) + (kept.empty() ? "" : "?" + kept);
  }
  const bool valid = !location.name.empty() && location.name.size() <= 48 &&
                     std::all_of(location.name.begin(), location.name.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                     });
  if (!valid) {
    if (error != nullptr) {
      *error = fmt::format("the state name '{}' in '{}' is not 1 to 48 letters, digits, '_' or '-'", location.name,
                           storage::redact_url(text));
    }
    return std::nullopt;
  }
  location.url = std::move(url);
  return location;
}

StateStore::StateStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StateStore::~StateStore() {
  if (impl_ != nullptr && impl_->db != nullptr) unlock();
}

std::unique_ptr<StateStore> StateStore::open(const std::filesystem::path& path, std::string* error) {
  return open(Location{.path = path}, error);
}

std::unique_ptr<StateStore> StateStore::open(const Location& location, std::string* error, bool create, bool* missing) {
  auto fail = [&](std::string_view why) -> std::unique_ptr<StateStore> {
    if (error != nullptr) *error = fmt::format("cannot open the state {}: {}", location.display(), why);
    return nullptr;
  };
  auto impl = std::make_unique<Impl>();
  std::string why;
  bool absent = false;
  impl->db = location.is_postgres() ? connect_postgres(location, create, &why, &absent) : connect_sqlite(location.path, &why);
  if (missing != nullptr) *missing = absent;
  if (absent) return nullptr;
  if (!impl->db) return fail(why);
  if (!impl->initialize(&why)) return fail(why);
  // The constructor is private, so make_unique cannot reach it; the pointer is owned at once.
  return std::unique_ptr<StateStore>(new StateStore(std::move(impl)));
}

std::string StateStore::lineage() const { return impl_->lineage; }

std::int64_t StateStore::serial() const {
  std::lock_guard guard(impl_->mutex);
  auto value = impl_->meta("serial");
  if (!value) return -1;
  try {
    return std::stoll(*value);
  } catch (const std::exception&) {
    return -1;
  }
}

std::int64_t StateStore::bump_serial() {
  std::lock_guard guard(impl_->mutex);
  std::int64_t serial = -1;
  bool ok = impl_->write([&] {
    auto update = impl_->sql("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'serial' "
                             "RETURNING CAST(value AS BIGINT)");
    if (update->step() != Step::kRow) return false;
    serial = update->integer(0);
    return update->step() == Step::kDone;
  });
  return ok ? serial : -1;
}

std::vector<ResourceRecord> StateStore::resources() const {
  std::lock_guard guard(impl_->mutex);
  std::vector<ResourceRecord> records;
  // SQLite's BINARY order of (kind, name), and PostgreSQL's "C", is Address's: bytes compared as unsigned.
  auto select = impl_->sql(fmt::format("SELECT {} FROM resources ORDER BY kind, name", kResourceColumns));
  std::vector<StoredRecord> stored;
  Step step;
  while ((step = select->step()) == Step::kRow) stored.push_back(read_resource(*select));
  impl_->done(step, "its records");
  // Their JSON, the most of the cost, parses on every core.
  records.resize(stored.size());
  constexpr std::size_t kChunk = 256;
  model::parallel_for((stored.size() + kChunk - 1) / kChunk, model::cores(), [&](std::size_t chunk) {
    for (std::size_t i = chunk * kChunk; i < std::min(stored.size(), (chunk + 1) * kChunk); ++i) records[i] = parse_record(std::move(stored[i]));
  });
  auto by_address = [](const ResourceRecord& a, const ResourceRecord& b) { return a.address < b.address; };
  if (!std::is_sorted(records.begin(), records.end(), by_address)) std::sort(records.begin(), records.end(), by_address);
  return records;
}

std::optional<ResourceRecord> StateStore::resource(const model::Address& address) const {
  std::lock_guard guard(impl_->mutex);
  std::string text = address.str();
  auto select = impl_->sql(fmt::format("SELECT {} FROM resources WHERE address = $1", kResourceColumns));
  select->bind(1, text);
  Step step = select->step();
  impl_->done(step == Step::kRow ? Step::kDone : step, "a record");
  if (step != Step::kRow) return std::nullopt;
  return parse_record(read_resource(*select));
}

bool StateStore::put_resource(const ResourceRecord& record, std::string* error) {
  std::string attributes;
  std::string fingerprints;
  try {
    Json attribute_object = Json::object();
    for (const auto& [name, value] : record.attributes) attribute_object[name] = value;
    attributes = attribute_object.dump();
    Json fingerprint_object = Json::object();
    for (const auto& [name, value] : record.fingerprints) fingerprint_object[name] = value;
    fingerprints = fingerprint_object.dump();
  } catch (const Json::exception& e) {
    if (error != nullptr) *error = fmt::format("cannot record '{}': {}", record.address.str(), e.what());
    return false;
  }
  std::string address = record.address.str();
  std::string updated_at = record.updated_at.empty() ? now_rfc3339() : record.updated_at;

  // The first fingerprint keyed with the state key leaves the key's check value, in the same
  // transaction, so that a later run with another key (or none) is stopped before it compares.
  const bool keyed = std::any_of(record.fingerprints.begin(), record.fingerprints.end(), [](const auto& entry) {
    return parse_fingerprint(entry.second).kind == Fingerprint::Kind::kScryptKeyed;
  });
  if (keyed && !impl_->state_key_check) {
    if (error != nullptr) *error = fmt::format("cannot record '{}': its fingerprints are keyed, but this run has no state key", record.address.str());
    return false;
  }
  std::lock_guard guard(impl_->mutex);
  std::string why;
  bool ok = impl_->write(
      [&] {
        if (keyed) {
          // Read inside the transaction: another apply may have recorded keyed fingerprints since.
          auto stored = impl_->stored_key_check();
          if (stored && !same_digest(*stored, *impl_->state_key_check)) {
            why = "the state's fingerprints were keyed with another state key meanwhile";
            return false;
          }
          const auto& check = *impl_->state_key_check;
          if (!stored && !impl_->put_meta("state_key_check", to_hex(check))) return false;
        }
        return impl_->sql(fmt::format("INSERT INTO resources({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                                      "ON CONFLICT (address) DO UPDATE SET kind = excluded.kind, name = excluded.name, "
                                      "host = excluded.host, attributes = excluded.attributes, origin = excluded.origin, "
                                      "fingerprints = excluded.fingerprints, allow_destroy = excluded.allow_destroy, "
                                      "updated_at = excluded.updated_at",
                                      kResourceColumns))
            ->bind(1, address)
            .bind(2, record.address.kind)
            .bind(3, record.address.name)
            .bind(4, record.host)
            .bind(5, attributes)
            .bind(6, origin_name(record.origin))
            .bind(7, fingerprints)
            .bind(8, static_cast<std::int64_t>(record.allow_destroy ? 1 : 0))
            .bind(9, updated_at)
            .run();
      },
      &why);
  if (!ok && error != nullptr) *error = fmt::format("cannot record '{}': {}", address, why);
  return ok;
}

bool StateStore::remove_resource(const model::Address& address) {
  std::lock_guard guard(impl_->mutex);
  std::string text = address.str();
  bool removed = false;
  impl_->write([&] {
    auto remove = impl_->sql("DELETE FROM resources WHERE address = $1 RETURNING address");
    remove->bind(1, text);
    Step step = remove->step();
    removed = step == Step::kRow;
    while (step == Step::kRow) step = remove->step();
    return step == Step::kDone;
  });
  return removed;
}

std::vector<model::Address> StateStore::recorded_addresses(const std::filesystem::path& path) {
  std::vector<model::Address> out;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return out;
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close_v2(raw);
    return out;
  }
  storage::Database db(raw);
  sqlite3_busy_timeout(raw, 200);
  storage::Statement select(raw, "SELECT kind, name FROM resources");
  while (select.step() == SQLITE_ROW) out.push_back(model::Address{select.text(0), select.text(1)});
  return out;
}

std::string StateStore::fingerprint(std::string_view secret) const {
  const auto kind = impl_->state_key ? Fingerprint::Kind::kScryptKeyed : Fingerprint::Kind::kScrypt;
  auto digest = impl_->digest_of(secret, kind, kFingerprintCost);
  if (!digest) return {};
  std::string out = format_fingerprint(kind, kFingerprintCost, *digest);
  OPENSSL_cleanse(digest->data(), digest->size());
  return out;
}

bool StateStore::matches(std::string_view secret, std::string_view recorded) const {
  Fingerprint stored = parse_fingerprint(recorded);
  auto digest = impl_->digest_of(secret, stored.kind, stored.cost);
  const bool same = digest && same_digest(*digest, stored.digest);
  if (digest) OPENSSL_cleanse(digest->data(), digest->size());
  return same;
}

bool StateStore::set_state_key(std::optional<std::string_view> key) {
  if (impl_->state_key) OPENSSL_cleanse(impl_->state_key->data(), impl_->state_key->size());
  if (impl_->state_key_check) OPENSSL_cleanse(impl_->state_key_check->data(), impl_->state_key_check->size());
  impl_->state_key.reset();
  impl_->state_key_check.reset();
  if (!key || key->empty()) return true;
  impl_->state_key.emplace(*key);
  impl_->state_key_check = impl_->key_check_of(*key);
  return impl_->state_key_check.has_value();
}

bool StateStore::has_state_key() const { return impl_->state_key.has_value(); }

std::string StateStore::state_key_check() const {
  return impl_->state_key_check ? to_hex(*impl_->state_key_check) : std::string();
}

std::optional<std::string> StateStore::state_key_problem() const {
  std::optional<std::vector<unsigned char>> stored;
  {
    std::lock_guard guard(impl_->mutex);
    stored = impl_->stored_key_check();  // read now: another apply may have written it since this store opened
  }
  if (!stored) return std::nullopt;  // no fingerprint was keyed with a state key yet
  if (!impl_->state_key_check) {
    return "the state's secret fingerprints were made with a state key, and this run has none: set SUPCTL_STATE_KEY (or "
           "the hierarchy's state_key) to the key they were made with";
  }
  if (!same_digest(*impl_->state_key_check, *stored)) {
    return "this run's state key is not the one the state's secret fingerprints were made with: every secret would look "
           "changed; set SUPCTL_STATE_KEY (or the hierarchy's state_key) to the key they were made with";
  }
  return std::nullopt;
}

bool StateStore::copy_from(const StateStore& source, std::string* error) {
  using Row = std::vector<std::string>;
  auto read_rows = [](const Impl& impl, std::string_view sql, int columns) {
    std::vector<Row> rows;
    auto select = impl.sql(sql);
    Step step;
    while ((step = select->step()) == Step::kRow) {
      Row row;
      for (int i = 0; i < columns; ++i) row.push_back(select->text(i));
      rows.push_back(std::move(row));
    }
    impl.done(step, "the state to copy");  // all or nothing: never a partial copy
    return rows;
  };
  std::vector<Row> meta, resources, runs, entries;
  {
    std::lock_guard guard(source.impl_->mutex);
    const Impl& from = *source.impl_;
    meta = read_rows(from, "SELECT key, value FROM meta WHERE key IN ('lineage', 'serial', 'fingerprint_key', "
                           "'fingerprint_salt', 'state_key_check')", 2);
    resources = read_rows(from, fmt::format("SELECT {} FROM resources ORDER BY address", kResourceColumns), 9);
    runs = read_rows(from, "SELECT id, operation, started_at, finished_at, status FROM runs ORDER BY rowid", 5);
    entries = read_rows(from, "SELECT run_id, time, address, action, status, message FROM journal ORDER BY id", 6);
  }
  std::map<std::string, std::string> values;
  for (const Row& row : meta) values[row[0]] = row[1];
  auto value = [&](const std::string& key_name) {
    auto found = values.find(key_name);
    return found == values.end() ? std::string() : found->second;
  };
  std::int64_t source_serial = -1;
  try {
    source_serial = std::stoll(value("serial"));
  } catch (const std::exception&) {
  }
  const std::string lineage = value("lineage");
  if (lineage.empty() || source_serial < 0 || value("fingerprint_salt").empty() || value("fingerprint_key").empty()) {
    if (error != nullptr) *error = "the source state has no lineage, serial, fingerprint salt or fingerprint key";
    return false;
  }

  std::lock_guard guard(impl_->mutex);
  Impl& to = *impl_;
  std::string why;
  bool ok = to.write(
      [&] {
        auto count = [&](std::string_view sql) {
          auto select = to.sql(sql);
          return select->step() == Step::kRow ? select->integer(0) : -1;
        };
        const std::int64_t held = count("SELECT (SELECT count(*) FROM resources) + (SELECT count(*) FROM runs)");
        const std::int64_t serial = count("SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'serial'");
        const std::string current = to.meta("lineage").value_or("");
        if (held < 0 || serial < 0) return false;
        if ((held > 0 || serial > 0) && current != lineage) {
          why = fmt::format("it already holds another state (lineage {}, serial {}); nothing was copied", current, serial);
          return false;
        }
        // The copy made before is at the source's serial plus one, and may be made again.
        if (current == lineage) {
          // Applied to since it was copied: its own runs would be lost.
          std::set<std::string> known;
          for (const Row& row : runs) known.insert(row[0]);
          auto select = to.sql("SELECT id FROM runs");
          Step step;
          while ((step = select->step()) == Step::kRow) {
            if (!known.contains(select->text(0))) {
              why = fmt::format("it holds runs the source has not (run {}): it was applied to since it was copied; nothing was copied",
                                select->text(0));
              return false;
            }
          }
          if (step == Step::kError) return false;
        }
        if (current == lineage && serial > source_serial + 1) {
          why = fmt::format("it holds this state further on (serial {} against the source's {}); nothing was copied", serial,
                            source_serial);
          return false;
        }
        if (!to.sql("DELETE FROM resources")->run() || !to.sql("DELETE FROM journal")->run() || !to.sql("DELETE FROM runs")->run() ||
            !to.sql("DELETE FROM meta WHERE key = 'state_key_check'")->run()) {
          return false;
        }
        for (const auto& [key_name, text] : values) {
          std::string stored = key_name == "serial" ? std::to_string(source_serial + 1) : text;
          if (!to.sql("INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                   ->bind(1, key_name)
                   .bind(2, stored)
                   .run()) {
            return false;
          }
        }
        for (const Row& row : resources) {
          auto insert = to.sql(fmt::format("INSERT INTO resources({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", kResourceColumns));
          for (int i = 0; i < 9; ++i) {
            if (i == 7) {
              insert->bind(i + 1, static_cast<std::int64_t>(row[7] == "1" ? 1 : 0));
            } else {
              insert->bind(i + 1, row[static_cast<std::size_t>(i)]);
            }
          }
          if (!insert->run()) return false;
        }
        for (const Row& row : runs) {
          // A run still "running" in the source was killed, or is the source's own: it stays as it was.
          auto insert = to.sql("INSERT INTO runs(id, operation, started_at, finished_at, status) VALUES ($1, $2, $3, $4, $5)");
          insert->bind(1, row[0]).bind(2, row[1]).bind(3, row[2]).bind(5, row[4]);
          if (!row[3].empty()) insert->bind(4, row[3]);
          if (!insert->run()) return false;
        }
        for (const Row& row : entries) {
          auto insert = to.sql("INSERT INTO journal(run_id, time, address, action, status, message) VALUES ($1, $2, $3, $4, $5, $6)");
          for (int i = 0; i < 6; ++i) insert->bind(i + 1, row[static_cast<std::size_t>(i)]);
          if (!insert->run()) return false;
        }
        return true;
      },
      &why);
  if (!ok) {
    if (error != nullptr) *error = why;
    return false;
  }
  to.lineage = lineage;
  auto salt_bytes = from_hex(value("fingerprint_salt"));
  auto key_bytes = from_hex(value("fingerprint_key"));
  if (salt_bytes) to.salt = std::move(*salt_bytes);
  if (key_bytes) to.key = std::move(*key_bytes);
  // What was made with the old salt is of no use now.
  {
    std::lock_guard memo_guard(to.memo_mutex);
    for (auto& [id, digest] : to.memo) OPENSSL_cleanse(digest.data(), digest.size());
    to.memo.clear();
  }
  if (to.state_key) to.state_key_check = to.key_check_of(*to.state_key);
  return true;
}

std::string StateStore::last_error() const { return impl_->last_error(); }

bool StateStore::lock_lost() const {
  std::lock_guard guard(impl_->mutex);
  if (impl_->held_lock_id.empty()) return false;
  if (impl_->db->has_session_lock() && impl_->db->session_lock_mine() != true) return true;
  auto select = impl_->sql("SELECT count(*) FROM lock WHERE id = $1");
  select->bind(1, impl_->held_lock_id);
  return !(select->step() == Step::kRow && select->integer(0) == 1);
}

bool StateStore::lock(std::string_view operation, std::chrono::milliseconds timeout, LockInfo* holder) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto backoff = kFirstBackoff;
  for (;;) {
    const Impl::Attempt attempt = impl_->try_lock(operation, holder);
    if (attempt == Impl::Attempt::kTaken) return true;
    if (attempt == Impl::Attempt::kError) {
      if (holder != nullptr) *holder = LockInfo{};
      return false;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    std::this_thread::sleep_for(std::min(backoff, left));
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

void StateStore::unlock() {
  std::lock_guard guard(impl_->mutex);
  if (impl_->held_lock_id.empty()) return;
  bool ok = impl_->write(
      [&] { return impl_->sql("DELETE FROM lock WHERE id = $1")->bind(1, impl_->held_lock_id).run(); });
  if (impl_->db->has_session_lock()) impl_->db->release_session_lock();
  if (ok || impl_->db->has_session_lock()) impl_->held_lock_id.clear();
}

std::optional<LockInfo> StateStore::current_lock() const {
  std::lock_guard guard(impl_->mutex);
  return impl_->read_lock();
}

bool StateStore::force_unlock(std::string_view id, std::string* error) {
  std::lock_guard guard(impl_->mutex);
  std::string failure;
  bool ok = impl_->write([&] {
    auto current = impl_->read_lock();
    if (!current) {
      failure = "there is no lock";
      return false;
    }
    if (current->id != id) {
      failure = fmt::format("no lock with ID '{}' (the current lock is '{}')", id, current->id);
      return false;
    }
    // On PostgreSQL the row only names the holder: while its session lives, it holds the state.
    if (impl_->db->has_session_lock() && !current->stale && impl_->held_lock_id != id) {
      failure = fmt::format(
          "its holder ({}, pid {}) is still connected to the database and holds the state; the lock goes when its "
          "process ends, or when a database administrator ends that session (pg_terminate_backend)",
          current->holder, current->pid);
      return false;
    }
    return impl_->sql("DELETE FROM lock WHERE id = $1")->bind(1, id).run();
  });
  if (ok) {
    if (impl_->held_lock_id == id) {
      impl_->held_lock_id.clear();
      if (impl_->db->has_session_lock()) impl_->db->release_session_lock();
    }
    return true;
  }
  if (error != nullptr) *error = failure.empty() ? impl_->last_error() : failure;
  return false;
}

std::string StateStore::begin_run(std::string_view operation) {
  std::lock_guard guard(impl_->mutex);
  std::string id = random_hex(kIdBytes);
  if (id.empty()) return {};
  std::string started_at = now_rfc3339();
  bool ok = impl_->write([&] {
    // Under the lock no other run is going on: one still "running" was killed.
    if (!impl_->held_lock_id.empty() && !impl_->sql("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")->run()) {
      return false;
    }
    return impl_->sql("INSERT INTO runs(id, operation, started_at, finished_at, status) "
                      "VALUES ($1, $2, $3, NULL, 'running')")
        ->bind(1, id)
        .bind(2, operation)
        .bind(3, started_at)
        .run();
  });
  return ok ? id : std::string();
}

void StateStore::journal(std::string_view run_id, std::string_view address, std::string_view action,
                         std::string_view status, std::string_view message) {
  std::lock_guard guard(impl_->mutex);
  std::string time = now_rfc3339();
  impl_->write([&] {
    return impl_->sql("INSERT INTO journal(run_id, time, address, action, status, message) "
                      "VALUES ($1, $2, $3, $4, $5, $6)")
        ->bind(1, run_id)
        .bind(2, time)
        .bind(3, address)
        .bind(4, action)
        .bind(5, status)
        .bind(6, message)
        .run();
  });
}

void StateStore::end_run(std::string_view run_id, std::string_view status) {
  std::lock_guard guard(impl_->mutex);
  std::string finished_at = now_rfc3339();
  impl_->write([&] {
    return impl_->sql("UPDATE runs SET finished_at = $1, status = $2 WHERE id = $3")
        ->bind(1, finished_at)
        .bind(2, status)
        .bind(3, run_id)
        .run();
  });
}

std::vector<RunInfo> StateStore::runs() const {
  std::lock_guard guard(impl_->mutex);
  std::vector<RunInfo> runs;
  auto select = impl_->sql("SELECT id, operation, started_at, finished_at, status FROM runs ORDER BY rowid");
  Step step;
  while ((step = select->step()) == Step::kRow) {
    runs.push_back(RunInfo{select->text(0), select->text(1), select->text(2), select->text(3), select->text(4)});
  }
  impl_->done(step, "its runs");
  return runs;
}

std::vector<JournalEntry> StateStore::journal_entries(std::string_view run_id) const {
  std::lock_guard guard(impl_->mutex);
  std::vector<JournalEntry> entries;
  auto select = impl_->sql(run_id.empty() ? "SELECT id, run_id, time, address, action, status, message FROM journal "
                                            "ORDER BY id"
                                          : "SELECT id, run_id, time, address, action, status, message FROM journal "
                                            "WHERE run_id = $1 ORDER BY id");
  if (!run_id.empty()) select->bind(1, run_id);
  Step step;
  while ((step = select->step()) == Step::kRow) {
    entries.push_back(JournalEntry{select->integer(0), select->text(1), select->text(2), select->text(3),
                                   select->text(4), select->text(5), select->text(6)});
  }
  impl_->done(step, "its journal");
  return entries;
}

}  // namespace supctl::state
