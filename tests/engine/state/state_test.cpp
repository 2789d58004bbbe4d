#include "state/state.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "state/fingerprint.h"
#include "storage/postgres.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using supctl::model::Address;
using supctl::model::Json;
using supctl::state::Location;
using supctl::state::LockInfo;
using supctl::state::Origin;
using supctl::state::ResourceRecord;
using supctl::state::StateStore;

/// The test PostgreSQL cluster (tests/support/postgres_cluster.sh) when SUPCTL_TEST_POSTGRES names
/// its cluster.env: then every state of these tests lives there, each under a name of its own.
/// Without it the states are SQLite files. ctest runs this program both ways.
struct Cluster {
  std::string url;
  std::string password;
  std::string bin;
};

const std::optional<Cluster>& cluster() {
  static const std::optional<Cluster> found = []() -> std::optional<Cluster> {
    const char* file = std::getenv("SUPCTL_TEST_POSTGRES");
    if (file == nullptr || *file == '\0') return std::nullopt;
    std::ifstream in(file);
    Cluster cluster;
    for (std::string line; std::getline(in, line);) {
      auto equals = line.find('=');
      if (equals == std::string::npos) continue;
      std::string key = line.substr(0, equals);
      std::string value = line.substr(equals + 1);
      if (key == "SUPCTL_TEST_PG_URL") cluster.url = value;
      if (key == "SUPCTL_TEST_PG_PASSWORD") cluster.password = value;
      if (key == "SUPCTL_TEST_PG_BIN") cluster.bin = value;
    }
    if (cluster.url.empty()) throw std::runtime_error(fmt::format("SUPCTL_TEST_POSTGRES: no cluster in '{}'", file));
    return cluster;
  }();
  return found;
}

bool on_postgres() { return cluster().has_value(); }

/// A directory of its own under the system temporary directory, removed at the end, and the state
/// that goes with it: a file inside it, or a state of the same name in the test cluster.
class TempDir {
 public:
  explicit TempDir(std::string_view name)
      : name_(fmt::format("t{}_{}", getpid(), name)),
        path_(fs::temp_directory_path() / fmt::format("supctl-state-test-{}-{}", getpid(), name)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  /// The database path, one directory down so that open() has a directory to create.
  fs::path db() const { return path_ / "state" / "state.db"; }
  fs::path path() const { return path_; }
  const std::string& name() const { return name_; }
  /// Where this test's state is.
  Location state() const {
    if (!on_postgres()) return Location{.path = db()};
    return Location{.url = cluster()->url, .name = name_, .password = cluster()->password};
  }
  /// What an error about this state names it by.
  std::string named() const { return on_postgres() ? fmt::format("(state '{}')", name_) : db().string(); }

 private:
  std::string name_;
  fs::path path_;
};

std::unique_ptr<StateStore> open_store(const Location& location) {
  std::string error;
  auto store = StateStore::open(location, &error);
  INFO(error);
  REQUIRE(store != nullptr);
  return store;
}

struct FinishConnection {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ClearResult {
  void operator()(PGresult* result) const { PQclear(result); }
};

/// The state's tables, reached around the store, in whichever database holds them.
class Raw {
 public:
  explicit Raw(const TempDir& dir) {
    if (!on_postgres()) {
      sqlite3* raw = nullptr;
      int rc = sqlite3_open_v2(dir.db().c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
      sqlite_.reset(raw);
      REQUIRE(rc == SQLITE_OK);
      return;
    }
    const char* keywords[] = {"dbname", "password", nullptr};
    const char* values[] = {cluster()->url.c_str(), cluster()->password.c_str(), nullptr};
    postgres_.reset(PQconnectdbParams(keywords, values, 1));
    INFO(PQerrorMessage(postgres_.get()));
    REQUIRE(PQstatus(postgres_.get()) == CONNECTION_OK);
    exec(fmt::format("SET search_path TO \"supctl_{}\"", dir.name()));
  }

  void exec(const std::string& sql) {
    if (sqlite_) {
      char* message = nullptr;
      int rc = sqlite3_exec(sqlite_.get(), sql.c_str(), nullptr, nullptr, &message);
      std::string text = message != nullptr ? message : "";
      sqlite3_free(message);
      INFO(text);
      REQUIRE(rc == SQLITE_OK);
      return;
    }
    std::unique_ptr<PGresult, ClearResult> result(PQexec(postgres_.get(), sql.c_str()));
    INFO(PQerrorMessage(postgres_.get()));
    REQUIRE((PQresultStatus(result.get()) == PGRES_COMMAND_OK || PQresultStatus(result.get()) == PGRES_TUPLES_OK));
  }

  /// The first column of every row of `sql`.
  std::vector<std::string> column(const std::string& sql) {
    std::vector<std::string> out;
    if (sqlite_) {
      sqlite3_stmt* raw = nullptr;
      REQUIRE(sqlite3_prepare_v2(sqlite_.get(), sql.c_str(), -1, &raw, nullptr) == SQLITE_OK);
      int rc;
      while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
        const unsigned char* text = sqlite3_column_text(raw, 0);
        out.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));
      }
      sqlite3_finalize(raw);
      REQUIRE(rc == SQLITE_DONE);
      return out;
    }
    std::unique_ptr<PGresult, ClearResult> result(PQexec(postgres_.get(), sql.c_str()));
    INFO(PQerrorMessage(postgres_.get()));
    REQUIRE(PQresultStatus(result.get()) == PGRES_TUPLES_OK);
    for (int row = 0; row < PQntuples(result.get()); ++row) out.emplace_back(PQgetvalue(result.get(), row, 0));
    return out;
  }

  /// The first column of the first row of `sql`; empty when there is none.
  std::string text(const std::string& sql) {
    auto values = column(sql);
    return values.empty() ? std::string() : values.front();
  }

 private:
  struct CloseSqlite {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, CloseSqlite> sqlite_;
  std::unique_ptr<PGconn, FinishConnection> postgres_;
};

std::string read_bytes(const fs::path& path);

/// Everything the database holds of the state: the SQLite file with its WAL and shared memory,
/// or every row of every table of the state's schema as text.
std::string stored_bytes(const TempDir& dir) {
  if (!on_postgres()) {
    return read_bytes(dir.db()) + read_bytes(dir.db().string() + "-wal") + read_bytes(dir.db().string() + "-shm");
  }
  Raw raw(dir);
  std::string out;
  for (const char* table : {"meta", "resources", "runs", "journal", "lock"}) {
    for (const std::string& row : raw.column(fmt::format("SELECT t::text FROM {} t", table))) out += row + "\n";
  }
  return out;
}

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};

/// Opens the database directly, around the store, to check what it wrote.
std::unique_ptr<sqlite3, CloseDatabase> open_raw(const fs::path& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  std::unique_ptr<sqlite3, CloseDatabase> db(raw);
  REQUIRE(rc == SQLITE_OK);
  return db;
}

/// The first column of the first row of `sql`.
std::string query_text(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) == SQLITE_OK);
  std::unique_ptr<sqlite3_stmt, FinalizeStatement> statement(raw);
  int rc = sqlite3_step(raw);
  if (rc == SQLITE_DONE) return {};
  REQUIRE(rc == SQLITE_ROW);
  const unsigned char* text = sqlite3_column_text(raw, 0);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool is_lower_hex(const std::string& text) { return text.find_first_not_of("0123456789abcdef") == std::string::npos; }

void write_line(int fd, const std::string& line) {
  std::string text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

/// One line from `fd`, without its newline; what was read so far at end of file.
std::string read_line(int fd) {
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

/// A forked child process that talks to the test through two pipes. The child runs `body` and
/// leaves with _exit; the test kills and reaps it at the end whatever happens.
class Child {
 public:
  /// `body(in, out)` returns the child's exit code.
  template <typename Body>
  explicit Child(Body body) {
    int to_child[2];
    int to_parent[2];
    REQUIRE(pipe(to_child) == 0);
    REQUIRE(pipe(to_parent) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(to_child[1]);
      ::close(to_parent[0]);
      int code = 99;
      try {
        code = body(to_child[0], to_parent[1]);
      } catch (...) {
      }
      _exit(code);
    }
    ::close(to_child[0]);
    ::close(to_parent[1]);
    in_ = to_parent[0];
    out_ = to_child[1];
  }
  ~Child() {
    if (pid_ > 0) kill_and_wait();
    ::close(in_);
    ::close(out_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  std::string read() { return read_line(in_); }
  void send(const std::string& line) { write_line(out_, line); }

  void kill_and_wait() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  /// Waits for the child to leave; its exit code, or -1 when a signal ended it.
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
};

[[noreturn]] void sleep_forever() {
  for (;;) pause();
}

/// A child process that opens the state at `location`, takes its lock for "apply" and holds it
/// until it is killed; returned once it holds the lock.
std::unique_ptr<Child> lock_holder(const Location& location) {
  auto child = std::make_unique<Child>([&](int, int out) {
    std::string error;
    auto store = StateStore::open(location, &error);
    if (store == nullptr) return 1;
    if (!store->lock("apply", 0ms, nullptr)) return 2;
    write_line(out, "locked");
    sleep_forever();
  });
  REQUIRE(child->read() == "locked");
  return child;
}

ResourceRecord sample_record() {
  ResourceRecord record;
  record.address = Address{"sup_role", "primary"};
  record.host = "cm01.lab.local";
  record.attributes["port"] = 8531;
  record.attributes["use_ssl"] = true;
  record.attributes["site_code"] = "LAB";
  record.attributes["products"] = Json::array({"Windows 11", "Microsoft 365 Apps"});
  record.attributes["proxy"] = Json{{"host", "proxy.lab.local"}, {"port", 8080}};
  record.attributes["password"] = Json{{"$secret", {{"env", "SUP_PASSWORD"}}}};
  record.origin = Origin::kAdopted;
  record.fingerprints["password"] = std::string(64, 'a');
  record.allow_destroy = true;
  record.updated_at = "2024-05-01T12:00:00.000Z";
  return record;
}

}  // namespace

TEST_CASE("a new state has a lineage and serial 0 that survive reopening") {
  TempDir dir("new");
  std::string lineage;
  {
    auto store = open_store(dir.state());
    lineage = store->lineage();
    CHECK(lineage.size() == 32);
    CHECK(is_lower_hex(lineage));
    CHECK(store->serial() == 0);
  }
  auto store = open_store(dir.state());
  CHECK(store->lineage() == lineage);
  CHECK(store->serial() == 0);

  TempDir other("new-other");
  CHECK(open_store(other.state())->lineage() != lineage);
}

TEST_CASE("bump_serial adds one and persists") {
  TempDir dir("serial");
  {
    auto store = open_store(dir.state());
    CHECK(store->bump_serial() == 1);
    CHECK(store->bump_serial() == 2);
    CHECK(store->serial() == 2);
  }
  auto store = open_store(dir.state());
  CHECK(store->serial() == 2);
  CHECK(store->bump_serial() == 3);
}

TEST_CASE("a resource record round trips through put and get and remove") {
  TempDir dir("resources");
  ResourceRecord record = sample_record();
  ResourceRecord quoted;
  quoted.address = Address{"wsus_server", "wsus01.lab.local"};
  quoted.host = "wsus01.lab.local";
  quoted.attributes["content_dir"] = "D:\\WSUS \"content\"";
  {
    auto store = open_store(dir.state());
    std::string error;
    REQUIRE(store->put_resource(record, &error));
    REQUIRE(store->put_resource(quoted, &error));
  }
  auto store = open_store(dir.state());
  auto found = store->resource(record.address);
  REQUIRE(found);
  CHECK(found->address == record.address);
  CHECK(found->host == record.host);
  CHECK(found->attributes == record.attributes);
  CHECK(found->attributes.at("proxy").at("port") == 8080);
  CHECK(found->origin == Origin::kAdopted);
  CHECK(found->fingerprints == record.fingerprints);
  CHECK(found->allow_destroy);
  CHECK(found->updated_at == record.updated_at);

  auto found_quoted = store->resource(quoted.address);
  REQUIRE(found_quoted);
  CHECK(found_quoted->address == quoted.address);
  CHECK(found_quoted->attributes == quoted.attributes);
  CHECK(found_quoted->origin == Origin::kCreated);
  CHECK_FALSE(found_quoted->allow_destroy);
  CHECK_FALSE(found_quoted->updated_at.empty());  // stamped when the record carried none

  // Putting the same address again replaces the record.
  record.attributes["port"] = 443;
  record.fingerprints.clear();
  record.origin = Origin::kCreated;
  std::string error;
  REQUIRE(store->put_resource(record, &error));
  CHECK(store->resources().size() == 2);
  found = store->resource(record.address);
  REQUIRE(found);
  CHECK(found->attributes.at("port") == 443);
  CHECK(found->fingerprints.empty());
  CHECK(found->origin == Origin::kCreated);

  CHECK(store->remove_resource(record.address));
  CHECK_FALSE(store->resource(record.address));
  CHECK_FALSE(store->remove_resource(record.address));
  CHECK_FALSE(store->resource(Address{"sup_role", "absent"}));
  REQUIRE(store->resources().size() == 1);
  CHECK(store->resources()[0].address == quoted.address);
}

TEST_CASE("resources are listed sorted by address") {
  TempDir dir("sorted");
  auto store = open_store(dir.state());
  std::vector<Address> shuffled = {
      Address{"wsus_server", "b.lab"}, Address{"sup_role", "zeta"},     Address{"hierarchy", ""},
      Address{"sup_role", "alpha"},    Address{"wsus_server", "a.lab"},
  };
  for (const auto& address : shuffled) {
    ResourceRecord record;
    record.address = address;
    std::string error;
    REQUIRE(store->put_resource(record, &error));
  }
  std::vector<Address> listed;
  for (const auto& record : store->resources()) listed.push_back(record.address);
  std::vector<Address> expected = {
      Address{"hierarchy", ""},        Address{"sup_role", "alpha"},    Address{"sup_role", "zeta"},
      Address{"wsus_server", "a.lab"}, Address{"wsus_server", "b.lab"},
  };
  CHECK(listed == expected);
}

TEST_CASE("many resources are read whole and sorted as addresses compare, bytes unsigned") {
  TempDir dir("many");
  auto store = open_store(dir.state());
  // More records than one thread parses, written in reverse; names past ASCII sort after 'z'.
  constexpr int kRecords = 1000;
  std::vector<std::string> names = {"z", "\xC3\xA9t\xC3\xA9", "A", "a"};
  for (int i = kRecords - 1; i >= 0; --i) names.push_back(fmt::format("v{:04}", i));
  for (const std::string& name : names) {
    ResourceRecord record;
    record.address = Address{"registry_value", name};
    record.attributes["name"] = name;
    record.attributes["data"] = static_cast<int>(name.size());
    record.fingerprints["password"] = "ab12";
    std::string error;
    REQUIRE(store->put_resource(record, &error));
  }
  auto records = store->resources();
  REQUIRE(records.size() == names.size());
  std::sort(names.begin(), names.end());
  for (std::size_t i = 0; i < names.size(); ++i) {
    INFO(i);
    CHECK(records[i].address.name == names[i]);
    CHECK(records[i].attributes.at("name") == names[i]);
    CHECK(records[i].attributes.at("data") == static_cast<int>(names[i].size()));
    CHECK(records[i].fingerprints.at("password") == "ab12");
  }
  CHECK(records.back().address.name == "\xC3\xA9t\xC3\xA9");
}

TEST_CASE("the database is in WAL mode", "[sqlite]") {
  TempDir dir("wal");
  auto store = open_store(dir.state());
  auto db = open_raw(dir.db());
  CHECK(query_text(db.get(), "PRAGMA journal_mode") == "wal");
}

TEST_CASE("the database file is readable by its owner only", "[sqlite]") {
  TempDir dir("mode");
  auto store = open_store(dir.state());
  std::string error;
  REQUIRE(store->put_resource(sample_record(), &error));
  struct stat info {};
  REQUIRE(::stat(dir.db().c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  fs::path wal = dir.db().string() + "-wal";
  if (fs::exists(wal)) {
    REQUIRE(::stat(wal.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
  }
}

TEST_CASE("fingerprints are salted per state and carry what made them") {
  TempDir dir("fingerprint");
  TempDir other_dir("fingerprint-other");
  std::string first;
  {
    auto store = open_store(dir.state());
    auto other = open_store(other_dir.state());
    first = store->fingerprint("hunter2");
    CHECK(std::regex_match(first, std::regex("scrypt:ln=14,r=8,p=1:[0-9a-f]{64}")));
    CHECK(store->fingerprint("hunter2") == first);
    CHECK(store->fingerprint("hunter3") != first);
    CHECK(other->fingerprint("hunter2") != first);
    CHECK(store->matches("hunter2", first));
    CHECK_FALSE(store->matches("hunter3", first));
    CHECK_FALSE(other->matches("hunter2", first));
    CHECK(store->fingerprint("").starts_with("scrypt:"));
  }
  CHECK(open_store(dir.state())->fingerprint("hunter2") == first);
}

/// A state whose salt is 00 01 ... 0f and whose old HMAC key is 00 01 ... 1f.
void known_salt_and_key(const TempDir& dir) {
  open_store(dir.state()).reset();
  Raw raw(dir);
  raw.exec("UPDATE meta SET value = '000102030405060708090a0b0c0d0e0f' WHERE key = 'fingerprint_salt'");
  raw.exec("UPDATE meta SET value = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f' "
           "WHERE key = 'fingerprint_key'");
}

TEST_CASE("a fingerprint is scrypt with the state's salt, then HMAC-SHA256 under the state key when there is one") {
  TempDir dir("scrypt");
  known_salt_and_key(dir);
  auto store = open_store(dir.state());
  // The expected values come from Python's hashlib.scrypt and hmac.
  CHECK(store->fingerprint("hunter2") == "scrypt:ln=14,r=8,p=1:c82fc216ae0ee83285a3ef4cf4dd5d754fe7d0bd00bcf9cc64be33ce199b4c0d");
  store->set_state_key("k1");
  CHECK(store->fingerprint("hunter2") ==
        "scrypt+key:ln=14,r=8,p=1:e194d4d8b1845fdc5a50ea0ea2745c560cbe24e454c5dbf60993647622caf2dd");
  // Another cost, as a later supctl may make them: recognised by the cost it carries.
  CHECK(store->matches("hunter2", "scrypt:ln=10,r=4,p=1:3402fcb01ebf0aff5ab2a05b3f9fcfc83f1d075b3f8025b2e381a26ce72de0ad"));
}

TEST_CASE("the old HMAC-SHA256 fingerprints are still recognised, and are not current") {
  TempDir dir("hmac");
  known_salt_and_key(dir);
  auto store = open_store(dir.state());
  const std::string old = "8629d712da366318588317f3f98c728c71d4819f843d95db8803c019c561c1e7";  // Python's hmac
  CHECK(store->matches("hunter2", old));
  CHECK_FALSE(store->matches("hunter3", old));
  CHECK(supctl::state::describe_fingerprint(old).starts_with("HMAC-SHA256, the old kind"));
}

TEST_CASE("a fingerprint that is malformed or asks for an absurd cost matches nothing") {
  TempDir dir("tampered");
  auto store = open_store(dir.state());
  const std::string digest(64, 'a');
  CHECK(supctl::state::parse_fingerprint("scrypt:ln=16,r=8,p=1:" + digest).kind == supctl::state::Fingerprint::Kind::kScrypt);  // 64 MiB
  // Within any naive cap, but gigabytes and minutes: ln=20, r=15, p=16.
  for (const std::string& text : {"scrypt:ln=40,r=8,p=1:" + digest, "scrypt:ln=20,r=15,p=16:" + digest, "scrypt:ln=19,r=8,p=1:" + digest,
                                  "scrypt:ln=14,r=8,p=5:" + digest, "scrypt:ln=14,r=8,p=1:" + digest.substr(2), "scrypt:ln=14,r=8:" + digest,
                                  "scrypt:ln=14,r=999,p=1:" + digest, "md5:" + digest, std::string()}) {
    INFO(text);
    CHECK(supctl::state::parse_fingerprint(text).kind == supctl::state::Fingerprint::Kind::kUnknown);
    CHECK_FALSE(store->matches("hunter2", text));
  }
}

TEST_CASE("a keyed fingerprint needs the state key it was made with, and the state says so") {
  TempDir dir("state-key");
  std::string keyed;
  {
    auto store = open_store(dir.state());
    CHECK_FALSE(store->state_key_problem());  // nothing keyed yet: any key, or none, will do
    store->set_state_key("correct key");
    keyed = store->fingerprint("hunter2");
    REQUIRE(keyed.starts_with("scrypt+key:"));
    ResourceRecord record = sample_record();
    record.fingerprints = {{"password", keyed}};
    std::string error;
    REQUIRE(store->put_resource(record, &error));
    CHECK_FALSE(store->state_key_problem());
  }
  auto store = open_store(dir.state());
  auto none = store->state_key_problem();
  REQUIRE(none);
  CHECK(none->find("this run has none: set SUPCTL_STATE_KEY") != std::string::npos);
  CHECK_FALSE(store->matches("hunter2", keyed));  // without the key, nothing can be compared
  store->set_state_key("another key");
  auto wrong = store->state_key_problem();
  REQUIRE(wrong);
  CHECK(wrong->find("is not the one the state's secret fingerprints were made with") != std::string::npos);
  CHECK_FALSE(store->matches("hunter2", keyed));
  store->set_state_key("correct key");
  CHECK_FALSE(store->state_key_problem());
  CHECK(store->matches("hunter2", keyed));
  // The state keeps a check value, never the key.
  CHECK(Raw(dir).text("SELECT value FROM meta WHERE key = 'state_key_check'").size() == 64);
  CHECK(stored_bytes(dir).find("correct key") == std::string::npos);
}

TEST_CASE("two runs with different state keys on one state: the second to record is refused, and sees the first's key") {
  TempDir dir("state-key-race");
  auto first = open_store(dir.state());
  auto second = open_store(dir.state());  // opened before the first records anything
  REQUIRE(first->set_state_key("key one"));
  REQUIRE(second->set_state_key("key two"));
  CHECK_FALSE(first->state_key_problem());
  CHECK_FALSE(second->state_key_problem());
  ResourceRecord record = sample_record();
  record.fingerprints = {{"password", first->fingerprint("hunter2")}};
  std::string error;
  REQUIRE(first->put_resource(record, &error));
  auto problem = second->state_key_problem();  // read from the database, not remembered from the open
  REQUIRE(problem);
  CHECK(problem->find("is not the one") != std::string::npos);
  record.fingerprints = {{"password", second->fingerprint("hunter2")}};
  CHECK_FALSE(second->put_resource(record, &error));
  CHECK(error.find("keyed with another state key meanwhile") != std::string::npos);
  CHECK(first->matches("hunter2", open_store(dir.state())->resource(record.address)->fingerprints.at("password")));
}

TEST_CASE("a state made before salted fingerprints gets its salt when opened") {
  TempDir dir("salt-migration");
  open_store(dir.state()).reset();
  Raw(dir).exec("DELETE FROM meta WHERE key = 'fingerprint_salt'");
  auto store = open_store(dir.state());
  CHECK(Raw(dir).text("SELECT value FROM meta WHERE key = 'fingerprint_salt'").size() == 32);
  CHECK(store->matches("hunter2", store->fingerprint("hunter2")));
}

TEST_CASE("a secret never reaches the database files") {
  TempDir dir("secret");
  const std::string secret = "correct-horse-battery-staple-5f3a";
  std::string fingerprint;
  {
    auto store = open_store(dir.state());
    fingerprint = store->fingerprint(secret);
    ResourceRecord record = sample_record();
    record.fingerprints["password"] = fingerprint;
    std::string error;
    REQUIRE(store->put_resource(record, &error));
    store->journal(store->begin_run("apply"), record.address.str(), "create", "succeeded", "");

    std::string bytes = stored_bytes(dir);
    CHECK(bytes.find(fingerprint) != std::string::npos);  // the search sees what was written
    CHECK(bytes.find(secret) == std::string::npos);
  }
  std::string bytes = stored_bytes(dir);
  CHECK(bytes.find(fingerprint) != std::string::npos);
  CHECK(bytes.find(secret) == std::string::npos);
}

TEST_CASE("a second process finds the lock held and force-unlock frees it after its holder dies", "[sqlite]") {
  TempDir dir("lock");
  const Location path = dir.state();
  open_store(path).reset();  // created before the fork; no connection is open across it
  auto holder_process = lock_holder(path);
  Child& child = *holder_process;

  auto store = open_store(path);
  LockInfo holder;
  CHECK_FALSE(store->lock("apply", 0ms, &holder));
  CHECK(holder.pid == child.pid());
  CHECK_FALSE(holder.stale);
  CHECK(holder.operation == "apply");
  CHECK(holder.id.size() == 16);
  CHECK(is_lower_hex(holder.id));
  CHECK(holder.holder.find('@') != std::string::npos);
  CHECK_FALSE(holder.created_at.empty());

  child.kill_and_wait();
  auto current = store->current_lock();
  REQUIRE(current);
  CHECK(current->id == holder.id);
  CHECK(current->stale);

  LockInfo again;  // a stale lock is reported, not taken over
  CHECK_FALSE(store->lock("apply", 0ms, &again));
  CHECK(again.stale);

  std::string error;
  const std::string wrong = holder.id == "0123456789abcdef" ? "fedcba9876543210" : "0123456789abcdef";
  CHECK_FALSE(store->force_unlock(wrong, &error));
  CHECK(error == fmt::format("no lock with ID '{}' (the current lock is '{}')", wrong, holder.id));
  REQUIRE(store->force_unlock(holder.id, &error));
  CHECK_FALSE(store->current_lock());

  REQUIRE(store->lock("apply", 0ms, nullptr));
  current = store->current_lock();
  REQUIRE(current);
  CHECK(current->pid == getpid());
  CHECK_FALSE(current->stale);
  store->unlock();
  CHECK_FALSE(store->current_lock());
}

TEST_CASE("lock waits for a holder that lets go within the timeout") {
  TempDir dir("lock-wait");
  const Location path = dir.state();
  open_store(path).reset();
  Child child([&](int in, int out) {
    std::string error;
    auto store = StateStore::open(path, &error);
    if (store == nullptr) return 1;
    if (!store->lock("apply", 0ms, nullptr)) return 2;
    write_line(out, "locked");
    if (read_line(in) != "go") return 3;
    std::this_thread::sleep_for(300ms);
    store->unlock();
    return 0;
  });
  REQUIRE(child.read() == "locked");

  auto store = open_store(path);
  LockInfo holder;
  REQUIRE_FALSE(store->lock("plan", 0ms, &holder));  // held until the child is told to go
  CHECK(holder.pid == child.pid());
  child.send("go");
  CHECK(store->lock("plan", 5000ms, &holder));
  CHECK(child.wait() == 0);
  auto current = store->current_lock();
  REQUIRE(current);
  CHECK(current->pid == getpid());
  CHECK(current->operation == "plan");
}

TEST_CASE("unlock releases only the lock this store took") {
  TempDir dir("lock-own");
  auto first = open_store(dir.state());
  auto second = open_store(dir.state());
  REQUIRE(first->lock("apply", 0ms, nullptr));
  CHECK(first->lock("apply", 0ms, nullptr));  // taking it again is harmless

  second->unlock();
  auto current = first->current_lock();
  REQUIRE(current);
  LockInfo holder;
  CHECK_FALSE(second->lock("apply", 0ms, &holder));
  CHECK(holder.id == current->id);
  CHECK(holder.pid == getpid());
  CHECK_FALSE(holder.stale);

  first->unlock();
  CHECK_FALSE(second->current_lock());

  REQUIRE(second->lock("apply", 0ms, nullptr));
  second.reset();  // a store gives its lock back when it goes away
  CHECK_FALSE(first->current_lock());
}

TEST_CASE("force_unlock without a lock says so") {
  TempDir dir("no-lock");
  auto store = open_store(dir.state());
  std::string error;
  CHECK_FALSE(store->force_unlock("0123456789abcdef", &error));
  CHECK(error == "there is no lock");
}

TEST_CASE("runs and their journal are listed oldest first") {
  TempDir dir("runs");
  auto store = open_store(dir.state());
  std::string first = store->begin_run("apply");
  REQUIRE(first.size() == 16);
  store->journal(first, "sup_role.primary", "create", "started", "");
  store->journal(first, "sup_role.primary", "create", "failed", "access denied");
  store->end_run(first, "failed");
  std::string second = store->begin_run("apply");
  REQUIRE(second != first);
  store->journal(second, "sup_role.primary", "create", "succeeded", "");

  auto runs = store->runs();
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].id == first);
  CHECK(runs[0].operation == "apply");
  CHECK(runs[0].status == "failed");
  CHECK_FALSE(runs[0].started_at.empty());
  CHECK_FALSE(runs[0].finished_at.empty());
  CHECK(runs[1].id == second);
  CHECK(runs[1].status == "running");
  CHECK(runs[1].finished_at.empty());

  auto entries = store->journal_entries(first);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].status == "started");
  CHECK(entries[1].status == "failed");
  CHECK(entries[1].message == "access denied");
  CHECK(entries[0].id < entries[1].id);
  CHECK(store->journal_entries().size() == 3);
  CHECK(store->journal_entries(second).size() == 1);
}

TEST_CASE("a run killed between journal steps keeps every entry written") {
  TempDir dir("killed-run");
  const Location path = dir.state();
  open_store(path).reset();
  Child child([&](int, int out) {
    std::string error;
    auto store = StateStore::open(path, &error);
    if (store == nullptr) return 1;
    std::string run = store->begin_run("apply");
    store->journal(run, "sup_role.primary", "create", "started", "");
    store->journal(run, "sup_role.primary", "create", "succeeded", "");
    store->journal(run, "wsus_server.wsus01", "update", "started", "");
    write_line(out, run);
    sleep_forever();
  });
  std::string run = child.read();
  REQUIRE(run.size() == 16);
  child.kill_and_wait();

  auto store = open_store(path);
  auto runs = store->runs();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].id == run);
  CHECK(runs[0].status == "running");
  CHECK(runs[0].finished_at.empty());

  auto entries = store->journal_entries(run);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].address == "sup_role.primary");
  CHECK(entries[0].status == "started");
  CHECK(entries[1].address == "sup_role.primary");
  CHECK(entries[1].status == "succeeded");
  CHECK(entries[2].address == "wsus_server.wsus01");
  CHECK(entries[2].action == "update");
  CHECK(entries[2].status == "started");
  CHECK(entries[0].id < entries[1].id);
  CHECK(entries[1].id < entries[2].id);

  // The next run under the lock sees it was killed; one without the lock cannot tell.
  std::string unlocked = store->begin_run("plan");
  CHECK(store->runs()[0].status == "running");
  REQUIRE(store->lock("apply", 0ms, nullptr));
  std::string next = store->begin_run("apply");
  runs = store->runs();
  REQUIRE(runs.size() == 3);
  CHECK(runs[0].status == "interrupted");
  CHECK(runs[0].finished_at.empty());
  CHECK(runs[1].id == unlocked);
  CHECK(runs[2].id == next);
  CHECK(runs[2].status == "running");
}

TEST_CASE("a file that is not a SQLite database is refused", "[sqlite]") {
  TempDir dir("not-sqlite");
  fs::path path = dir.path() / "state.db";
  const std::string content = "[hierarchy]\nsite_code = \"LAB\"\n" + std::string(4096, '#');
  std::ofstream(path, std::ios::binary) << content;

  std::string error;
  CHECK(StateStore::open(path, &error) == nullptr);
  CHECK(error.find(path.string()) != std::string::npos);
  CHECK(error.find("not a SQLite database") != std::string::npos);
  CHECK(read_bytes(path) == content);
}

TEST_CASE("a state written by a newer supctl is refused") {
  TempDir dir("newer");
  open_store(dir.state()).reset();
  Raw(dir).exec("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
  std::string error;
  CHECK(StateStore::open(dir.state(), &error) == nullptr);
  CHECK(error.find(dir.named()) != std::string::npos);
  CHECK(error.find("schema version is 2") != std::string::npos);
}

TEST_CASE("a state location is a path, or a PostgreSQL URL whose state= names the state and whose password is never shown") {
  std::string error;
  auto file = Location::parse("/var/lib/supctl/state.db", &error);
  REQUIRE(file);
  CHECK_FALSE(file->is_postgres());
  CHECK(file->path == "/var/lib/supctl/state.db");
  CHECK(file->display() == "'/var/lib/supctl/state.db'");

  auto url = Location::parse("postgresql://ops:s3cr3t-pw@db.lab.local:5432/supctl?sslmode=verify-full&state=contoso", &error);
  REQUIRE(url);
  CHECK(url->is_postgres());
  CHECK(url->name == "contoso");
  CHECK(url->url == "postgresql://ops:s3cr3t-pw@db.lab.local:5432/supctl?sslmode=verify-full");  // libpq never sees state=
  CHECK(url->display() == "'postgresql://ops:***@db.lab.local:5432/supctl?sslmode=verify-full' (state 'contoso')");

  auto plain = Location::parse("postgres://db.lab.local/supctl", &error);
  REQUIRE(plain);
  CHECK(plain->name == "default");
  CHECK(plain->url == "postgres://db.lab.local/supctl");

  CHECK(supctl::storage::redact_url("postgresql://db/supctl?password=s3cr3t&sslmode=require") ==
        "postgresql://db/supctl?password=***&sslmode=require");
  CHECK(supctl::storage::redact_url("postgresql://ops@db/supctl") == "postgresql://ops@db/supctl");
  CHECK(supctl::storage::redact_url("postgresql://ops:pw1@db/supctl?sslpassword=key-pass&sslmode=require") ==
        "postgresql://ops:***@db/supctl?sslpassword=***&sslmode=require");

  for (const char* bad : {"postgresql://ops:s3cr3t-pw@db/supctl?state=", "postgresql://ops:s3cr3t-pw@db/supctl?state=a;drop",
                          "postgresql://ops:s3cr3t-pw@db/supctl?state=a%20b"}) {
    INFO(bad);
    error.clear();
    CHECK_FALSE(Location::parse(bad, &error));
    CHECK(error.find("is not 1 to 48 letters, digits") != std::string::npos);
    CHECK(error.find("s3cr3t") == std::string::npos);
  }
}

TEST_CASE("several states share one PostgreSQL database, each made on first use", "[.postgres]") {
  REQUIRE(on_postgres());
  TempDir first_dir("shared-a");
  TempDir second_dir("shared-b");
  auto first = open_store(first_dir.state());
  auto second = open_store(second_dir.state());
  CHECK(first->lineage() != second->lineage());
  std::string error;
  REQUIRE(first->put_resource(sample_record(), &error));
  CHECK(first->bump_serial() == 1);
  CHECK(second->resources().empty());
  CHECK(second->serial() == 0);
  auto again = open_store(first_dir.state());
  CHECK(again->lineage() == first->lineage());
  CHECK(again->resources().size() == 1);
  auto schemas = Raw(first_dir).column(fmt::format(
      "SELECT schema_name FROM information_schema.schemata WHERE schema_name IN ('supctl_{}', 'supctl_{}') ORDER BY 1",
      first_dir.name(), second_dir.name()));
  CHECK(schemas == std::vector<std::string>{"supctl_" + first_dir.name(), "supctl_" + second_dir.name()});
}

TEST_CASE("on PostgreSQL a holder that dies lets go of the lock by itself; force-unlock cannot take it from a live one", "[.postgres]") {
  REQUIRE(on_postgres());
  TempDir dir("pg-lock");
  const Location location = dir.state();
  open_store(location).reset();
  auto holder_process = lock_holder(location);
  Child& child = *holder_process;

  auto store = open_store(location);
  LockInfo holder;
  CHECK_FALSE(store->lock("plan", 0ms, &holder));
  CHECK(holder.pid == child.pid());
  CHECK(holder.operation == "apply");
  CHECK_FALSE(holder.stale);
  std::string error;
  CHECK_FALSE(store->force_unlock(holder.id, &error));
  CHECK(error.find("is still connected to the database") != std::string::npos);

  child.kill_and_wait();
  // The server ends the dead process's session, and with it the lock; its row stays, stale.
  REQUIRE(store->lock("plan", 5000ms, nullptr));
  auto current = store->current_lock();
  REQUIRE(current);
  CHECK(current->pid == getpid());
  CHECK(current->operation == "plan");
  CHECK_FALSE(current->stale);
  store->unlock();
  CHECK_FALSE(store->current_lock());
}

TEST_CASE("on PostgreSQL a wrong password, a closed port and a role without rights are clear errors that never show a password", "[.postgres]") {
  REQUIRE(on_postgres());
  TempDir dir("pg-errors");
  std::string error;
  Location wrong = dir.state();
  wrong.password = "not-the-password-7c1e";
  CHECK(StateStore::open(wrong, &error) == nullptr);
  CHECK(error.find("password authentication failed") != std::string::npos);
  CHECK(error.find("not-the-password-7c1e") == std::string::npos);

  auto in_url = Location::parse("postgresql://supctl:url-password-93d1@127.0.0.1:1/postgres?state=x", &error);
  REQUIRE(in_url);
  error.clear();
  CHECK(StateStore::open(*in_url, &error) == nullptr);
  CHECK(error.find("127.0.0.1") != std::string::npos);
  CHECK(error.find("***") != std::string::npos);
  CHECK(error.find("url-password-93d1") == std::string::npos);

  // TLS as libpq does it, from the URL: the test cluster has none, so requiring it is refused.
  auto tls = Location::parse(cluster()->url + "?sslmode=require&state=tls", &error);
  REQUIRE(tls);
  tls->password = cluster()->password;
  error.clear();
  CHECK(StateStore::open(*tls, &error) == nullptr);
  CHECK(error.find("SSL") != std::string::npos);

  const std::string role = dir.name() + "_reader";
  Raw admin(dir);
  admin.exec(fmt::format("CREATE ROLE \"{}\" LOGIN PASSWORD 'reader-pw'", role));
  Location reader = dir.state();
  reader.url = cluster()->url;
  reader.url.replace(reader.url.find("supctl@"), 6, role);
  reader.password = "reader-pw";
  error.clear();
  CHECK(StateStore::open(reader, &error) == nullptr);
  CHECK(error.find("cannot use the schema") != std::string::npos);
  CHECK(error.find("permission denied") != std::string::npos);
  CHECK(error.find("reader-pw") == std::string::npos);
}

namespace {

/// A state with a record whose password fingerprint was made by it, two serials and a finished run.
std::string fill_source(StateStore& source) {
  ResourceRecord record = sample_record();
  const std::string fingerprint = source.fingerprint("hunter2");
  record.fingerprints = {{"password", fingerprint}};
  std::string error;
  REQUIRE(source.put_resource(record, &error));
  ResourceRecord other;
  other.address = Address{"wsus_server", "wsus01.lab.local"};
  REQUIRE(source.put_resource(other, &error));
  source.bump_serial();
  source.bump_serial();
  std::string run = source.begin_run("apply");
  source.journal(run, "sup_role.primary", "create", "started", "");
  source.journal(run, "sup_role.primary", "create", "succeeded", "");
  source.end_run(run, "succeeded");
  source.begin_run("apply");  // killed: no end
  return fingerprint;
}

/// Whether `copy` holds what `source` holds, one serial on.
void check_copy(StateStore& copy, StateStore& source, const std::string& fingerprint) {
  CHECK(copy.lineage() == source.lineage());
  CHECK(copy.serial() == source.serial() + 1);
  auto copied = copy.resources();
  auto original = source.resources();
  REQUIRE(copied.size() == original.size());
  for (std::size_t i = 0; i < copied.size(); ++i) {
    CHECK(copied[i].address == original[i].address);
    CHECK(copied[i].attributes == original[i].attributes);
    CHECK(copied[i].fingerprints == original[i].fingerprints);
    CHECK(copied[i].origin == original[i].origin);
    CHECK(copied[i].allow_destroy == original[i].allow_destroy);
    CHECK(copied[i].updated_at == original[i].updated_at);
  }
  CHECK(copy.matches("hunter2", fingerprint));  // the salt came too
  CHECK(copy.fingerprint("hunter2") == fingerprint);
  auto runs = copy.runs();
  auto source_runs = source.runs();
  REQUIRE(runs.size() == source_runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    CHECK(runs[i].id == source_runs[i].id);
    CHECK(runs[i].status == source_runs[i].status);
    CHECK(runs[i].finished_at == source_runs[i].finished_at);
  }
  auto entries = copy.journal_entries();
  auto source_entries = source.journal_entries();
  REQUIRE(entries.size() == source_entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    CHECK(entries[i].run_id == source_entries[i].run_id);
    CHECK(entries[i].status == source_entries[i].status);
  }
}

}  // namespace

TEST_CASE("a copied state keeps its lineage, records, fingerprints, runs and journal, one serial on; another lineage is refused") {
  TempDir source_dir("copy-source");
  TempDir target_dir("copy-target");
  TempDir other_dir("copy-other");
  auto source = open_store(source_dir.state());
  const std::string fingerprint = fill_source(*source);
  {
    auto target = open_store(target_dir.state());
    std::string error;
    REQUIRE(target->copy_from(*source, &error));
    check_copy(*target, *source, fingerprint);
    REQUIRE(target->copy_from(*source, &error));  // again: the same copy
    CHECK(target->serial() == source->serial() + 1);
  }
  auto target = open_store(target_dir.state());  // as written
  check_copy(*target, *source, fingerprint);

  std::string error;
  target->bump_serial();  // applied to since: the copy is further on than its source
  CHECK_FALSE(target->copy_from(*source, &error));
  CHECK(error.find("holds this state further on") != std::string::npos);

  auto other = open_store(other_dir.state());
  ResourceRecord record;
  record.address = Address{"hierarchy", ""};
  REQUIRE(other->put_resource(record, &error));
  CHECK_FALSE(other->copy_from(*source, &error));
  CHECK(error.find("already holds another state (lineage " + other->lineage()) != std::string::npos);
  REQUIRE(other->resources().size() == 1);  // nothing was copied
  CHECK(other->resources()[0].address == record.address);
  CHECK(other->lineage() != source->lineage());
}

TEST_CASE("a state moves from SQLite to PostgreSQL and back", "[.postgres]") {
  REQUIRE(on_postgres());
  TempDir dir("round-trip");
  auto file = open_store(Location{.path = dir.db()});
  const std::string fingerprint = fill_source(*file);
  auto database = open_store(dir.state());
  std::string error;
  REQUIRE(database->copy_from(*file, &error));
  check_copy(*database, *file, fingerprint);
  auto back = open_store(Location{.path = dir.path() / "back.db"});
  REQUIRE(back->copy_from(*database, &error));
  check_copy(*back, *database, fingerprint);
  CHECK(back->lineage() == file->lineage());
  CHECK(back->serial() == file->serial() + 2);
}

TEST_CASE("a connection string or another scheme is refused, never taken for a file, and a state is named once") {
  std::string error;
  for (const char* text : {"host=db.lab.local password=s3cr3t dbname=supctl", "service=supctl", "POSTGRESQL://ops:s3cr3t@db/x",
                           "mysql://ops:s3cr3t@db/x"}) {
    INFO(text);
    error.clear();
    CHECK_FALSE(Location::parse(text, &error));
    CHECK(error.find("neither a file nor a postgresql:// URL") != std::string::npos);
    CHECK(error.find("s3cr3t") == std::string::npos);
  }
  CHECK(Location::parse("states/host=old.db", &error));  // a path may hold '=' where no key precedes it
  error.clear();
  CHECK_FALSE(Location::parse("postgresql://ops:s3cr3t@db/x?state=a&state=b", &error));
  CHECK(error.find("names the state twice") != std::string::npos);
  CHECK(error.find("s3cr3t") == std::string::npos);
}

TEST_CASE("a read the database fails stops the run: never an empty state") {
  TempDir dir("read-error");
  auto store = open_store(dir.state());
  std::string error;
  REQUIRE(store->put_resource(sample_record(), &error));
  store->journal(store->begin_run("apply"), "sup_role.primary", "create", "succeeded", "");
  Raw(dir).exec("DROP TABLE resources");
  Raw(dir).exec("DROP TABLE journal");
  CHECK_THROWS_AS(store->resources(), supctl::state::StateError);
  CHECK_THROWS_AS(store->resource(Address{"sup_role", "primary"}), supctl::state::StateError);
  CHECK_THROWS_AS(store->journal_entries(), supctl::state::StateError);
  TempDir target_dir("read-error-target");
  auto target = open_store(target_dir.state());
  CHECK_THROWS_AS(target->copy_from(*store, &error), supctl::state::StateError);
  CHECK(target->lineage() != store->lineage());  // nothing was copied
}

TEST_CASE("a copy applied to since it was made is not overwritten by the source") {
  TempDir source_dir("diverged-source");
  TempDir target_dir("diverged-target");
  auto source = open_store(source_dir.state());
  fill_source(*source);
  auto target = open_store(target_dir.state());
  std::string error;
  REQUIRE(target->copy_from(*source, &error));
  REQUIRE(target->lock("apply", 0ms, nullptr));
  target->end_run(target->begin_run("apply"), "succeeded");  // an apply on the copy
  target->unlock();
  source->bump_serial();  // and one on the source: the serials alone would allow the copy
  CHECK_FALSE(target->copy_from(*source, &error));
  CHECK(error.find("holds runs the source has not") != std::string::npos);
  CHECK(target->runs().size() == source->runs().size() + 1);
}

TEST_CASE("on PostgreSQL a state that is not there is made only when asked", "[.postgres]") {
  REQUIRE(on_postgres());
  TempDir dir("pg-missing");
  std::string error;
  bool missing = false;
  CHECK(StateStore::open(dir.state(), &error, /*create=*/false, &missing) == nullptr);
  CHECK(missing);
  CHECK(error.empty());
  CHECK(Raw(dir).text(fmt::format("SELECT count(*) FROM pg_namespace WHERE nspname = 'supctl_{}'", dir.name())) == "0");
  auto made = StateStore::open(dir.state(), &error, /*create=*/true, &missing);
  REQUIRE(made);
  CHECK_FALSE(missing);
  auto found = StateStore::open(dir.state(), &error, /*create=*/false, &missing);
  REQUIRE(found);
  CHECK(found->lineage() == made->lineage());
}

TEST_CASE("on PostgreSQL no form of a password reaches an error, wherever libpq splits the URL", "[.postgres]") {
  REQUIRE(on_postgres());
  const std::string port = cluster()->url.substr(cluster()->url.rfind(':') + 1, cluster()->url.find('/', cluster()->url.rfind(':')) - cluster()->url.rfind(':') - 1);
  // Refused before libpq could split them: a '/', '@' or a stray '%' in the user information.
  for (const std::string& url : {fmt::format("postgresql://supctl:pa@ss-2f9c@127.0.0.1:{}/postgres", port),
                                 fmt::format("postgresql://supctl:50%off-77aa@127.0.0.1:{}/postgres", port),
                                 fmt::format("postgresql://supctl:sl/ash-41bb@127.0.0.1:{}/postgres", port)}) {
    INFO(url);
    std::string error;
    CHECK_FALSE(Location::parse(url, &error));
    CHECK(error.find("percent-encode them") != std::string::npos);
    for (const char* piece : {"pa@ss", "ss-2f9c", "50%off", "off-77aa", "sl/ash", "ash-41bb"}) CHECK(error.find(piece) == std::string::npos);
  }
  // Taken, and wrong: the server's refusal names no form of them.
  for (const std::string& url : {fmt::format("postgresql://supctl:pa%40ss-2f9c@127.0.0.1:{}/postgres", port),
                                 fmt::format("postgresql://supctl@127.0.0.1:{}/postgres?password=qu%65ry-90cd", port)}) {
    INFO(url);
    auto location = Location::parse(url, nullptr);
    REQUIRE(location);
    std::string error;
    CHECK(StateStore::open(*location, &error) == nullptr);
    CHECK(error.find("password authentication failed") != std::string::npos);
    for (const char* piece : {"pa%40ss", "pa@ss", "ss-2f9c", "qu%65ry", "query-90cd"}) {
      INFO(error);
      CHECK(error.find(piece) == std::string::npos);
    }
  }
}

TEST_CASE("a store knows when the lock it took is gone") {
  TempDir dir("lock-lost");
  auto store = open_store(dir.state());
  CHECK_FALSE(store->lock_lost());  // it took none
  REQUIRE(store->lock("apply", 0ms, nullptr));
  CHECK_FALSE(store->lock_lost());
  if (on_postgres()) {
    // The server ends its session (a dropped connection): the advisory lock goes with it.
    // Sessions are named after their state: only this test's are ended.
    Raw(dir).exec(fmt::format("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'supctl_{}'", dir.name()));
  } else {
    auto other = open_store(dir.state());
    std::string error;
    REQUIRE(other->force_unlock(store->current_lock()->id, &error));
  }
  CHECK(store->lock_lost());
}
