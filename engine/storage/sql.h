#pragma once
/// The SQL the state is written against, whichever database holds it: a connection that runs
/// queries with bound parameters ($1, $2, ... in the SQL text, never values formatted into it),
/// write transactions that exclude every other writer of the same state, and the few things the
/// two databases do differently (which tables exist, a lock held by the session).
///
/// Implemented for SQLite (storage/sqlite.h) and PostgreSQL through libpq (storage/postgres.h).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace supctl::storage {

enum class Step { kRow, kDone, kError };

/// One query. Bind every parameter, then step through its rows; an error in preparing or binding
/// is kept and returned by step(), and the connection's error() says what it was.
class Query {
 public:
  virtual ~Query() = default;
  virtual Query& bind(int index, std::string_view text) = 0;
  virtual Query& bind(int index, std::int64_t value) = 0;
  virtual Step step() = 0;
  /// A column of the current row; NULL reads as empty text, or 0.
  virtual std::string text(int column) const = 0;
  virtual std::int64_t integer(int column) const = 0;
  /// True when the query ran to completion without an error.
  bool run() { return step() == Step::kDone; }
};

class Connection {
 public:
  virtual ~Connection() = default;
  /// "SQLite" or "PostgreSQL", for messages.
  virtual std::string_view engine() const = 0;
  virtual std::unique_ptr<Query> query(std::string_view sql) = 0;
  /// Runs statements without parameters, one after the other (a schema).
  virtual bool exec(std::string_view script) = 0;
  /// What the last failed call met, without any password.
  virtual std::string error() const = 0;

  /// Starts a transaction that no other writer of this state runs beside.
  virtual bool begin_write() = 0;
  virtual bool commit() = 0;
  virtual void rollback() = 0;

  /// The names of the tables where the state lives; nullopt when they cannot be listed.
  virtual std::optional<std::vector<std::string>> tables() = 0;

  /// Whether the database holds a lock for the session, let go of by the server itself when the
  /// session ends (a process that dies loses its connection and with it the lock).
  virtual bool has_session_lock() const { return false; }
  /// Takes this state's session lock if no session holds it; false when another does (or on error).
  virtual bool try_session_lock() { return false; }
  virtual void release_session_lock() {}
  /// Whether some session, this one included, holds this state's session lock now.
  virtual std::optional<bool> session_lock_held() { return std::nullopt; }
  /// Whether this session holds it; nullopt when that cannot be told (the connection is gone).
  virtual std::optional<bool> session_lock_mine() { return std::nullopt; }
};

}  // namespace supctl::storage
