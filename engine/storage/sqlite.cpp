#include "storage/sqlite.h"

#include <cctype>

namespace supctl::storage {

StatementCache::~StatementCache() {
  for (auto& [sql, statements] : idle_) {
    for (sqlite3_stmt* statement : statements) sqlite3_finalize(statement);
  }
}

sqlite3_stmt* StatementCache::take(std::string_view sql, int* rc) {
  auto it = idle_.find(sql);
  if (it != idle_.end() && !it->second.empty()) {
    sqlite3_stmt* statement = it->second.back();
    it->second.pop_back();
    *rc = SQLITE_OK;
    return statement;
  }
  sqlite3_stmt* statement = nullptr;
  *rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
  return statement;
}

void StatementCache::give_back(std::string_view sql, sqlite3_stmt* statement) {
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  auto it = idle_.find(sql);
  if (it == idle_.end()) it = idle_.emplace(std::string(sql), std::vector<sqlite3_stmt*>()).first;
  it->second.push_back(statement);
}

Statement::Statement(sqlite3* db, std::string_view sql) {
  rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &statement_, nullptr);
}

Statement::Statement(StatementCache& cache, std::string_view sql) : sql_(sql) {
  statement_ = cache.take(sql, &rc_);
  if (statement_ != nullptr && rc_ == SQLITE_OK) cache_ = &cache;
}

Statement::~Statement() {
  if (statement_ == nullptr) return;
  if (cache_ != nullptr) {
    cache_->give_back(sql_, statement_);
  } else {
    sqlite3_finalize(statement_);
  }
}

Statement& Statement::bind(int index, std::string_view text) {
  // A null pointer would bind NULL rather than an empty string.
  const char* data = text.data() != nullptr ? text.data() : "";
  if (ok()) rc_ = sqlite3_bind_text(statement_, index, data, static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (ok()) rc_ = sqlite3_bind_int64(statement_, index, value);
  return *this;
}

int Statement::step() {
  if (!ok()) return rc_ == SQLITE_OK ? SQLITE_ERROR : rc_;
  return sqlite3_step(statement_);
}

std::string Statement::text(int column) const {
  const unsigned char* data = sqlite3_column_text(statement_, column);
  if (data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

namespace {

/// `$N` parameters (PostgreSQL's, and the state's SQL) as SQLite's `?N`: a `$N` would be a named
/// parameter numbered by first appearance, not by N. The state's SQL has no `$` in a literal.
std::string numbered_parameters(std::string_view sql) {
  std::string out(sql);
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && std::isdigit(static_cast<unsigned char>(out[i + 1]))) out[i] = '?';
  }
  return out;
}

class SqliteQuery final : public Query {
 public:
  SqliteQuery(StatementCache& cache, std::string_view sql) : statement_(cache, numbered_parameters(sql)) {}
  Query& bind(int index, std::string_view text) override {
    statement_.bind(index, text);
    return *this;
  }
  Query& bind(int index, std::int64_t value) override {
    statement_.bind(index, value);
    return *this;
  }
  Step step() override {
    switch (statement_.step()) {
      case SQLITE_ROW: return Step::kRow;
      case SQLITE_DONE: return Step::kDone;
      default: return Step::kError;
    }
  }
  std::string text(int column) const override { return statement_.text(column); }
  std::int64_t integer(int column) const override { return statement_.integer(column); }

 private:
  Statement statement_;
};

}  // namespace

SqliteConnection::SqliteConnection(Database db)
    : db_(std::move(db)), statements_(std::make_unique<StatementCache>(db_.get())) {}

SqliteConnection::~SqliteConnection() { statements_.reset(); }

std::unique_ptr<Query> SqliteConnection::query(std::string_view sql) {
  return std::make_unique<SqliteQuery>(*statements_, sql);
}

bool SqliteConnection::exec(std::string_view script) {
  return sqlite3_exec(db_.get(), std::string(script).c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
}

std::string SqliteConnection::error() const { return sqlite3_errmsg(db_.get()); }

bool SqliteConnection::begin_write() { return Statement(*statements_, "BEGIN IMMEDIATE").run(); }

bool SqliteConnection::commit() { return Statement(*statements_, "COMMIT").run(); }

void SqliteConnection::rollback() { Statement(*statements_, "ROLLBACK").run(); }

std::optional<std::vector<std::string>> SqliteConnection::tables() {
  Statement select(*statements_, "SELECT name FROM sqlite_master WHERE type = 'table'");
  std::vector<std::string> names;
  int rc;
  while ((rc = select.step()) == SQLITE_ROW) {
    std::string name = select.text(0);
    if (!name.starts_with("sqlite_")) names.push_back(std::move(name));
  }
  if (rc != SQLITE_DONE) return std::nullopt;
  return names;
}

}  // namespace supctl::storage
