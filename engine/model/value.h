#pragma once
/// A value as written in a manifest, with the range it came from.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "diag/source.h"

namespace supctl::model {

struct Field;
class Value;
using Array = std::vector<Value>;
using Table = std::vector<Field>;  ///< in source order; keys are unique

/// The TOML date and time kinds are kept as their text: no attribute takes one.
struct DateTimeText {
  std::string text;
};

class Value {
 public:
  enum class Type { kString, kInteger, kFloat, kBoolean, kDateTime, kArray, kTable };

  Value() = default;
  template <typename T>
  Value(T data, diag::SourceRange range) : data_(std::move(data)), range_(range) {}

  Type type() const { return static_cast<Type>(data_.index()); }
  const diag::SourceRange& range() const { return range_; }

  bool is_string() const { return type() == Type::kString; }
  bool is_integer() const { return type() == Type::kInteger; }
  bool is_boolean() const { return type() == Type::kBoolean; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_table() const { return type() == Type::kTable; }

  const std::string& as_string() const { return std::get<std::string>(data_); }
  std::int64_t as_integer() const { return std::get<std::int64_t>(data_); }
  double as_float() const { return std::get<double>(data_); }
  bool as_boolean() const { return std::get<bool>(data_); }
  const Array& as_array() const { return std::get<Array>(data_); }
  const Table& as_table() const { return std::get<Table>(data_); }
  Array& as_array() { return std::get<Array>(data_); }
  Table& as_table() { return std::get<Table>(data_); }
  void set_string(std::string text) { data_ = std::move(text); }

  /// A field of a table value, or nullptr.
  const Field* field(std::string_view key) const;

 private:
  std::variant<std::string, std::int64_t, double, bool, DateTimeText, Array, Table> data_;
  diag::SourceRange range_;
};

struct Field {
  std::string key;
  diag::SourceRange key_range;
  Value value;
};

/// "string", "integer", "table", ... as a user reads it in "expected X, found Y".
std::string_view type_name(Value::Type type);

/// The value as it would be written in TOML, shortened to `limit` characters.
std::string display(const Value& value, std::size_t limit = 60);

}  // namespace supctl::model
