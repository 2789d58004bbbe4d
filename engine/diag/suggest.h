#pragma once
/// "Did you mean" for a name that is close to a known one.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace supctl::diag {

/// Edit distance (insert, delete, substitute, adjacent swap), case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The closest candidate within a distance that grows with the name's length, or nothing.
/// Ties go to the candidate listed first.
std::optional<std::string> closest(std::string_view name, std::span<const std::string_view> candidates);
std::optional<std::string> closest(std::string_view name, std::span<const std::string> candidates);

/// "did you mean 'x'?" or an empty string.
std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates);
std::string did_you_mean(std::string_view name, std::span<const std::string> candidates);

}  // namespace supctl::diag
