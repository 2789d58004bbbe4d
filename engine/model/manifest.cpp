#include "model/manifest.h"

#include <algorithm>

namespace supctl::model {

const Attribute* Resource::find(std::string_view attribute) const {
  auto it = std::lower_bound(attributes.begin(), attributes.end(), attribute,
                             [](const Attribute& a, std::string_view n) { return a.name < n; });
  return it != attributes.end() && it->name == attribute ? &*it : nullptr;
}

std::optional<std::string_view> Resource::string(std::string_view attribute) const {
  const Attribute* a = find(attribute);
  if (!a || !a->value.is_string()) return std::nullopt;
  return std::string_view(a->value.as_string());
}

std::optional<std::int64_t> Resource::integer(std::string_view attribute) const {
  const Attribute* a = find(attribute);
  if (!a || !a->value.is_integer()) return std::nullopt;
  return a->value.as_integer();
}

std::optional<bool> Resource::boolean(std::string_view attribute) const {
  const Attribute* a = find(attribute);
  if (!a || !a->value.is_boolean()) return std::nullopt;
  return a->value.as_boolean();
}

diag::SourceRange Resource::range_of(std::string_view attribute) const {
  const Attribute* a = find(attribute);
  return a ? a->value.range() : range;
}

Manifest::Manifest(std::vector<Resource> resources) : resources_(std::move(resources)) {
  std::sort(resources_.begin(), resources_.end(),
            [](const Resource& a, const Resource& b) { return a.address < b.address; });
}

const Resource* Manifest::find(const Address& address) const {
  auto it = std::lower_bound(resources_.begin(), resources_.end(), address,
                             [](const Resource& r, const Address& a) { return r.address < a; });
  return it != resources_.end() && it->address == address ? &*it : nullptr;
}

const Resource* Manifest::find(std::string_view kind, std::string_view name) const {
  return find(Address{std::string(kind), std::string(name)});
}

std::span<const Resource> Manifest::of_kind(std::string_view kind) const {
  auto first = std::lower_bound(resources_.begin(), resources_.end(), kind,
                                [](const Resource& r, std::string_view k) { return r.address.kind < k; });
  auto last = std::upper_bound(first, resources_.end(), kind,
                               [](std::string_view k, const Resource& r) { return k < r.address.kind; });
  return {first, last};
}

}  // namespace supctl::model
