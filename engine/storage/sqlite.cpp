#include "storage/sqlite.h"

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

}  // namespace supctl::storage
