#pragma once
/// What each kind of resource may declare: its attributes, their types, ranges and formats.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/json.h"

namespace supctl::model {

/// Why a string does not have the expected format, and where in it.
struct FormatError {
  std::string message;      ///< lowercase, e.g. "expected a day of the week, found 'sundy'"
  std::size_t offset = 0;   ///< byte offset into the string where the problem starts
  std::string help;         ///< e.g. "did you mean 'sunday'?"; may be empty
};

/// A string format: an ECMAScript pattern that the JSON Schema uses, and the engine's own check,
/// which may also normalise (a classification title becomes its GUID).
struct Format {
  std::string_view name;         ///< a noun for messages: "'x' is not a valid host name"
  std::string_view description;  ///< e.g. "a fully qualified domain name such as 'wsus01.contoso.com'"
  /// JSON Schema keywords for a string of this format, as a JSON object text; "{}" when the
  /// schema cannot decide it (then the engine's diagnostic uses the code in `engine_code`).
  std::string_view json;
  /// Returns nullopt when valid; may write the normalised value to `*normalized`.
  std::optional<FormatError> (*check)(std::string_view text, std::string* normalized) = nullptr;
  /// The diagnostic code for a value this format rejects: "invalid-value" when the JSON Schema
  /// decides the same, otherwise a code of its own (e.g. "invalid-schedule").
  std::string_view code = "invalid-value";
  /// Values that differ only in case are the same setting (host names, Windows paths, accounts).
  bool ignore_case = false;
};

enum class AttrType {
  kString,        ///< a string, optionally of a `Format`
  kInteger,       ///< within [min, max]
  kBoolean,
  kEnum,          ///< one of `enum_values`
  kReference,     ///< the name of a resource of kind `ref_kind`
  kMachine,       ///< the name of a machine the manifests know (a host, site system or site server)
  kSecret,        ///< `{ env = "VAR" }` or `{ file = "PATH" }`; never a plaintext string
  kStringList,    ///< an ordered array of strings of `format`
  kStringSet,     ///< an exact set `[..]`, or `{ include = [..], exclude = [..] }`
  kAddressList,   ///< resource addresses, for `depends_on`
  kTable,         ///< an inline table with its own `fields`
  kRegistryData,  ///< string, integer or array of either; the kind's rules check it against `type`
};

struct AttributeSchema {
  std::string_view name;
  AttrType type = AttrType::kString;
  std::string_view description;
  bool required = false;
  std::vector<std::string_view> enum_values;  ///< kEnum only
  std::optional<std::int64_t> min;            ///< kInteger only
  std::optional<std::int64_t> max;            ///< kInteger only
  std::string_view ref_kind;                  ///< kReference only
  const Format* format = nullptr;             ///< kString, kStringList, kStringSet elements
  std::vector<AttributeSchema> fields;        ///< kTable only
  bool defines_machine = false;               ///< its string value names a machine (a site's server)
  bool replace_on_change = false;             ///< a new value needs the resource removed and created again
  /// kReference only: apply sends the secrets of what it names to the host (WSUS keeps its proxy's
  /// password itself), so a rotated secret there changes this resource too (model::secrets_sent).
  bool passes_secrets = false;
  /// kSecret only: false for a secret of supctl's own (hierarchy.state_key), which is never sent
  /// to a host, fingerprinted or diffed (model::secrets_sent leaves it out).
  bool sent = true;
};

struct KindSchema {
  std::string_view kind;
  std::string_view plugin;       ///< the plugin that owns the kind
  std::string_view description;
  bool singleton = false;        ///< written `[kind]`, not `[kind.NAME]` (the hierarchy)
  bool names_machine = false;    ///< a resource's name is a machine's FQDN
  const Format* name_format = nullptr;
  bool read_only = false;              ///< exists already: read and checked, never created or deleted (a site)
  bool deletable = true;               ///< false: leaving the manifests forgets it instead (a service)
  bool destroy_needs_consent = false;  ///< deleting needs --allow-destroy or allow_destroy = true
  std::vector<AttributeSchema> attributes;
  /// Extra JSON Schema keywords for one resource (e.g. if/then between attributes), JSON object text.
  std::string_view json_extra = "{}";

  const AttributeSchema* attribute(std::string_view name) const;
};

/// Whether `settings` (a resource's attributes as JSON, such as a host target a saved plan
/// carries) fits `attributes`: every key declared, every value of its type, enum and range, tables
/// checked field by field, secrets only as references. The first misfit as "PATH.KEY: what is
/// wrong", never showing a value; nullopt when it fits.
std::optional<std::string> misfit(std::span<const AttributeSchema> attributes, const Json& settings,
                                  std::string_view path);

/// Shorthands for the attributes most kinds declare.
namespace attr {
AttributeSchema depends_on();
AttributeSchema boolean(std::string_view name, std::string_view description);
AttributeSchema reference(std::string_view name, std::string_view kind, std::string_view description, bool required = false);
AttributeSchema integer(std::string_view name, std::int64_t min, std::int64_t max, std::string_view description);
AttributeSchema set_of(std::string_view name, const Format& format, std::string_view description);
}  // namespace attr

}  // namespace supctl::model
