#pragma once
/// The WSUS product catalog: real product categories and product families with their GUIDs.

#include <span>
#include <string>
#include <string_view>
#include <vector>

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

}  // namespace supctl::plugins::common
