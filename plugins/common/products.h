#pragma once
/// The WSUS product catalog: real product categories and product families with their GUIDs.

#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "diag/source.h"
#include "model/manifest.h"
#include "plugin/operation.h"

namespace supctl::plugins::common {

/// One WSUS update category of type Product or ProductFamily, as GetUpdateCategories() reports it.
/// The same GUID is ConfigMgr's CategoryInstance_UniqueID "Product:<guid>" (or "ProductFamily:<guid>").
struct Product {
  std::string_view title;        ///< English title; not unique: WSUS has several pairs of equal titles
  std::string_view guid;         ///< UpdateCategory.Id, upper case, no braces; unique in the catalog
  bool family;                   ///< a ProductFamily ("Windows", "Office"), not a Product
  std::string_view parent_guid;  ///< the product's family; empty for families and when no source gave one
};

/// Every category in the catalog (products_data.inc names its sources), sorted by title in byte
/// order, then by GUID.
std::span<const Product> products();

/// The entry with that GUID, compared case-insensitively; surrounding braces are tolerated.
/// nullptr when the text is not a GUID or no entry has it.
const Product* product_by_guid(std::string_view guid);

/// The family a product belongs to, or nullptr (a family, or a product whose family is not known).
const Product* family_of(const Product& product);

/// The entries a manifest pattern selects, in catalog order:
///  - a GUID (braces tolerated, any case) selects the entry with that GUID, product or family;
///  - otherwise the pattern is matched against titles, case-insensitively, where '*' matches any run
///    of characters and '?' exactly one. Only products match this way: a family is selected only
///    when the pattern equals its title exactly (case aside), so "Windows*" selects Windows 10,
///    Windows 11 and so on but never the "Windows" family, while "Windows" selects the family.
///    A title shared by a product and a family ("Windows Admin Center") selects both.
/// Empty when nothing matches.
std::vector<const Product*> match_products(std::string_view pattern);

/// "did you mean '...'?" for a pattern that matches nothing, or an empty string. Besides current
/// titles it knows a few names WSUS no longer uses or never used ("Windows Server 2022", "Office
/// 365 Client") and points them at the current title. A glob is only helped when its one wildcard
/// is a trailing '*' ("Windows Sever*" -> 'Windows Server*').
std::string suggest_product(std::string_view pattern);

/// Case-insensitive glob as PowerShell's -like: '*' any run of characters, '?' one (UTF-8)
/// character, everything else literal.
bool glob_match(std::string_view pattern, std::string_view text);

// ---- A manifest's `products` resolved against a catalog (supctl's, or one a server reports).

/// One pattern of a `products` value.
struct ProductPattern {
  std::string text;
  bool excluded = false;                   ///< written in `exclude`
  std::optional<diag::SourceRange> range;  ///< the item in the manifest; nullopt when read back after apply
};

/// The patterns of a products value (an array, or {include, exclude}); `value` is the manifest's
/// own, for the items' source ranges, or null.
std::vector<ProductPattern> product_patterns(const model::Json& written, const model::Value* value);

/// What a products value selects in one catalog, as GUIDs.
struct ProductSelection {
  bool exact = true;                           ///< an array: the subscription is exactly `wanted`
  std::set<std::string> wanted;                ///< for {include, exclude}: what include selects and exclude does not
  std::set<std::string> unwanted;              ///< what exclude selects
  std::vector<const ProductPattern*> unknown;  ///< patterns that select nothing

  /// True when a subscription (GUIDs) is what the manifest asks for.
  bool holds(const std::set<std::string>& subscribed) const;
};

/// The GUIDs a pattern selects in some catalog.
using ProductMatcher = std::function<std::vector<std::string>(std::string_view pattern)>;
/// Matches against supctl's own catalog (match_products).
std::vector<std::string> catalog_ids(std::string_view pattern);

/// Include adds, then exclude removes, as WSUS and ConfigMgr apply them: include = ["Windows
/// Server*"], exclude = ["Windows Server 2019"] asks for every other Windows Server product.
/// `patterns` must outlive the result (`unknown` points into it).
ProductSelection select_products(std::span<const ProductPattern> patterns, bool exact, const ProductMatcher& ids_of);

}  // namespace supctl::plugins::common
