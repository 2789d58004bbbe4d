#pragma once
/// The small RAII layer over the SQLite C API that the state and the lab estate share: an owned
/// connection and a prepared statement with bound parameters (values are never formatted into SQL).

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace supctl::storage {

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;

/// A prepared statement. Bound text is copied, so temporaries may be bound. An error in preparing
/// or binding is kept and returned by step().
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);

  /// SQLITE_ROW, SQLITE_DONE, or the error that preparing, binding or stepping met.
  int step();
  /// True when the statement ran to completion.
  bool run() { return step() == SQLITE_DONE; }

  std::string text(int column) const;
  std::int64_t integer(int column) const { return sqlite3_column_int64(statement_.get(), column); }

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };
  bool ok() const { return statement_ != nullptr && rc_ == SQLITE_OK; }

  std::unique_ptr<sqlite3_stmt, Finalize> statement_;
  int rc_ = SQLITE_OK;
};

}  // namespace supctl::storage
