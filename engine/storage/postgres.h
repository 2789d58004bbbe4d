#pragma once
/// storage::Connection over libpq: a state kept in a PostgreSQL database, in a schema of its own
/// (several states share one database), created on first use. Write transactions exclude the
/// other writers of the same schema with a transaction-level advisory lock; the state's lock is a
/// session-level advisory lock, which the server lets go of when the session ends.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/sql.h"

namespace supctl::storage {

struct PostgresTarget {
  std::string url;                      ///< postgresql://... as libpq reads it; may hold a password
  std::optional<std::string> password;  ///< overrides the URL's and libpq's own when set
  std::string schema;                   ///< where the state's tables are
  bool create = true;                   ///< make the schema when it is missing
};

/// Connects and makes `target.schema` the session's own. nullptr with `*error` (which never holds
/// a password: every form of it is taken out of libpq's and the server's messages) when the
/// server cannot be reached, refuses the login, or the schema cannot be created or used; with
/// `*missing` set, and no error, when the schema is not there and `create` is false.
std::unique_ptr<Connection> connect_postgres(const PostgresTarget& target, std::string* error, bool* missing = nullptr);

/// [begin, end) offsets into a URL.
using Span = std::pair<std::size_t, std::size_t>;

/// The user information of a postgresql:// URL: from after "://" to the last '@' before the
/// query, however a stray '/' or '@' in a password would make libpq read it; nullopt when none.
std::optional<Span> userinfo_span(std::string_view url);
/// Where `url` holds a password: after the user name's ':' in the user information, and the
/// value of each password= (or sslpassword=) parameter.
std::vector<Span> password_spans(std::string_view url);
/// `url` with every password_spans replaced by "***", for messages.
std::string redact_url(std::string_view url);

}  // namespace supctl::storage
