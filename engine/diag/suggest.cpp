#include "diag/suggest.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace supctl::diag {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

template <typename T>
std::optional<std::string> closest_impl(std::string_view name, std::span<const T> candidates) {
  std::size_t limit = std::max<std::size_t>(1, std::min<std::size_t>(3, name.size() / 3));
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    std::string_view c(candidate);
    std::size_t distance = edit_distance(name, c);
    // A candidate that only differs in case, or contains the name whole, is always offered.
    bool contains = name.size() >= 4 && c.size() > name.size() &&
                    std::search(c.begin(), c.end(), name.begin(), name.end(),
                                [](char a, char b) { return lower(a) == lower(b); }) != c.end();
    if (contains) distance = std::min(distance, limit);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(c);
    }
  }
  return best;
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1])) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::optional<std::string> closest(std::string_view name, std::span<const std::string_view> candidates) {
  return closest_impl(name, candidates);
}

std::optional<std::string> closest(std::string_view name, std::span<const std::string> candidates) {
  return closest_impl(name, candidates);
}

std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates) {
  auto best = closest(name, candidates);
  return best ? "did you mean '" + *best + "'?" : std::string();
}

std::string did_you_mean(std::string_view name, std::span<const std::string> candidates) {
  auto best = closest(name, candidates);
  return best ? "did you mean '" + *best + "'?" : std::string();
}

}  // namespace supctl::diag
