#pragma once
/// Attribute maps: the desired, recorded and observed settings of one resource, as JSON values
/// keyed by attribute name. This is the form diffs, plans, state and operations share.

#include <map>
#include <optional>
#include <string>

#include "model/manifest.h"
#include "model/operation.h"
#include "model/schema.h"

namespace supctl::model {

using AttributeMap = std::map<std::string, Json, std::less<>>;  ///< sorted by name

/// A manifest value as JSON: strings, integers, booleans, arrays and tables as they are written.
Json to_json(const Value& value);

/// The attributes a resource writes, as JSON; `depends_on` and `allow_destroy` (engine
/// settings, not settings of the resource) are left out.
AttributeMap desired_attributes(const Resource& resource);

/// True when `name` is an engine setting rather than a setting of the resource itself.
bool is_meta_attribute(std::string_view name);

}  // namespace supctl::model
