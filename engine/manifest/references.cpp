#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "diag/suggest.h"
#include "manifest/checks.h"
#include "model/text.h"

namespace supctl::manifest {
namespace {

using diag::Diagnostic;
using diag::Diagnostics;
using model::AttrType;

std::string article(std::string_view noun) {
  return (std::string_view("aeiou").find(noun.empty() ? 'x' : noun[0]) != std::string_view::npos ? "an " : "a ") + std::string(noun);
}

class ReferenceChecker {
 public:
  ReferenceChecker(const model::Manifest& manifest, const KindTable& kinds, Diagnostics& out)
      : manifest_(manifest), kinds_(kinds), out_(out) {
    for (const model::Resource& r : manifest.resources()) {
      addresses_.push_back(r.address.str());
      const model::KindSchema* kind = kinds.find(r.kind());
      if (!kind) continue;
      if (kind->names_machine) machines_.insert(model::lower(r.name()));
      for (const auto& schema : kind->attributes) {
        if (!schema.defines_machine) continue;
        if (auto server = r.string(schema.name)) machines_.insert(model::lower(*server));
      }
    }
    machine_list_.assign(machines_.begin(), machines_.end());
  }

  void run() {
    for (const model::Resource& r : manifest_.resources()) {
      const model::KindSchema* kind = kinds_.find(r.kind());
      if (!kind) continue;
      std::string address = r.address.str();
      for (const model::Attribute& attribute : r.attributes) {
        const model::AttributeSchema* schema = kind->attribute(attribute.name);
        if (!schema) continue;
        std::string path = address + "." + attribute.name;
        check(*schema, attribute.value, r, address, path);
      }
    }
  }

 private:
  void check(const model::AttributeSchema& schema, const model::Value& value, const model::Resource& owner,
             const std::string& address, const std::string& path) {
    switch (schema.type) {
      case AttrType::kReference:
        if (value.is_string() && !value.as_string().empty()) check_reference(schema, value, address, path);
        return;
      case AttrType::kMachine:
        if (value.is_string() && !value.as_string().empty() && !machines_.contains(model::lower(value.as_string()))) {
          Diagnostic& d = out_.error("unknown-reference", fmt::format("no machine named '{}' in the manifests", value.as_string()));
          d.address = address;
          d.range = value.range();
          d.key_path = path;
          d.detail = "expected: the name of a [host], [site_system], [wsus_server] or [software_update_point], or a site's 'server'";
          d.help = diag::did_you_mean(value.as_string(), machine_list_);
          if (d.help.empty()) d.help = fmt::format("declare it, e.g. [host.\"{}\"]", value.as_string());
        }
        return;
      case AttrType::kAddressList:
        if (!value.is_array()) return;
        for (std::size_t i = 0; i < value.as_array().size(); ++i) {
          check_dependency(value.as_array()[i], owner, address, fmt::format("{}[{}]", path, i));
        }
        return;
      case AttrType::kTable:
        if (!value.is_table()) return;
        for (const model::Field& field : value.as_table()) {
          for (const auto& sub : schema.fields) {
            if (sub.name == field.key) check(sub, field.value, owner, address, path + "." + field.key);
          }
        }
        return;
      default:
        return;
    }
  }

  void check_reference(const model::AttributeSchema& schema, const model::Value& value, const std::string& address,
                       const std::string& path) {
    const std::string& name = value.as_string();
    if (manifest_.find(schema.ref_kind, name)) return;
    std::vector<std::string> same_kind;
    for (const model::Resource& r : manifest_.of_kind(schema.ref_kind)) same_kind.push_back(r.name());
    // The name exists, but as another kind: say so rather than "not found".
    std::vector<std::string> other_kinds;
    for (const model::Resource& r : manifest_.resources()) {
      if (r.name() == name && r.kind() != schema.ref_kind) other_kinds.push_back(r.address.str());
    }
    Diagnostic& d = out_.error(other_kinds.empty() ? "unknown-reference" : "wrong-kind-reference",
                               other_kinds.empty()
                                   ? fmt::format("no {} named '{}'", schema.ref_kind, name)
                                   : fmt::format("'{}' is {}, but '{}' must name {}", name,
                                                 article(model::parse_address(other_kinds.front())->kind), schema.name,
                                                 article(schema.ref_kind)));
    d.address = address;
    d.range = value.range();
    d.key_path = path;
    d.detail = fmt::format("expected: the name of a [{}.NAME] table\nfound: '{}'{}", schema.ref_kind, name,
                           other_kinds.empty() ? std::string() : " (" + other_kinds.front() + ")");
    d.help = diag::did_you_mean(name, same_kind);
    if (d.help.empty()) {
      d.help = same_kind.empty() ? fmt::format("declare it: [{}.{}]", schema.ref_kind,
                                                           model::is_bare_name(name) ? name : "\"" + name + "\"")
                                 : fmt::format("declared {}s: {}", schema.ref_kind, fmt::join(same_kind, ", "));
    }
  }

  void check_dependency(const model::Value& item, const model::Resource& owner, const std::string& address,
                        const std::string& path) {
    if (!item.is_string()) return;
    auto target = model::parse_address(item.as_string());
    if (!target) return;  // reported by the attribute checks
    if (*target == owner.address) {
      Diagnostic& d = out_.error("dependency-cycle", fmt::format("{} depends on itself", address));
      d.address = address;
      d.range = item.range();
      d.key_path = path;
      d.help = "remove it from depends_on";
      return;
    }
    if (manifest_.find(*target)) return;
    Diagnostic& d = out_.error("unknown-reference", fmt::format("depends_on names '{}', which is not declared", item.as_string()));
    d.address = address;
    d.range = item.range();
    d.key_path = path;
    d.detail = "expected: the address of a resource in these manifests";
    d.help = diag::did_you_mean(item.as_string(), addresses_);
    if (!kinds_.find(target->kind)) d.help = fmt::format("'{}' is not a resource kind", target->kind);
  }

  const model::Manifest& manifest_;
  const KindTable& kinds_;
  Diagnostics& out_;
  std::vector<std::string> addresses_;
  std::set<std::string> machines_;  ///< lower-case host names
  std::vector<std::string> machine_list_;
};

}  // namespace

void check_references(const model::Manifest& manifest, const KindTable& kinds, Diagnostics& out) {
  ReferenceChecker(manifest, kinds, out).run();
}

}  // namespace supctl::manifest
