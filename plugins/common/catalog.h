#pragma once
/// Fixed WSUS vocabularies that ConfigMgr shares: update classifications, languages, WSUS versions.

#include <optional>
#include <span>
#include <string_view>

#include "model/schema.h"

namespace supctl::plugins::common {

struct Classification {
  std::string_view title;  ///< English title, as the console shows it
  std::string_view guid;   ///< upper case, no braces
};

/// The sixteen WSUS update classifications (reference/domain.md section 3.2).
std::span<const Classification> classifications();
const Classification* classification_by_guid(std::string_view guid);

/// The 37 culture codes ConfigMgr accepts for update languages, as WSUS writes them.
std::span<const std::string_view> language_codes();

/// WSUS versions a SUP may run on, per ConfigMgr generation.
std::span<const std::string_view> wsus_versions_2007();
std::span<const std::string_view> wsus_versions_current_branch();

extern const model::Format kClassificationFormat;  ///< a title or a GUID; normalised to the GUID
extern const model::Format kLanguageFormat;
extern const model::Format kProductFormat;         ///< a product title or a glob

}  // namespace supctl::plugins::common
