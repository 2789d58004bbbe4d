#include "state/state.h"

#include <fmt/format.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
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

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using supctl::model::Address;
using supctl::model::Json;
using supctl::state::LockInfo;
using supctl::state::Origin;
using supctl::state::ResourceRecord;
using supctl::state::StateStore;

/// A directory of its own under the system temporary directory, removed at the end.
class TempDir {
 public:
  explicit TempDir(std::string_view name)
      : path_(fs::temp_directory_path() / fmt::format("supctl-state-test-{}-{}", getpid(), name)) {
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

 private:
  fs::path path_;
};

std::unique_ptr<StateStore> open_store(const fs::path& path) {
  std::string error;
  auto store = StateStore::open(path, &error);
  INFO(error);
  REQUIRE(store != nullptr);
  return store;
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

void execute(sqlite3* db, const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  std::string text = message != nullptr ? message : "";
  sqlite3_free(message);
  INFO(text);
  REQUIRE(rc == SQLITE_OK);
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
    auto store = open_store(dir.db());
    lineage = store->lineage();
    CHECK(lineage.size() == 32);
    CHECK(is_lower_hex(lineage));
    CHECK(store->serial() == 0);
  }
  auto store = open_store(dir.db());
  CHECK(store->lineage() == lineage);
  CHECK(store->serial() == 0);

  TempDir other("new-other");
  CHECK(open_store(other.db())->lineage() != lineage);
}

TEST_CASE("bump_serial adds one and persists") {
  TempDir dir("serial");
  {
    auto store = open_store(dir.db());
    CHECK(store->bump_serial() == 1);
    CHECK(store->bump_serial() == 2);
    CHECK(store->serial() == 2);
  }
  auto store = open_store(dir.db());
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
    auto store = open_store(dir.db());
    std::string error;
    REQUIRE(store->put_resource(record, &error));
    REQUIRE(store->put_resource(quoted, &error));
  }
  auto store = open_store(dir.db());
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
  auto store = open_store(dir.db());
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
  auto store = open_store(dir.db());
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

TEST_CASE("the database is in WAL mode") {
  TempDir dir("wal");
  auto store = open_store(dir.db());
  auto db = open_raw(dir.db());
  CHECK(query_text(db.get(), "PRAGMA journal_mode") == "wal");
}

TEST_CASE("the database file is readable by its owner only") {
  TempDir dir("mode");
  auto store = open_store(dir.db());
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
    auto store = open_store(dir.db());
    auto other = open_store(other_dir.db());
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
  CHECK(open_store(dir.db())->fingerprint("hunter2") == first);
}

/// A state whose salt is 00 01 ... 0f and whose old HMAC key is 00 01 ... 1f.
void known_salt_and_key(const fs::path& db_path) {
  open_store(db_path).reset();
  auto db = open_raw(db_path);
  execute(db.get(), "UPDATE meta SET value = '000102030405060708090a0b0c0d0e0f' WHERE key = 'fingerprint_salt'");
  execute(db.get(),
          "UPDATE meta SET value = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f' "
          "WHERE key = 'fingerprint_key'");
}

TEST_CASE("a fingerprint is scrypt with the state's salt, then HMAC-SHA256 under the state key when there is one") {
  TempDir dir("scrypt");
  known_salt_and_key(dir.db());
  auto store = open_store(dir.db());
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
  known_salt_and_key(dir.db());
  auto store = open_store(dir.db());
  const std::string old = "8629d712da366318588317f3f98c728c71d4819f843d95db8803c019c561c1e7";  // Python's hmac
  CHECK(store->matches("hunter2", old));
  CHECK_FALSE(store->matches("hunter3", old));
  CHECK(supctl::state::describe_fingerprint(old).starts_with("HMAC-SHA256, the old kind"));
}

TEST_CASE("a fingerprint that is malformed or asks for an absurd cost matches nothing") {
  TempDir dir("tampered");
  auto store = open_store(dir.db());
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
    auto store = open_store(dir.db());
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
  auto store = open_store(dir.db());
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
  auto db = open_raw(dir.db());
  CHECK(query_text(db.get(), "SELECT value FROM meta WHERE key = 'state_key_check'").size() == 64);
  CHECK(read_bytes(dir.db()).find("correct key") == std::string::npos);
}

TEST_CASE("two runs with different state keys on one state: the second to record is refused, and sees the first's key") {
  TempDir dir("state-key-race");
  auto first = open_store(dir.db());
  auto second = open_store(dir.db());  // opened before the first records anything
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
  CHECK(first->matches("hunter2", open_store(dir.db())->resource(record.address)->fingerprints.at("password")));
}

TEST_CASE("a state made before salted fingerprints gets its salt when opened") {
  TempDir dir("salt-migration");
  open_store(dir.db()).reset();
  {
    auto db = open_raw(dir.db());
    execute(db.get(), "DELETE FROM meta WHERE key = 'fingerprint_salt'");
  }
  auto store = open_store(dir.db());
  auto db = open_raw(dir.db());
  CHECK(query_text(db.get(), "SELECT value FROM meta WHERE key = 'fingerprint_salt'").size() == 32);
  CHECK(store->matches("hunter2", store->fingerprint("hunter2")));
}

TEST_CASE("a secret never reaches the database files") {
  TempDir dir("secret");
  const std::string secret = "correct-horse-battery-staple-5f3a";
  fs::path wal = dir.db().string() + "-wal";
  fs::path shm = dir.db().string() + "-shm";
  std::string fingerprint;
  {
    auto store = open_store(dir.db());
    fingerprint = store->fingerprint(secret);
    ResourceRecord record = sample_record();
    record.fingerprints["password"] = fingerprint;
    std::string error;
    REQUIRE(store->put_resource(record, &error));
    store->journal(store->begin_run("apply"), record.address.str(), "create", "succeeded", "");

    std::string bytes = read_bytes(dir.db()) + read_bytes(wal) + read_bytes(shm);
    CHECK(bytes.find(fingerprint) != std::string::npos);  // the search sees what was written
    CHECK(bytes.find(secret) == std::string::npos);
  }
  std::string bytes = read_bytes(dir.db()) + read_bytes(wal) + read_bytes(shm);
  CHECK(bytes.find(fingerprint) != std::string::npos);
  CHECK(bytes.find(secret) == std::string::npos);
}

TEST_CASE("a second process finds the lock held and force-unlock frees it after its holder dies") {
  TempDir dir("lock");
  const fs::path path = dir.db();
  open_store(path).reset();  // created before the fork; no connection is open across it
  Child child([&](int, int out) {
    std::string error;
    auto store = StateStore::open(path, &error);
    if (store == nullptr) return 1;
    if (!store->lock("apply", 0ms, nullptr)) return 2;
    write_line(out, "locked");
    sleep_forever();
  });
  REQUIRE(child.read() == "locked");

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
  const fs::path path = dir.db();
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
  auto first = open_store(dir.db());
  auto second = open_store(dir.db());
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
  auto store = open_store(dir.db());
  std::string error;
  CHECK_FALSE(store->force_unlock("0123456789abcdef", &error));
  CHECK(error == "there is no lock");
}

TEST_CASE("runs and their journal are listed oldest first") {
  TempDir dir("runs");
  auto store = open_store(dir.db());
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
  const fs::path path = dir.db();
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
}

TEST_CASE("a file that is not a SQLite database is refused") {
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
  open_store(dir.db()).reset();
  {
    auto db = open_raw(dir.db());
    execute(db.get(), "UPDATE meta SET value = '2' WHERE key = 'schema_version'");
  }
  std::string error;
  CHECK(StateStore::open(dir.db(), &error) == nullptr);
  CHECK(error.find(dir.db().string()) != std::string::npos);
  CHECK(error.find("schema version is 2") != std::string::npos);
}
