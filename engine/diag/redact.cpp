#include "diag/redact.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace supctl::diag {
namespace {

constexpr std::string_view kMask = "(sensitive)";

bool key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }
bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

bool looks_sensitive(std::string_view key) {
  // Words of the key (split at '_', '-', '.' and lower-to-upper case changes) that start with one
  // of these. "pasw" catches the misspelling "pasword", which would otherwise be printed in full;
  // whole words keep "bypass" or "compass" out.
  static constexpr std::array<std::string_view, 6> kStems{"pass", "pasw", "pwd", "secret", "token", "credential"};
  std::vector<std::string> words(1);
  for (std::size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool separator = c == '_' || c == '-' || c == '.' || c == ' ';
    bool camel = i > 0 && std::isupper(static_cast<unsigned char>(c)) && std::islower(static_cast<unsigned char>(key[i - 1]));
    if ((separator || camel) && !words.back().empty()) words.emplace_back();
    if (!separator) words.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (const std::string& word : words) {
    for (std::string_view stem : kStems) {
      if (word.starts_with(stem)) return true;
    }
  }
  return false;
}

std::size_t MaskedLine::map_column(std::size_t column) const {
  std::size_t shift = 0;
  for (const Replacement& r : replacements) {
    if (column >= r.end) {
      shift += r.length;
      shift -= r.end - r.begin;
    } else if (column > r.begin) {
      return r.begin + shift + r.length;
    }
  }
  return column + shift;
}

MaskedLine mask_secrets(std::string_view line) {
  MaskedLine out;
  std::size_t i = 0, column = 0;
  auto copy = [&](std::size_t to) {
    while (i < to) {
      if (!continuation(line[i])) ++column;
      out.text += line[i++];
    }
  };
  while (i < line.size()) {
    // A bare or quoted key, then '=' and a value.
    std::size_t key_begin = i;
    std::size_t key_end = i;
    if (line[i] == '"' || line[i] == '\'') {
      std::size_t close = line.find(line[i], i + 1);
      if (close == std::string_view::npos) break;
      key_end = close + 1;
    } else {
      while (key_end < line.size() && key_char(line[key_end])) ++key_end;
      if (key_end == i) {
        copy(i + 1);
        continue;
      }
    }
    std::size_t eq = key_end;
    while (eq < line.size() && line[eq] == ' ') ++eq;
    if (eq >= line.size() || line[eq] != '=' || !looks_sensitive(line.substr(key_begin, key_end - key_begin))) {
      copy(key_end);
      continue;
    }
    std::size_t value = eq + 1;
    while (value < line.size() && line[value] == ' ') ++value;
    std::size_t value_end = value;
    if (value < line.size() && (line[value] == '"' || line[value] == '\'')) {
      std::size_t close = line.find(line[value], value + 1);
      value_end = close == std::string_view::npos ? line.size() : close + 1;
    } else if (value < line.size() && line[value] == '{') {
      value_end = value;  // an inline table such as { env = "X" } names a source, not a secret
    } else {
      while (value_end < line.size() && line[value_end] != ',' && line[value_end] != '}' && line[value_end] != ' ' &&
             line[value_end] != '#') {
        ++value_end;
      }
    }
    copy(value);
    if (value_end > value) {
      std::size_t width = 0;
      for (std::size_t k = value; k < value_end; ++k) width += !continuation(line[k]);
      out.replacements.push_back({column, column + width, kMask.size()});
      out.text += kMask;
      column += width;
      i = value_end;
    }
  }
  copy(line.size());
  return out;
}

}  // namespace supctl::diag
