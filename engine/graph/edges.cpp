#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "graph/graph.h"

namespace supctl::graph {
namespace {

using model::AttrType;

/// Collects the edges one resource's written attributes imply.
class ResourceEdges {
 public:
  ResourceEdges(const model::Resource& resource, std::vector<plugin::Edge>& out) : resource_(resource), out_(out) {}

  /// `reason` names the attribute as `kind.attribute`, and `kind.attribute.field` inside a table.
  void add(const model::AttributeSchema& schema, const model::Value& value, const std::string& reason) {
    switch (schema.type) {
      case AttrType::kReference:
        if (value.is_string() && !value.as_string().empty()) {
          out_.push_back({resource_.address, model::Address{std::string(schema.ref_kind), value.as_string()}, reason,
                          value.range()});
        }
        return;
      case AttrType::kAddressList:
        if (!value.is_array()) return;
        for (const model::Value& item : value.as_array()) {
          if (!item.is_string()) continue;
          auto target = model::parse_address(item.as_string());  // a malformed one is the validator's
          if (target) out_.push_back({resource_.address, std::move(*target), "depends_on", item.range()});
        }
        return;
      case AttrType::kTable:
        if (!value.is_table()) return;
        for (const model::AttributeSchema& field_schema : schema.fields) {
          if (const model::Field* field = value.field(field_schema.name)) {
            add(field_schema, field->value, fmt::format("{}.{}", reason, field_schema.name));
          }
        }
        return;
      default:
        return;
    }
  }

 private:
  const model::Resource& resource_;
  std::vector<plugin::Edge>& out_;
};

/// Whether an attribute of this schema can imply an edge: most cannot, and their reason is never
/// formatted.
bool may_name_resources(const model::AttributeSchema& schema) {
  return schema.type == AttrType::kReference || schema.type == AttrType::kAddressList || schema.type == AttrType::kTable;
}

}  // namespace

std::vector<plugin::Edge> manifest_edges(const model::Manifest& manifest, std::span<const model::KindSchema* const> kinds,
                                        std::span<const plugin::Plugin* const> plugins) {
  std::unordered_map<std::string_view, const model::KindSchema*> by_name;
  for (const model::KindSchema* kind : kinds) {
    if (kind) by_name.emplace(kind->kind, kind);  // the first schema of a name wins
  }
  std::vector<plugin::Edge> out;
  for (const model::Resource& resource : manifest.resources()) {
    auto kind = by_name.find(resource.kind());
    if (kind == by_name.end()) continue;  // an unknown kind is the validator's
    ResourceEdges edges(resource, out);
    for (const model::Attribute& attribute : resource.attributes) {
      const model::AttributeSchema* schema = kind->second->attribute(attribute.name);
      if (schema && may_name_resources(*schema)) edges.add(*schema, attribute.value, fmt::format("{}.{}", resource.kind(), attribute.name));
    }
  }
  for (const plugin::Plugin* plugin : plugins) {
    if (!plugin) continue;
    std::vector<plugin::Edge> implied = plugin->edges(manifest);
    std::move(implied.begin(), implied.end(), std::back_inserter(out));
  }
  // Stable: equal (from, to, reason) keep manifest order, then plugin order.
  std::stable_sort(out.begin(), out.end(), [](const plugin::Edge& a, const plugin::Edge& b) {
    return std::tie(a.from, a.to, a.reason) < std::tie(b.from, b.to, b.reason);
  });
  return out;
}

}  // namespace supctl::graph
