#pragma once
/// The small RAII layer over the SQLite C API that the state and the lab estate share: an owned
/// connection, prepared statements with bound parameters (values are never formatted into SQL),
/// and a cache that keeps statements prepared for the life of a connection.

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

}  // namespace supctl::storage
