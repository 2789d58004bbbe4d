#include "model/value.h"

#include <fmt/format.h>

namespace supctl::model {

const Field* Value::field(std::string_view key) const {
  if (!is_table()) return nullptr;
  for (const Field& f : as_table()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::string_view type_name(Value::Type type) {
  switch (type) {
    case Value::Type::kString: return "string";
    case Value::Type::kInteger: return "integer";
    case Value::Type::kFloat: return "float";
    case Value::Type::kBoolean: return "boolean";
    case Value::Type::kDateTime: return "date-time";
    case Value::Type::kArray: return "array";
    case Value::Type::kTable: return "table";
  }
  return "value";
}

std::string display(const Value& value, std::size_t limit) {
  std::string text;
  switch (value.type()) {
    case Value::Type::kString: text = "\"" + value.as_string() + "\""; break;
    case Value::Type::kInteger: text = std::to_string(value.as_integer()); break;
    case Value::Type::kFloat: text = fmt::format("{}", value.as_float()); break;
    case Value::Type::kBoolean: text = value.as_boolean() ? "true" : "false"; break;
    case Value::Type::kDateTime: text = "date-time"; break;
    case Value::Type::kArray: {
      text = "[";
      for (const Value& item : value.as_array()) {
        if (text.size() > 1) text += ", ";
        text += display(item, limit);
        if (text.size() > limit) break;
      }
      text += "]";
      break;
    }
    case Value::Type::kTable: {
      text = "{";
      for (const Field& f : value.as_table()) {
        text += (text.size() > 1 ? ", " : " ") + f.key + " = " + display(f.value, limit);
        if (text.size() > limit) break;
      }
      text += " }";
      break;
    }
  }
  if (text.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole code points
    text = text.substr(0, cut) + "...";
  }
  return text;
}

}  // namespace supctl::model
