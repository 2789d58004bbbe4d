#pragma once
/// The resources that a directory of manifests declares, merged and sorted by address.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "diag/source.h"
#include "model/address.h"
#include "model/value.h"

namespace supctl::model {

struct Attribute {
  std::string name;
  diag::SourceRange key_range;
  Value value;
};

struct Resource {
  Address address;
  diag::SourceRange range;               ///< the table header (or first key) that declares it
  std::vector<Attribute> attributes;     ///< sorted by name; an attribute not written is absent

  const std::string& kind() const { return address.kind; }
  const std::string& name() const { return address.name; }
  const Attribute* find(std::string_view attribute) const;
  /// The attribute's value when written with the given type, else nullopt.
  std::optional<std::string_view> string(std::string_view attribute) const;
  std::optional<std::int64_t> integer(std::string_view attribute) const;
  std::optional<bool> boolean(std::string_view attribute) const;
  /// Where an attribute's value is, or the resource's header when it is not written.
  diag::SourceRange range_of(std::string_view attribute) const;
};

class Manifest {
 public:
  /// Takes resources in any order; they are kept sorted by address.
  explicit Manifest(std::vector<Resource> resources);
  Manifest() = default;

  const std::vector<Resource>& resources() const { return resources_; }
  const Resource* find(const Address& address) const;
  const Resource* find(std::string_view kind, std::string_view name) const;
  /// Every resource of one kind, in address order.
  std::span<const Resource> of_kind(std::string_view kind) const;

 private:
  std::vector<Resource> resources_;  ///< sorted by address, addresses unique
};

}  // namespace supctl::model
