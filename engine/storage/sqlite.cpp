#include "storage/sqlite.h"

namespace supctl::storage {

Statement::Statement(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  statement_.reset(raw);
}

Statement& Statement::bind(int index, std::string_view text) {
  // A null pointer would bind NULL rather than an empty string.
  const char* data = text.data() != nullptr ? text.data() : "";
  if (ok()) rc_ = sqlite3_bind_text(statement_.get(), index, data, static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (ok()) rc_ = sqlite3_bind_int64(statement_.get(), index, value);
  return *this;
}

int Statement::step() {
  if (!ok()) return rc_ == SQLITE_OK ? SQLITE_ERROR : rc_;
  return sqlite3_step(statement_.get());
}

std::string Statement::text(int column) const {
  const unsigned char* data = sqlite3_column_text(statement_.get(), column);
  if (data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(statement_.get(), column)));
}

}  // namespace supctl::storage
