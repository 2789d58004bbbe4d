#pragma once
/// Attribute maps: the desired, recorded and observed settings of one resource, as JSON values
/// keyed by attribute name. This is the form diffs, plans, state and operations share.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/manifest.h"
#include "model/json.h"
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

/// The string value of an attribute, or nullopt when the map is null, lacks it, or holds another type.
std::optional<std::string> string_attribute(const AttributeMap* attributes, std::string_view name);

/// True for a secret reference, {"env": NAME} or {"file": PATH}: where a secret lives, not the secret.
bool is_secret_reference(const Json& value);

/// `value` with every secret in it shown as "(sensitive)": the value of a secret-like key
/// (diag::looks_sensitive) unless it is a reference, at any depth of tables and arrays.
Json redact_secrets(std::string_view key, const Json& value);

/// What a resource's references name, captured from the manifest at plan time so that apply and
/// verify, which have no manifest, still know it: for each reference attribute that resolves,
/// `{attribute: {"kind", "name", "attributes": {...}, "secrets": [...], "references": {...}}}`,
/// where `attributes` are the referenced resource's desired attributes (secrets stay references),
/// `secrets` names those of them that are secrets (present only when there are some), and
/// `references` resolve its own references in turn (a proxy's account). Unresolved references are
/// left out.
using SchemaLookup = std::function<const KindSchema*(std::string_view kind)>;
Json resolve_references(const Resource& resource, const Manifest& manifest, const SchemaLookup& schema_of);

/// A secret that a resource's apply sends to its host: `name` is its own secret attribute
/// ("password"), or the path to one sent through references ("proxy.account.password");
/// `reference` is where the secret lives ({"env"|"file": ...}), pointing into the arguments.
struct SentSecret {
  std::string name;
  const Json* reference = nullptr;
};
/// Every secret a resource's apply sends: its own secret attributes that `desired` writes, then
/// those of what its passes_secrets references name, at any depth (`references` as
/// resolve_references made them). The planner fingerprints each of them, so that a rotated
/// proxy account password updates the WSUS server that is sent it.
std::vector<SentSecret> secrets_sent(const KindSchema& schema, const AttributeMap& desired, const Json& references);
/// The reference of the sent secret `name` (a SentSecret's name), found again in the same
/// arguments without the schema (a saved plan's check); nullptr when it is not there.
const Json* sent_secret(const AttributeMap& desired, const Json& references, std::string_view name);

/// The attribute a diff entry changes: `name` up to its first '.' ("proxy" for the secret
/// "proxy.account.password" that a reference passes), `name` itself otherwise.
std::string_view attribute_root(std::string_view name);

/// The attributes of the resource that a reference attribute resolved to, or nullptr.
const Json* referenced(const Json* references, std::string_view attribute);
/// One attribute of a referenced resource as a string, e.g. ("proxy", "server"), or nullopt.
std::optional<std::string> referenced_string(const Json* references, std::string_view attribute, std::string_view field);

/// The manifest's name for what the reference `attribute` resolved to, when that resource's `field`
/// is `seen` (without case: servers report DOMAIN\user and host names as they like); otherwise
/// `seen` itself. Lets observe show an account a server reports by the name the manifest uses.
Json as_reference(const Json& seen, const Json* references, std::string_view attribute, std::string_view field);

}  // namespace supctl::model
