#include "storage/postgres.h"

#include <libpq-fe.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
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

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

/// Every form a password in `url` (or given apart) may take in a message: each span
/// password_spans finds, and each piece of one split at '@' (whichever '@' libpq splits at); raw
/// and percent-decoded. Longest first, so that a piece never hides part of a longer form.
std::vector<std::string> password_forms(std::string_view url, const std::optional<std::string>& password) {
  std::vector<std::string> forms;
  if (password) forms.push_back(*password);
  for (auto [begin, end] : password_spans(url)) {
    std::string_view secret = url.substr(begin, end - begin);
    forms.emplace_back(secret);
    for (std::size_t piece = 0; piece <= secret.size();) {
      std::size_t next = secret.find('@', piece);
      if (next == std::string_view::npos) next = secret.size();
      forms.emplace_back(secret.substr(piece, next - piece));
      forms.emplace_back(secret.substr(0, next));
      piece = next + 1;
    }
  }
  const std::size_t raw = forms.size();
  for (std::size_t i = 0; i < raw; ++i) forms.push_back(percent_decoded(forms[i]));
  std::erase_if(forms, [](const std::string& form) { return form.empty(); });
  std::sort(forms.begin(), forms.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return forms;
}

/// `text` with every form of the password replaced by ***.
std::string scrubbed(std::string text, const std::vector<std::string>& forms) {
  for (const std::string& form : forms) {
    for (std::size_t at = text.find(form); at != std::string::npos; at = text.find(form, at + 3)) text.replace(at, form.size(), "***");
  }
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
  PostgresConnection(PGconn* conn, std::string schema, std::vector<std::string> secrets)
      : conn_(conn), schema_(std::move(schema)), key_(schema_key(schema_)), secrets_(std::move(secrets)) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  std::string_view engine() const override { return "PostgreSQL"; }
  std::unique_ptr<Query> query(std::string_view sql) override { return std::make_unique<PostgresQuery>(*this, sql); }

  bool exec(std::string_view script) override {
    Result result(PQexec(conn_, std::string(script).c_str()));
    return check(result.get());
  }
  std::string error() const override { return error_; }

  bool begin_write() override {
    // Read committed whatever the role's default: the snapshot is taken after the wait for the
    // writer before, so this transaction sees what it wrote.
    if (!exec("BEGIN ISOLATION LEVEL READ COMMITTED")) return false;
    if (lock_query("SELECT pg_advisory_xact_lock($1, $2)", kWriteLockClass)) return true;
    rollback();
    return false;
  }
  bool commit() override {
    // A COMMIT of a transaction that failed succeeds as a ROLLBACK.
    Result result(PQexec(conn_, "COMMIT"));
    if (!check(result.get())) return false;
    if (std::string_view(PQcmdStatus(result.get())) != "COMMIT") {
      error_ = "the transaction was rolled back";
      return false;
    }
    return true;
  }
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
  std::optional<bool> session_lock_held() override { return lock_count(""); }
  std::optional<bool> session_lock_mine() override { return lock_count(" AND pid = pg_backend_pid()"); }

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
    error_ = scrubbed(message != nullptr ? std::string(message) : message_of(conn_), secrets_);
    if (PQstatus(conn_) == CONNECTION_BAD) error_ = fmt::format("the connection to the server was lost: {}", error_);
    return false;
  }

 private:
  std::vector<std::optional<std::string>> key_parameters(std::int32_t lock_class) const {
    return {std::to_string(lock_class), std::to_string(key_)};
  }
  /// Whether a session (`where` narrows which) holds the state's session lock.
  std::optional<bool> lock_count(std::string_view where) {
    Result result(run(fmt::format("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
                                  "database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND "
                                  "classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 2{}",
                                  where),
                      key_parameters(kSessionLockClass)));
    if (!check(result.get()) || PQntuples(result.get()) != 1) return std::nullopt;
    return std::string_view(PQgetvalue(result.get(), 0, 0)) != "0";
  }
  bool lock_query(const char* sql, std::int32_t lock_class) {
    Result result(run(sql, key_parameters(lock_class)));
    return check(result.get());
  }

  PGconn* conn_;
  std::string schema_;
  std::int32_t key_;
  std::vector<std::string> secrets_;  ///< the forms of the password, taken out of every message
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

std::unique_ptr<Connection> connect_postgres(const PostgresTarget& target, std::string* error, bool* missing) {
  if (missing != nullptr) *missing = false;
  std::vector<std::string> secrets = password_forms(target.url, target.password);
  // In array order, later values win: the URL may set its own timeout, name and keepalives (a
  // runner cut off is noticed in about a minute, not two hours); the password given here wins.
  std::vector<const char*> keywords{"connect_timeout", "application_name", "keepalives",        "keepalives_idle",
                                    "keepalives_interval", "keepalives_count", "dbname"};
  // Named after the state: a DBA sees in pg_stat_activity which state a session works on.
  std::vector<const char*> values{"10", target.schema.c_str(), "1", "30", "10", "3", target.url.c_str()};
  if (target.password) {
    keywords.push_back("password");
    values.push_back(target.password->c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    *error = scrubbed(message_of(conn), secrets);
    PQfinish(conn);
    return nullptr;
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  auto connection = std::make_unique<PostgresConnection>(conn, target.schema, std::move(secrets));
  const std::string schema = quote_identifier(target.schema);
  // The server notices a runner that is gone as its client does; a writer that hangs inside a
  // transaction, or waits on one, gives up rather than hold every other run for ever.
  if (!connection->exec("SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3; "
                        "SET idle_in_transaction_session_timeout = '60s'; SET lock_timeout = '60s'")) {
    *error = connection->error();
    return nullptr;
  }
  // Looked for first: a role may use a schema made for it without the right to make one.
  auto present = connection->query("SELECT count(*) FROM pg_namespace WHERE nspname = $1");
  present->bind(1, target.schema);
  if (present->step() != Step::kRow) {
    *error = connection->error();
    return nullptr;
  }
  const bool exists = present->integer(0) > 0;
  present.reset();
  if (!exists && !target.create) {
    if (missing != nullptr) *missing = true;
    return nullptr;
  }
  // Two first uses at once: the second waits for the first's schema, then finds it.
  const bool ok = (exists || (connection->exec("BEGIN") &&
                              connection->exec(fmt::format("SELECT pg_advisory_xact_lock({}, {})", kWriteLockClass, schema_key(target.schema))) &&
                              connection->exec(fmt::format("CREATE SCHEMA IF NOT EXISTS {}", schema)) && connection->exec("COMMIT"))) &&
                  connection->exec(fmt::format("SET search_path TO {}", schema));
  if (!ok) {
    *error = fmt::format("cannot use the schema {}: {}", schema, connection->error());
    return nullptr;
  }
  return connection;
}

std::optional<Span> userinfo_span(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  const std::size_t start = scheme + 3;
  const std::size_t at = url.substr(0, url.find('?', start)).rfind('@');
  if (at == std::string_view::npos || at < start) return std::nullopt;
  return Span{start, at};
}

std::vector<Span> password_spans(std::string_view url) {
  std::vector<Span> spans;
  if (auto userinfo = userinfo_span(url)) {
    const std::size_t colon = url.substr(0, userinfo->second).find(':', userinfo->first);
    if (colon != std::string_view::npos) spans.emplace_back(colon + 1, userinfo->second);
  }
  // password=, and sslpassword= (a client key's passphrase) with it.
  for (std::size_t at = url.find("password="); at != std::string_view::npos; at = url.find("password=", at + 1)) {
    const std::size_t begin = at + 9;
    const std::size_t end = url.find('&', begin);
    spans.emplace_back(begin, end == std::string_view::npos ? url.size() : end);
  }
  return spans;
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  auto spans = password_spans(url);
  // From the back, so that each replacement leaves the spans before it where they are.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.first > b.first; });
  for (auto [begin, end] : spans) out.replace(begin, end - begin, "***");
  return out;
}

}  // namespace supctl::storage
