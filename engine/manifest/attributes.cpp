#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "diag/redact.h"
#include "diag/suggest.h"
#include "manifest/checks.h"
#include "model/formats.h"

namespace supctl::manifest {
namespace {

using diag::Diagnostic;
using diag::Diagnostics;
using diag::SourceRange;
using model::AttributeSchema;
using model::AttrType;
using model::Value;

std::string quoted_list(const std::vector<std::string_view>& items) {
  std::string text;
  for (std::string_view item : items) {
    if (!text.empty()) text += ", ";
    text += fmt::format("'{}'", item);
  }
  return text;
}

std::string expected_text(const AttributeSchema& schema) {
  switch (schema.type) {
    case AttrType::kString:
      return schema.format ? std::string(schema.format->description) : "a string";
    case AttrType::kInteger:
      if (schema.min && schema.max) return fmt::format("an integer from {} to {}", *schema.min, *schema.max);
      if (schema.min) return fmt::format("an integer of at least {}", *schema.min);
      return "an integer";
    case AttrType::kBoolean: return "true or false";
    case AttrType::kEnum: return "one of " + quoted_list(schema.enum_values);
    case AttrType::kReference: return fmt::format("the name of a {}", schema.ref_kind);
    case AttrType::kMachine: return "the host name of a machine the manifests declare";
    case AttrType::kSecret: return "{ env = \"VARIABLE\" } or { file = \"PATH\" }";
    case AttrType::kStringList:
      return schema.format ? fmt::format("an array of strings, each {}", schema.format->description) : "an array of strings";
    case AttrType::kStringSet:
      return fmt::format("an array of strings{}, or {{ include = [...], exclude = [...] }}",
                         schema.format ? fmt::format(" (each {})", schema.format->description) : std::string());
    case AttrType::kAddressList: return "an array of resource addresses such as 'wsus_server[\"wsus01.contoso.com\"]'";
    case AttrType::kTable: {
      std::vector<std::string_view> names;
      for (const auto& f : schema.fields) names.push_back(f.name);
      return "a table with the keys " + quoted_list(names);
    }
    case AttrType::kRegistryData: return "a string, an integer, an array of strings, or an array of integers";
  }
  return "a value";
}

std::string found_text(const Value& value, bool sensitive) {
  if (sensitive) return fmt::format("a {} (not shown)", model::type_name(value.type()));
  return fmt::format("{} {}", model::type_name(value.type()), model::display(value));
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

class AttributeChecker {
 public:
  AttributeChecker(const model::Resource& resource, const model::KindSchema& kind, Diagnostics& out)
      : resource_(resource), kind_(kind), out_(out), address_(resource.address.str()) {}

  void run(std::vector<model::Attribute>& attributes) {
    std::vector<std::string_view> known;
    for (const auto& a : kind_.attributes) known.push_back(a.name);
    for (model::Attribute& attribute : attributes) {
      const AttributeSchema* schema = kind_.attribute(attribute.name);
      std::string path = address_ + "." + attribute.name;
      if (!schema) {
        unknown_key(attribute.name, attribute.key_range, path, known,
                    fmt::format("{} {}", std::string_view("aeiou").find(kind_.kind[0]) != std::string_view::npos ? "an" : "a", kind_.kind));
        continue;
      }
      check_value(*schema, attribute.value, path);
    }
    for (const AttributeSchema& schema : kind_.attributes) {
      if (schema.required && !resource_.find(schema.name)) {
        Diagnostic& d = error("missing-attribute", fmt::format("{} is missing the required attribute '{}'", address_, schema.name));
        d.range = resource_.range;
        d.key_path = address_ + "." + std::string(schema.name);
        d.detail = fmt::format("expected: {} = {}", schema.name, expected_text(schema));
        d.help = fmt::format("add '{} = ...' to [{}]: {}", schema.name, address_, schema.description);
      }
    }
  }

 private:
  Diagnostic& error(std::string code, std::string summary) {
    Diagnostic& d = out_.error(std::move(code), std::move(summary));
    d.address = address_;
    return d;
  }

  void unknown_key(std::string_view name, const SourceRange& range, const std::string& path,
                   const std::vector<std::string_view>& known, const std::string& owner) {
    Diagnostic& d = error("unknown-attribute", fmt::format("unknown attribute '{}' for {}", name, owner));
    d.range = range;
    d.key_path = path;
    d.detail = known.size() <= 16 ? "expected one of: " + quoted_list(known)
                                  : fmt::format("the attributes of {} are listed in schemas/manifest.schema.json", owner);
    d.help = diag::did_you_mean(name, known);
    if (d.help.empty()) d.help = "remove it; supctl never ignores a setting it does not know";
  }

  void wrong_type(const AttributeSchema& schema, const Value& value, const std::string& path) {
    bool sensitive = schema.type == AttrType::kSecret || diag::looks_sensitive(schema.name);
    Diagnostic& d = error("wrong-type", fmt::format("'{}' must be {}", schema.name, expected_text(schema)));
    d.range = value.range();
    d.key_path = path;
    d.detail = fmt::format("expected: {}\nfound: {}", expected_text(schema), found_text(value, sensitive));
    if (sensitive) {
      d.code = "plaintext-secret";
      d.summary = fmt::format("'{}' must not be written in plain text", schema.name);
      d.help = "keep the secret out of the repository: write { env = \"VARIABLE\" } or { file = \"PATH\" }";
    } else if (schema.type == AttrType::kInteger && value.is_string() && all_digits(value.as_string())) {
      d.help = fmt::format("write the number without quotes: {} = {}", schema.name, value.as_string());
    } else if (schema.type == AttrType::kBoolean && value.is_string() &&
               (value.as_string() == "true" || value.as_string() == "false")) {
      d.help = fmt::format("write it without quotes: {} = {}", schema.name, value.as_string());
    } else if ((schema.type == AttrType::kString || schema.type == AttrType::kEnum || schema.type == AttrType::kReference ||
                schema.type == AttrType::kMachine) && (value.is_integer() || value.is_boolean())) {
      d.help = fmt::format("put it in quotes: {} = \"{}\"", schema.name, model::display(value));
    } else if (schema.type == AttrType::kStringSet && value.is_string()) {
      d.help = fmt::format("write a list even for one item: {} = [{}]", schema.name, model::display(value));
    }
  }

  // A narrower range inside a string value, from a byte offset into its text.
  SourceRange inside(const Value& value, std::size_t offset, std::size_t length) const {
    SourceRange range = value.range();
    const std::string& text = value.as_string();
    std::size_t span = range.end.byte - range.begin.byte;
    // Only when the source holds the text verbatim after one quote (no escapes) can we point inside it.
    if (offset < text.size() && span == text.size() + 2 && range.begin.line == range.end.line) {
      auto shift = [&](std::size_t n) {
        diag::SourcePos pos = range.begin;
        pos.byte += 1 + n;
        std::size_t chars = 0;
        for (std::size_t i = 0; i < n; ++i) chars += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
        pos.column += static_cast<std::uint32_t>(1 + chars);
        return pos;
      };
      SourceRange narrowed = range;
      narrowed.begin = shift(offset);
      narrowed.end = shift(std::min(text.size(), offset + std::max<std::size_t>(length, 1)));
      return narrowed;
    }
    return range;
  }

  // Checks a string against a format; normalises it in place.
  void check_format(const model::Format& format, Value& value, const std::string& path) {
    std::string normalized;
    auto problem = format.check(value.as_string(), &normalized);
    if (!problem) {
      if (!normalized.empty()) value.set_string(std::move(normalized));
      return;
    }
    std::size_t rest = value.as_string().size() - std::min(problem->offset, value.as_string().size());
    Diagnostic& d = error(std::string(format.code), fmt::format("'{}' is not a valid {}", value.as_string(), format.name));
    d.range = inside(value, problem->offset, rest);
    d.key_path = path;
    d.detail = fmt::format("expected: {}\nfound: '{}': {}", format.description, value.as_string(), problem->message);
    d.help = problem->help;
  }

  void check_strings(const AttributeSchema& schema, Value& list, const std::string& path, bool is_set) {
    std::set<std::string> seen;
    auto& items = list.as_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      Value& item = items[i];
      std::string item_path = fmt::format("{}[{}]", path, i);
      if (!item.is_string()) {
        Diagnostic& d = error("wrong-type", fmt::format("every item of '{}' must be a string", schema.name));
        d.range = item.range();
        d.key_path = item_path;
        d.detail = fmt::format("expected: {}\nfound: {}", schema.format ? schema.format->description : "a string", found_text(item, false));
        continue;
      }
      if (schema.format) check_format(*schema.format, item, item_path);
      if (is_set && !seen.insert(item.as_string()).second) {
        Diagnostic& d = out_.warning("duplicate-item", fmt::format("'{}' is listed twice in '{}'", item.as_string(), schema.name));
        d.address = address_;
        d.range = item.range();
        d.key_path = item_path;
        d.help = "remove the second one";
      }
    }
  }

  void check_set(const AttributeSchema& schema, Value& value, const std::string& path) {
    if (value.is_array()) {
      check_strings(schema, value, path, true);
      return;
    }
    if (!value.is_table()) {
      wrong_type(schema, value, path);
      return;
    }
    static const std::vector<std::string_view> kKeys{"include", "exclude"};
    for (model::Field& field : value.as_table()) {
      std::string field_path = path + "." + field.key;
      if (field.key != "include" && field.key != "exclude") {
        unknown_key(field.key, field.key_range, field_path, kKeys, fmt::format("'{}'", schema.name));
      } else if (!field.value.is_array()) {
        Diagnostic& d = error("wrong-type", fmt::format("'{}.{}' must be an array of strings", schema.name, field.key));
        d.range = field.value.range();
        d.key_path = field_path;
        d.detail = fmt::format("expected: an array of strings\nfound: {}", found_text(field.value, false));
      } else {
        check_strings(schema, field.value, field_path, true);
      }
    }
    const model::Field* include = value.field("include");
    const model::Field* exclude = value.field("exclude");
    if (!include && !exclude) {
      Diagnostic& d = error("invalid-set", fmt::format("'{}' needs 'include', 'exclude' or both", schema.name));
      d.range = value.range();
      d.key_path = path;
      d.detail = fmt::format("expected: {}\nfound: {}", expected_text(schema), found_text(value, false));
      return;
    }
    if (include && exclude && include->value.is_array() && exclude->value.is_array()) {
      for (const Value& item : include->value.as_array()) {
        if (!item.is_string()) continue;
        for (const Value& other : exclude->value.as_array()) {
          if (other.is_string() && other.as_string() == item.as_string()) {
            Diagnostic& d = error("set-conflict", fmt::format("'{}' is both included and excluded in '{}'", item.as_string(), schema.name));
            d.range = other.range();
            d.key_path = path + ".exclude";
            d.help = "remove it from one of the two lists";
            d.notes.push_back(diag::Note{"included here", item.range()});
          }
        }
      }
    }
  }

  void check_secret(const AttributeSchema& schema, Value& value, const std::string& path) {
    if (!value.is_table()) {
      wrong_type(schema, value, path);
      return;
    }
    static const std::vector<std::string_view> kKeys{"env", "file"};
    for (model::Field& field : value.as_table()) {
      std::string field_path = path + "." + field.key;
      if (field.key != "env" && field.key != "file") {
        unknown_key(field.key, field.key_range, field_path, kKeys, fmt::format("secret '{}'", schema.name));
        continue;
      }
      AttributeSchema sub{.name = field.key == "env" ? "env" : "file", .type = AttrType::kString,
                          .format = field.key == "env" ? &model::formats::kEnvName : &model::formats::kNonEmpty};
      check_value(sub, field.value, field_path);
    }
    if (value.as_table().size() != 1 || (!value.field("env") && !value.field("file"))) {
      Diagnostic& d = error("invalid-value", fmt::format("secret '{}' needs exactly one of 'env' or 'file'", schema.name));
      d.range = value.range();
      d.key_path = path;
      d.detail = fmt::format("expected: {}\nfound: {}", expected_text(schema), found_text(value, false));
    }
  }

  void check_value(const AttributeSchema& schema, Value& value, const std::string& path) {
    switch (schema.type) {
      case AttrType::kString:
      case AttrType::kReference:
      case AttrType::kMachine:
        if (!value.is_string()) return wrong_type(schema, value, path);
        if (schema.format) check_format(*schema.format, value, path);
        else if (schema.type != AttrType::kString && value.as_string().empty()) {
          Diagnostic& d = error("invalid-value", fmt::format("'{}' cannot be empty", schema.name));
          d.range = value.range();
          d.key_path = path;
          d.detail = fmt::format("expected: {}\nfound: an empty string", expected_text(schema));
        }
        return;
      case AttrType::kInteger:
        if (!value.is_integer()) return wrong_type(schema, value, path);
        if ((schema.min && value.as_integer() < *schema.min) || (schema.max && value.as_integer() > *schema.max)) {
          Diagnostic& d = error("out-of-range", fmt::format("'{}' is out of range: {}", schema.name, value.as_integer()));
          d.range = value.range();
          d.key_path = path;
          d.detail = fmt::format("expected: {}\nfound: {}", expected_text(schema), value.as_integer());
        }
        return;
      case AttrType::kBoolean:
        if (!value.is_boolean()) wrong_type(schema, value, path);
        return;
      case AttrType::kEnum: {
        if (!value.is_string()) return wrong_type(schema, value, path);
        const std::string& text = value.as_string();
        if (std::find(schema.enum_values.begin(), schema.enum_values.end(), text) != schema.enum_values.end()) return;
        Diagnostic& d = error("invalid-value", fmt::format("'{}' is not a valid value for '{}'", text, schema.name));
        d.range = value.range();
        d.key_path = path;
        d.detail = fmt::format("expected: {}\nfound: '{}'", expected_text(schema), text);
        d.help = diag::did_you_mean(text, schema.enum_values);
        return;
      }
      case AttrType::kSecret: return check_secret(schema, value, path);
      case AttrType::kStringList:
      case AttrType::kAddressList:
        if (!value.is_array()) return wrong_type(schema, value, path);
        check_strings(schema, value, path, schema.type == AttrType::kAddressList);
        if (schema.type == AttrType::kAddressList) check_addresses(value, path);
        return;
      case AttrType::kStringSet: return check_set(schema, value, path);
      case AttrType::kTable: {
        if (!value.is_table()) return wrong_type(schema, value, path);
        std::vector<std::string_view> known;
        for (const auto& f : schema.fields) known.push_back(f.name);
        for (model::Field& field : value.as_table()) {
          const AttributeSchema* sub = nullptr;
          for (const auto& f : schema.fields) {
            if (f.name == field.key) sub = &f;
          }
          std::string field_path = path + "." + field.key;
          if (!sub) {
            unknown_key(field.key, field.key_range, field_path, known, fmt::format("'{}'", schema.name));
          } else {
            check_value(*sub, field.value, field_path);
          }
        }
        for (const auto& f : schema.fields) {
          if (f.required && !value.field(f.name)) {
            Diagnostic& d = error("missing-attribute", fmt::format("'{}' is missing the required key '{}'", schema.name, f.name));
            d.range = value.range();
            d.key_path = path + "." + std::string(f.name);
            d.detail = fmt::format("expected: {} = {}", f.name, expected_text(f));
          }
        }
        return;
      }
      case AttrType::kRegistryData: {
        auto all_of = [&](bool (Value::*is)() const) {
          return std::all_of(value.as_array().begin(), value.as_array().end(), [&](const Value& v) { return (v.*is)(); });
        };
        bool ok = value.is_string() || value.is_integer() ||
                  (value.is_array() && (all_of(&Value::is_string) || all_of(&Value::is_integer)));
        if (!ok) wrong_type(schema, value, path);
        return;
      }
    }
  }

  void check_addresses(const Value& list, const std::string& path) {
    for (std::size_t i = 0; i < list.as_array().size(); ++i) {
      const Value& item = list.as_array()[i];
      if (!item.is_string() || model::parse_address(item.as_string())) continue;
      Diagnostic& d = error("invalid-value", fmt::format("'{}' is not a resource address", item.as_string()));
      d.range = item.range();
      d.key_path = fmt::format("{}[{}]", path, i);
      d.detail = fmt::format("expected: KIND.NAME, or KIND[\"NAME\"] when the name has dots\nfound: '{}'", item.as_string());
      d.help = "for example 'wsus_server[\"pr1wsus.contoso.com\"]' or 'service.pr1wsus_wsus'";
    }
  }

  const model::Resource& resource_;
  const model::KindSchema& kind_;
  Diagnostics& out_;
  std::string address_;
};

}  // namespace

void check_attributes(std::vector<model::Resource>& resources, const KindTable& kinds, Diagnostics& out) {
  for (model::Resource& resource : resources) {
    const model::KindSchema* kind = kinds.find(resource.kind());
    if (kind) AttributeChecker(resource, *kind, out).run(resource.attributes);
  }
}

}  // namespace supctl::manifest
