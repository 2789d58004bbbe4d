#pragma once
/// The small RAII layer over the SQLite C API that the state and the lab estate share: an owned
/// connection, prepared statements with bound parameters (values are never formatted into SQL),
/// and a cache that keeps statements prepared for the life of a connection; and the SQLite side of
/// storage::Connection (storage/sql.h), which the state is written against.

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/sql.h"

namespace supctl::storage {

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;

class Statement;

/// Statements prepared once per connection and reused, by their SQL text: preparing is most of
/// the cost of a small query. Destroy it before its connection (declare it after the Database).
/// Not thread-safe: use it under the connection's own lock.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

 private:
  friend class Statement;
  /// An idle prepared statement for `sql`, or a newly prepared one (`*rc` says how that went).
  sqlite3_stmt* take(std::string_view sql, int* rc);
  /// Resets `statement` and keeps it for the next use of `sql`.
  void give_back(std::string_view sql, sqlite3_stmt* statement);

  sqlite3* db_;
  std::map<std::string, std::vector<sqlite3_stmt*>, std::less<>> idle_;
};

/// A prepared statement. Bound text is copied, so temporaries may be bound. An error in preparing
/// or binding is kept and returned by step().
class Statement {
 public:
  /// Prepared for this use alone.
  Statement(sqlite3* db, std::string_view sql);
  /// Taken from `cache` (prepared on its first use) and given back, reset, when destroyed.
  Statement(StatementCache& cache, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);

  /// SQLITE_ROW, SQLITE_DONE, or the error that preparing, binding or stepping met.
  int step();
  /// True when the statement ran to completion.
  bool run() { return step() == SQLITE_DONE; }

  std::string text(int column) const;
  std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }

 private:
  bool ok() const { return statement_ != nullptr && rc_ == SQLITE_OK; }

  sqlite3_stmt* statement_ = nullptr;
  StatementCache* cache_ = nullptr;  ///< where it goes back to; null when it is finalized instead
  std::string sql_;                  ///< the cache's key, when cached
  int rc_ = SQLITE_OK;
};

/// A SQLite connection as a storage::Connection: $N parameters read as ?N, write transactions
/// are BEGIN IMMEDIATE (SQLite's one writer at a time), statements prepared once.
class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(Database db);
  ~SqliteConnection() override;

  sqlite3* handle() const { return db_.get(); }

  std::string_view engine() const override { return "SQLite"; }
  std::unique_ptr<Query> query(std::string_view sql) override;
  bool exec(std::string_view script) override;
  std::string error() const override;
  bool begin_write() override;
  bool commit() override;
  void rollback() override;
  std::optional<std::vector<std::string>> tables() override;

 private:
  Database db_;
  std::unique_ptr<StatementCache> statements_;  ///< finalized before the connection closes
};

}  // namespace supctl::storage
