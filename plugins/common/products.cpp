#include "plugins/common/products.h"

#include <algorithm>
#include <array>
#include <functional>
#include <iterator>
#include <optional>
#include <set>

#include "diag/suggest.h"
#include "model/text.h"

namespace supctl::plugins::common {
namespace {

/// One line of products_data.inc.
struct Row {
  std::string_view title;
  std::string_view guid;
  std::string_view kind;    ///< "product" or "family"
  std::string_view parent;  ///< the family's GUID, or empty
};

constexpr Row kRows[] = {
#include "products_data.inc"
};

constexpr bool is_guid_char(char c, bool upper_only) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (!upper_only && c >= 'a' && c <= 'f');
}

constexpr bool is_guid(std::string_view text, bool upper_only) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !is_guid_char(text[i], upper_only)) return false;
  }
  return true;
}

/// The table's own invariants, checked by the compiler; the tests check the cross-row ones.
constexpr bool rows_are_well_formed() {
  for (std::size_t i = 0; i < std::size(kRows); ++i) {
    const Row& r = kRows[i];
    if (r.title.empty() || (r.kind != "product" && r.kind != "family")) return false;
    if (!is_guid(r.guid, true) || (!r.parent.empty() && !is_guid(r.parent, true))) return false;
    if (r.kind == "family" && !r.parent.empty()) return false;
    if (i > 0) {
      const Row& prev = kRows[i - 1];
      if (prev.title > r.title || (prev.title == r.title && prev.guid >= r.guid)) return false;
    }
  }
  return true;
}
static_assert(rows_are_well_formed(), "products_data.inc: a row is malformed or out of order");

constexpr auto kProducts = [] {
  std::array<Product, std::size(kRows)> out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = Product{kRows[i].title, kRows[i].guid, kRows[i].kind == "family", kRows[i].parent};
  }
  return out;
}();

/// Names manifests use that WSUS does not (any more), each with the GUID of the category it means.
/// Suggestions point them at the current title; they never match by themselves.
struct FormerTitle {
  std::string_view title;
  std::string_view guid;
};
constexpr std::array<FormerTitle, 7> kFormerTitles{{
    // The LTSC releases are listed under their servicing names. 21H2: rin309's WSUS dump files
    // "...-WindowsServer2022-..." cumulative updates under it; 24H2: wsusscn2 parsers (products_data.inc).
    {"Windows Server 2022", "71718F13-7324-4B0F-8F9E-2CA9DC978E53"},
    {"Windows Server 2025", "B256987D-4693-4C87-955D-DBB9341205EB"},
    // Earlier titles of the same GUIDs (tranquilit/WAPT, varandas/ToolBox, rin309 dump).
    {"Windows Defender", "8C3FCC84-7410-4A95-8B89-A166A0190486"},
    {"Office 365 Client", "30EB551C-6288-4716-9A78-F300EC36D72B"},
    {"Forefront Endpoint Protection 2010", "A38C835C-2950-4E87-86CC-6911A52C34A3"},
    {"Windows 10 Dynamic Update", "E4B04398-ADBD-4B69-93B9-477322331CD3"},
    {"Windows 10 GDR-DU", "ABC45868-0C9C-4BC0-A36D-03D54113BAF4"},
}};

/// The GUID in upper case without braces, or nullopt when the text is not one.
std::optional<std::string> normalize_guid(std::string_view text) {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
  if (!is_guid(text, false)) return std::nullopt;
  return model::upper(text);
}

/// The index after the UTF-8 character that starts at `i`.
std::size_t next_char(std::string_view text, std::size_t i) {
  ++i;
  while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  return i;
}


const Product* find_guid(std::string_view upper_guid) {
  for (const Product& p : kProducts) {
    if (p.guid == upper_guid) return &p;
  }
  return nullptr;
}

}  // namespace

std::span<const Product> products() { return kProducts; }

const Product* product_by_guid(std::string_view guid) {
  std::optional<std::string> normalized = normalize_guid(guid);
  return normalized ? find_guid(*normalized) : nullptr;
}

const Product* family_of(const Product& product) {
  return product.parent_guid.empty() ? nullptr : find_guid(product.parent_guid);
}

std::vector<const Product*> match_products(std::string_view pattern) {
  std::vector<const Product*> out;
  if (std::optional<std::string> guid = normalize_guid(pattern)) {
    if (const Product* p = find_guid(*guid)) out.push_back(p);
    return out;
  }
  for (const Product& p : kProducts) {
    if (p.family ? model::iequals(pattern, p.title) : glob_match(pattern, p.title)) out.push_back(&p);
  }
  return out;
}

std::string suggest_product(std::string_view pattern) {
  const std::size_t wildcard = pattern.find_first_of("*?");
  const bool trailing_star =
      wildcard != std::string_view::npos && wildcard + 1 == pattern.size() && pattern.back() == '*';
  if (wildcard != std::string_view::npos && !trailing_star) return {};
  const std::size_t literal = trailing_star ? pattern.size() - 1 : pattern.size();
  if (literal == 0) return {};

  // Candidates in catalog order (closest() gives ties to the first), each with the current title
  // it stands for when it is a former title.
  std::vector<std::string> names;
  std::vector<std::string_view> renamed_to;
  std::set<std::string, std::less<>> seen;
  auto add = [&](std::string name, std::string_view current) {
    if (!seen.insert(name).second) return;
    names.push_back(std::move(name));
    renamed_to.push_back(current);
  };
  for (const Product& p : kProducts) {
    if (!trailing_star) {
      add(std::string(p.title), {});
    } else if (!p.family) {  // a glob only selects products; offer globs that select some
      for (std::size_t n : {literal, literal + 1, literal - 1}) {
        if (n > 0 && n <= p.title.size()) add(std::string(p.title.substr(0, n)) + "*", {});
      }
    }
  }
  for (const FormerTitle& f : kFormerTitles) {
    add(std::string(f.title) + (trailing_star ? "*" : ""), find_guid(f.guid)->title);
  }

  std::optional<std::string> best = diag::closest(pattern, std::span<const std::string>(names));
  if (!best) return {};
  std::size_t i = 0;
  while (names[i] != *best) ++i;
  // The wording every other suggestion uses.
  if (renamed_to[i].empty()) return diag::did_you_mean(pattern, std::span<const std::string>(&names[i], 1));
  std::string former = trailing_star ? best->substr(0, best->size() - 1) : *best;
  return "did you mean '" + std::string(renamed_to[i]) + "', the WSUS title for '" + former + "'?";
}


bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, resume = 0;  // the last '*' and where its run ends
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == '?') {
      ++p;
      t = next_char(text, t);
    } else if (p < pattern.size() && model::ascii_lower(pattern[p]) == model::ascii_lower(text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      resume = next_char(text, resume);
      t = resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<ProductPattern> product_patterns(const model::Json& written, const model::Value* value) {
  std::vector<ProductPattern> out;
  auto add = [&](const model::Json& items, const model::Value* values, bool excluded) {
    if (!items.is_array()) return;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) continue;
      ProductPattern pattern{items[i].get<std::string>(), excluded, std::nullopt};
      if (values && values->is_array() && i < values->as_array().size()) pattern.range = values->as_array()[i].range();
      out.push_back(std::move(pattern));
    }
  };
  if (written.is_array()) {
    add(written, value, false);
  } else if (written.is_object()) {
    for (std::string_view part : {"include", "exclude"}) {
      if (!written.contains(part)) continue;
      const model::Field* field = value && value->is_table() ? value->field(part) : nullptr;
      add(written[std::string(part)], field ? &field->value : nullptr, part == "exclude");
    }
  }
  return out;
}

bool ProductSelection::holds(const std::set<std::string>& subscribed) const {
  if (exact) return subscribed == wanted;
  return std::includes(subscribed.begin(), subscribed.end(), wanted.begin(), wanted.end()) &&
         std::none_of(unwanted.begin(), unwanted.end(), [&](const std::string& id) { return subscribed.contains(id); });
}

std::vector<std::string> catalog_ids(std::string_view pattern) {
  std::vector<std::string> ids;
  for (const Product* p : match_products(pattern)) ids.emplace_back(p->guid);
  return ids;
}

ProductSelection select_products(std::span<const ProductPattern> patterns, bool exact, const ProductMatcher& ids_of) {
  ProductSelection selection;
  selection.exact = exact;
  std::set<std::string> included;
  for (const ProductPattern& pattern : patterns) {
    std::vector<std::string> ids = ids_of(pattern.text);
    if (ids.empty()) selection.unknown.push_back(&pattern);
    (pattern.excluded ? selection.unwanted : included).insert(ids.begin(), ids.end());
  }
  std::set_difference(included.begin(), included.end(), selection.unwanted.begin(), selection.unwanted.end(),
                      std::inserter(selection.wanted, selection.wanted.end()));
  return selection;
}

}  // namespace supctl::plugins::common
