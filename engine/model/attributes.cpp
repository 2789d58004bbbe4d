#include "model/attributes.h"

#include "diag/redact.h"
#include "model/text.h"

namespace supctl::model {

Json to_json(const Value& value) {
  switch (value.type()) {
    case Value::Type::kString: return value.as_string();
    case Value::Type::kInteger: return value.as_integer();
    case Value::Type::kFloat: return value.as_float();
    case Value::Type::kBoolean: return value.as_boolean();
    case Value::Type::kDateTime: return display(value);
    case Value::Type::kArray: {
      Json array = Json::array();
      for (const Value& item : value.as_array()) array.push_back(to_json(item));
      return array;
    }
    case Value::Type::kTable: {
      Json object = Json::object();
      for (const Field& field : value.as_table()) object[field.key] = to_json(field.value);
      return object;
    }
  }
  return nullptr;
}

bool is_meta_attribute(std::string_view name) { return name == "depends_on" || name == "allow_destroy"; }

std::optional<std::string> string_attribute(const AttributeMap* attributes, std::string_view name) {
  if (!attributes) return std::nullopt;
  auto it = attributes->find(name);
  if (it == attributes->end() || !it->second.is_string()) return std::nullopt;
  return it->second.get<std::string>();
}

bool is_secret_reference(const Json& value) {
  if (!value.is_object() || value.size() != 1) return false;
  auto it = value.begin();
  return (it.key() == "env" || it.key() == "file") && it.value().is_string();
}

Json redact_secrets(std::string_view key, const Json& value) {
  if (diag::looks_sensitive(key) && !is_secret_reference(value)) return Json("(sensitive)");
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = redact_secrets(it.key(), it.value());
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& item : value) out.push_back(redact_secrets("", item));
    return out;
  }
  return value;
}

AttributeMap desired_attributes(const Resource& resource) {
  AttributeMap map;
  for (const Attribute& attribute : resource.attributes) {
    if (!is_meta_attribute(attribute.name)) map.emplace(attribute.name, to_json(attribute.value));
  }
  return map;
}

namespace {

Json resolve(const Resource& resource, const Manifest& manifest, const SchemaLookup& schema_of, int depth) {
  Json out = Json::object();
  const KindSchema* schema = schema_of(resource.kind());
  if (!schema || depth > 4) return out;  // references are short chains; a cycle is a validation error
  for (const AttributeSchema& attribute : schema->attributes) {
    if (attribute.type != AttrType::kReference) continue;
    auto name = resource.string(attribute.name);
    const Resource* target = name ? manifest.find(attribute.ref_kind, *name) : nullptr;
    if (!target) continue;
    Json entry{{"kind", target->kind()}, {"name", target->name()}, {"attributes", Json::object()}};
    for (const auto& [key, value] : desired_attributes(*target)) entry["attributes"][key] = value;
    if (const KindSchema* target_schema = schema_of(target->kind())) {
      for (const AttributeSchema& field : target_schema->attributes) {
        if (field.type == AttrType::kSecret && entry["attributes"].contains(field.name)) {
          entry["secrets"].push_back(std::string(field.name));
        }
      }
    }
    Json nested = resolve(*target, manifest, schema_of, depth + 1);
    if (!nested.empty()) entry["references"] = std::move(nested);
    out[std::string(attribute.name)] = std::move(entry);
  }
  return out;
}

}  // namespace

Json resolve_references(const Resource& resource, const Manifest& manifest, const SchemaLookup& schema_of) {
  return resolve(resource, manifest, schema_of, 0);
}

namespace {

/// The secrets of one resolved reference `entry`, named under `path`, then those of what it names.
void collect_sent(const Json& entry, const std::string& path, int depth, std::vector<SentSecret>& out) {
  if (!entry.is_object() || depth > 4) return;
  auto attributes = entry.find("attributes");
  auto secrets = entry.find("secrets");
  if (attributes != entry.end() && attributes->is_object() && secrets != entry.end() && secrets->is_array()) {
    for (const Json& name : *secrets) {
      if (!name.is_string()) continue;
      auto value = attributes->find(name.get<std::string>());
      if (value != attributes->end()) out.push_back({path + "." + name.get<std::string>(), &*value});
    }
  }
  auto nested = entry.find("references");
  if (nested == entry.end() || !nested->is_object()) return;
  for (const auto& [attribute, inner] : nested->items()) collect_sent(inner, path + "." + attribute, depth + 1, out);
}

}  // namespace

std::vector<SentSecret> secrets_sent(const KindSchema& schema, const AttributeMap& desired, const Json& references) {
  std::vector<SentSecret> out;
  for (const AttributeSchema& attribute : schema.attributes) {
    if (attribute.type != AttrType::kSecret || !attribute.sent) continue;
    auto value = desired.find(attribute.name);
    if (value != desired.end()) out.push_back({std::string(attribute.name), &value->second});
  }
  if (!references.is_object()) return out;
  for (const AttributeSchema& attribute : schema.attributes) {
    if (attribute.type != AttrType::kReference || !attribute.passes_secrets || !desired.contains(attribute.name)) continue;
    auto entry = references.find(std::string(attribute.name));
    if (entry != references.end()) collect_sent(*entry, std::string(attribute.name), 0, out);
  }
  return out;
}

const Json* sent_secret(const AttributeMap& desired, const Json& references, std::string_view name) {
  auto dot = name.find('.');
  if (dot == std::string_view::npos) {
    auto value = desired.find(name);
    return value == desired.end() ? nullptr : &value->second;
  }
  const Json* entry = &references;
  while (dot != std::string_view::npos) {  // every segment but the last names a reference
    if (!entry->is_object()) return nullptr;
    auto next = entry->find(std::string(name.substr(0, dot)));
    if (next == entry->end() || !next->is_object()) return nullptr;
    name.remove_prefix(dot + 1);
    dot = name.find('.');
    if (dot == std::string_view::npos) {
      auto attributes = next->find("attributes");
      if (attributes == next->end() || !attributes->is_object()) return nullptr;
      auto value = attributes->find(std::string(name));
      return value == attributes->end() ? nullptr : &*value;
    }
    auto nested = next->find("references");
    if (nested == next->end()) return nullptr;
    entry = &*nested;
  }
  return nullptr;
}

std::string_view attribute_root(std::string_view name) { return name.substr(0, name.find('.')); }

const Json* referenced(const Json* references, std::string_view attribute) {
  if (!references || !references->is_object()) return nullptr;
  auto it = references->find(attribute);
  if (it == references->end() || !it->is_object()) return nullptr;
  auto attributes = it->find("attributes");
  return attributes != it->end() && attributes->is_object() ? &*attributes : nullptr;
}

std::optional<std::string> referenced_string(const Json* references, std::string_view attribute, std::string_view field) {
  const Json* attributes = referenced(references, attribute);
  if (!attributes) return std::nullopt;
  auto it = attributes->find(field);
  if (it == attributes->end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

Json as_reference(const Json& seen, const Json* references, std::string_view attribute, std::string_view field) {
  auto wanted = referenced_string(references, attribute, field);
  if (!seen.is_string() || !wanted) return seen;
  const std::string& text = seen.get_ref<const std::string&>();
  bool same = iequals(text, *wanted);
  return same ? (*references)[std::string(attribute)]["name"] : seen;
}

}  // namespace supctl::model
