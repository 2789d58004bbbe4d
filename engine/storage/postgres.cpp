#include "storage/postgres.h"

#include <libpq-fe.h>

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

namespace supctl::storage {
namespace {

/// The advisory locks' first key: which of supctl's locks. The second is the schema's hash.
constexpr std::int32_t kSessionLockClass = 0x53555053;  // the state's lock, held by a session
constexpr std::int32_t kWriteLockClass = 0x53555054;    // one writer at a time, held by a transaction

/// FNV-1a over the schema's name, kept positive so that it reads the same as int4 and as oid
/// (pg_locks shows the keys as oid).
std::int32_t schema_key(std::string_view schema) {
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : schema) {
    hash ^= c;
    hash *= 16777619u;
  }
  return static_cast<std::int32_t>(hash & 0x7fffffffu);
}

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

/// libpq's message without its trailing newline and the blank "DETAIL" indentation.
std::string message_of(const PGconn* conn) {
  std::string text = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

struct ClearResult {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ClearResult>;

class PostgresConnection;

class PostgresQuery final : public Query {
 public:
  PostgresQuery(PostgresConnection& connection, std::string_view sql) : connection_(connection), sql_(sql) {}
  Query& bind(int index, std::string_view text) override {
    slot(index) = std::string(text);
    return *this;
  }
  Query& bind(int index, std::int64_t value) override {
    slot(index) = std::to_string(value);
    return *this;
  }
  Step step() override;
  std::string text(int column) const override {
    if (!result_ || row_ < 0 || column >= PQnfields(result_.get()) || PQgetisnull(result_.get(), row_, column)) return {};
    return std::string(PQgetvalue(result_.get(), row_, column),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
  }
  std::int64_t integer(int column) const override {
    std::string value = text(column);
    if (value.empty()) return 0;
    try {
      return std::stoll(value);
    } catch (const std::exception&) {
      return 0;
    }
  }

 private:
  std::optional<std::string>& slot(int index) {
    if (index >= 1 && static_cast<std::size_t>(index) > parameters_.size()) parameters_.resize(static_cast<std::size_t>(index));
    return parameters_[static_cast<std::size_t>(index - 1)];
  }

  PostgresConnection& connection_;
  std::string sql_;
  std::vector<std::optional<std::string>> parameters_;
  Result result_;
  int row_ = -1;
  bool ran_ = false;
};

class PostgresConnection final : public Connection {
 public:
  PostgresConnection(PGconn* conn, std::string schema) : conn_(conn), schema_(std::move(schema)), key_(schema_key(schema_)) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  std::string_view engine() const override { return "PostgreSQL"; }
  std::unique_ptr<Query> query(std::string_view sql) override { return std::make_unique<PostgresQuery>(*this, sql); }

  bool exec(std::string_view script) override {
    Result result(PQexec(conn_, std::string(script).c_str()));
    return check(result.get());
  }
  std::string error() const override { return error_; }

  bool begin_write() override {
    if (!exec("BEGIN")) return false;
    if (lock_query("SELECT pg_advisory_xact_lock($1, $2)", kWriteLockClass)) return true;
    rollback();
    return false;
  }
  bool commit() override { return exec("COMMIT"); }
  void rollback() override {
    std::string kept = error_;  // the reason for the rollback, not the rollback's own
    exec("ROLLBACK");
    error_ = kept;
  }

  std::optional<std::vector<std::string>> tables() override {
    Result result(run("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()", {}));
    if (!check(result.get())) return std::nullopt;
    std::vector<std::string> names;
    for (int row = 0; row < PQntuples(result.get()); ++row) names.emplace_back(PQgetvalue(result.get(), row, 0));
    return names;
  }

  bool has_session_lock() const override { return true; }
  bool try_session_lock() override {
    Result result(run("SELECT pg_try_advisory_lock($1, $2)", key_parameters(kSessionLockClass)));
    return check(result.get()) && PQntuples(result.get()) == 1 && std::string_view(PQgetvalue(result.get(), 0, 0)) == "t";
  }
  void release_session_lock() override { lock_query("SELECT pg_advisory_unlock($1, $2)", kSessionLockClass); }
  std::optional<bool> session_lock_held() override {
    Result result(run("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
                      "database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND "
                      "classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 2",
                      key_parameters(kSessionLockClass)));
    if (!check(result.get()) || PQntuples(result.get()) != 1) return std::nullopt;
    return std::string_view(PQgetvalue(result.get(), 0, 0)) != "0";
  }

  /// Runs `sql` with text parameters (nullopt: NULL).
  PGresult* run(const std::string& sql, const std::vector<std::optional<std::string>>& parameters) {
    std::vector<const char*> values;
    values.reserve(parameters.size());
    for (const auto& parameter : parameters) values.push_back(parameter ? parameter->c_str() : nullptr);
    return PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
  }

  /// True when `result` is a success; else keeps the server's message.
  bool check(const PGresult* result) {
    ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return true;
    const char* message = result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    error_ = message != nullptr ? std::string(message) : message_of(conn_);
    if (PQstatus(conn_) == CONNECTION_BAD) error_ = fmt::format("the connection to the server was lost: {}", error_);
    return false;
  }

 private:
  std::vector<std::optional<std::string>> key_parameters(std::int32_t lock_class) const {
    return {std::to_string(lock_class), std::to_string(key_)};
  }
  bool lock_query(const char* sql, std::int32_t lock_class) {
    Result result(run(sql, key_parameters(lock_class)));
    return check(result.get());
  }

  PGconn* conn_;
  std::string schema_;
  std::int32_t key_;
  std::string error_;
};

Step PostgresQuery::step() {
  if (!ran_) {
    ran_ = true;
    result_.reset(connection_.run(sql_, parameters_));
    if (!connection_.check(result_.get())) return Step::kError;
  }
  if (!result_ || PQresultStatus(result_.get()) != PGRES_TUPLES_OK) return Step::kDone;
  ++row_;
  return row_ < PQntuples(result_.get()) ? Step::kRow : Step::kDone;
}

void ignore_notice(void*, const char*) {}

}  // namespace

std::unique_ptr<Connection> connect_postgres(const PostgresTarget& target, std::string* error) {
  // In array order, later values win: the URL may set its own timeout and name; the password
  // given here wins over the URL's.
  std::vector<const char*> keywords{"connect_timeout", "application_name", "dbname"};
  std::vector<const char*> values{"10", "supctl", target.url.c_str()};
  if (target.password) {
    keywords.push_back("password");
    values.push_back(target.password->c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    *error = message_of(conn);
    PQfinish(conn);
    return nullptr;
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  auto connection = std::make_unique<PostgresConnection>(conn, target.schema);
  const std::string schema = quote_identifier(target.schema);
  // Two first uses at once: the second waits for the first's schema, then finds it.
  const bool ok = connection->exec("BEGIN") &&
                  connection->exec(fmt::format("SELECT pg_advisory_xact_lock({}, {})", kWriteLockClass, schema_key(target.schema))) &&
                  connection->exec(fmt::format("CREATE SCHEMA IF NOT EXISTS {}", schema)) && connection->exec("COMMIT") &&
                  connection->exec(fmt::format("SET search_path TO {}", schema));
  if (!ok) {
    *error = fmt::format("cannot use the schema {}: {}", schema, connection->error());
    return nullptr;
  }
  return connection;
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  // postgresql://user:password@host/...
  std::size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    std::size_t start = scheme + 3;
    std::size_t end = out.find_first_of("/?", start);
    std::size_t at = out.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at != std::string::npos && at >= start) {
      std::size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...?password=secret&...
  for (std::size_t at = out.find("password="); at != std::string::npos; at = out.find("password=", at + 1)) {
    if (at > 0 && out[at - 1] != '?' && out[at - 1] != '&') continue;
    std::size_t begin = at + 9;
    std::size_t end = out.find('&', begin);
    out.replace(begin, (end == std::string::npos ? out.size() : end) - begin, "***");
  }
  return out;
}

}  // namespace supctl::storage
