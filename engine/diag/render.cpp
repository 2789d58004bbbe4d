#include "diag/render.h"

#include "diag/redact.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

namespace supctl::diag {
namespace {

using nlohmann::ordered_json;

constexpr std::string_view kRed = "\x1b[1;31m";
constexpr std::string_view kYellow = "\x1b[1;33m";
constexpr std::string_view kCyan = "\x1b[1;36m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kReset = "\x1b[0m";

class Painter {
 public:
  explicit Painter(bool color) : color_(color) {}
  std::string operator()(std::string_view ansi, std::string_view text) const {
    return color_ ? fmt::format("{}{}{}", ansi, text, kReset) : std::string(text);
  }

 private:
  bool color_;
};

std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string location_text(const SourceRange& range, const SourceSet& sources) {
  const SourceFile* file = sources.file(range.file);
  std::string name = file ? file->name() : std::string("<unknown>");
  if (range.begin.line == 0) return name;
  return fmt::format("{}:{}:{}", name, range.begin.line, range.begin.column);
}

// The "  --> file:line:col" line, then the source line with a caret under the range.
void render_snippet(std::string& out, const SourceRange& range, const SourceSet& sources,
                    const Painter& paint) {
  out += fmt::format("  {} {}\n", paint(kCyan, "-->"), location_text(range, sources));
  const SourceFile* file = sources.file(range.file);
  if (!file || range.begin.line == 0 || range.begin.line > file->line_count()) return;
  // The line as printed: values of secret-like keys masked, columns moved to match.
  MaskedLine masked = mask_secrets(file->line(range.begin.line));
  std::string_view line = masked.text;
  std::string number = std::to_string(range.begin.line);
  std::string gutter(number.size(), ' ');
  std::size_t line_width = code_points(line);
  std::size_t first = masked.map_column(range.begin.column > 0 ? range.begin.column - 1 : 0);
  std::size_t last = range.end.line == range.begin.line && range.end.column > range.begin.column
                         ? masked.map_column(range.end.column - 1)
                         : std::max(line_width, first + 1);
  last = std::max(last, first + 1);
  // Tabs stay tabs under the caret so that the caret lines up in any terminal.
  std::string pad;
  std::size_t index = 0;
  for (std::size_t i = 0; i < line.size() && index < first; ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) == 0x80) continue;
    pad += c == '\t' ? '\t' : ' ';
    ++index;
  }
  pad.append(first > index ? first - index : 0, ' ');
  out += fmt::format(" {} {}\n", gutter, paint(kCyan, "|"));
  out += fmt::format(" {} {} {}\n", paint(kCyan, number), paint(kCyan, "|"), line);
  out += fmt::format(" {} {} {}{}\n", gutter, paint(kCyan, "|"), pad,
                     paint(kRed, std::string(last - first, '^')));
}

ordered_json position_json(const SourcePos& pos) {
  return ordered_json{{"line", pos.line}, {"column", pos.column}, {"byte", pos.byte}};
}

ordered_json range_json(const std::optional<SourceRange>& range, const SourceSet& sources) {
  if (!range) return nullptr;
  const SourceFile* file = sources.file(range->file);
  ordered_json json{{"filename", file ? file->name() : ""}};
  if (range->begin.line > 0) {
    json["start"] = position_json(range->begin);
    json["end"] = position_json(range->end);
  }
  return json;
}

// A relative path as a SARIF artifact URI: forward slashes, reserved characters escaped.
std::string to_uri(std::string_view path) {
  std::string uri;
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || std::string_view("-._~/").find(c) != std::string_view::npos) {
      uri += c;
    } else if (c == '\\') {
      uri += '/';
    } else {
      uri += fmt::format("%{:02X}", u);
    }
  }
  return uri;
}

ordered_json sarif_location(const SourceRange& range, const SourceSet& sources) {
  const SourceFile* file = sources.file(range.file);
  ordered_json physical{{"artifactLocation", {{"uri", to_uri(file ? file->name() : "")}}}};
  if (range.begin.line > 0) {
    ordered_json region{{"startLine", range.begin.line}, {"startColumn", range.begin.column}};
    if (range.end.line >= range.begin.line && range.end.column > 0) {
      region["endLine"] = range.end.line;
      region["endColumn"] = range.end.column;
    }
    physical["region"] = region;
  }
  return ordered_json{{"physicalLocation", physical}};
}

std::string full_message(const Diagnostic& d) {
  std::string text = d.summary;
  if (!d.detail.empty()) text += "\n" + d.detail;
  if (!d.key_path.empty()) text += "\nat " + d.key_path;
  if (!d.help.empty()) text += "\nhelp: " + d.help;
  return text;
}

}  // namespace

std::string render_text(const Diagnostics& diagnostics, const SourceSet& sources, TextStyle style) {
  Painter paint(style.color);
  std::string out;
  for (const Diagnostic& d : diagnostics.all()) {
    bool error = d.severity == Severity::kError;
    out += fmt::format("{}{}\n", paint(error ? kRed : kYellow, fmt::format("{}[{}]", severity_name(d.severity), d.code)),
                       paint(kBold, ": " + d.summary));
    if (d.range) render_snippet(out, *d.range, sources, paint);
    std::string pipe_pad(d.range && d.range->begin.line > 0 ? std::to_string(d.range->begin.line).size() : 1, ' ');
    if (!d.key_path.empty()) out += fmt::format(" {} = at: {}\n", pipe_pad, d.key_path);
    if (!d.detail.empty()) {
      std::string_view rest(d.detail);
      while (!rest.empty()) {
        auto nl = rest.find('\n');
        out += fmt::format(" {} = {}\n", pipe_pad, rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      }
    }
    if (!d.help.empty()) out += fmt::format(" {} = {} {}\n", pipe_pad, paint(kCyan, "help:"), d.help);
    for (const Note& note : d.notes) {
      out += fmt::format("{}: {}\n", paint(kCyan, "note"), note.message);
      if (note.range) render_snippet(out, *note.range, sources, paint);
    }
    out += '\n';
  }
  return out;
}

std::string render_json(const Diagnostics& diagnostics, const SourceSet& sources) {
  ordered_json list = ordered_json::array();
  for (const Diagnostic& d : diagnostics.all()) {
    ordered_json notes = ordered_json::array();
    for (const Note& note : d.notes) {
      notes.push_back({{"message", note.message}, {"range", range_json(note.range, sources)}});
    }
    list.push_back({{"severity", severity_name(d.severity)},
                    {"code", d.code},
                    {"summary", d.summary},
                    {"detail", d.detail},
                    {"address", d.address},
                    {"key_path", d.key_path},
                    {"help", d.help},
                    {"range", range_json(d.range, sources)},
                    {"notes", notes}});
  }
  ordered_json doc{{"format_version", "1.0"},
                   {"valid", !diagnostics.has_errors()},
                   {"error_count", diagnostics.error_count()},
                   {"warning_count", diagnostics.warning_count()},
                   {"diagnostics", list}};
  return doc.dump(2) + "\n";
}

std::string render_sarif(const Diagnostics& diagnostics, const SourceSet& sources,
                         std::span<const RuleInfo> rules, std::string_view tool_version,
                         std::string_view fallback_path) {
  std::map<std::string, std::string, std::less<>> descriptions;
  for (const RuleInfo& rule : rules) descriptions.emplace(std::string(rule.code), std::string(rule.description));
  for (const Diagnostic& d : diagnostics.all()) descriptions.try_emplace(d.code, d.summary);

  ordered_json rule_list = ordered_json::array();
  std::map<std::string, std::size_t, std::less<>> index;
  for (const auto& [code, description] : descriptions) {
    index[code] = rule_list.size();
    rule_list.push_back({{"id", code}, {"shortDescription", {{"text", description}}}});
  }

  ordered_json results = ordered_json::array();
  for (const Diagnostic& d : diagnostics.all()) {
    ordered_json result{{"ruleId", d.code},
                        {"ruleIndex", index[d.code]},
                        {"level", d.severity == Severity::kError ? "error" : "warning"},
                        {"message", {{"text", full_message(d)}}}};
    result["locations"] = ordered_json::array(
        {d.range ? sarif_location(*d.range, sources)
                 : ordered_json{{"physicalLocation", {{"artifactLocation", {{"uri", to_uri(fallback_path)}}}}}}});
    ordered_json related = ordered_json::array();
    for (std::size_t i = 0; i < d.notes.size(); ++i) {
      if (!d.notes[i].range) continue;
      ordered_json location = sarif_location(*d.notes[i].range, sources);
      location["id"] = i + 1;
      location["message"] = {{"text", d.notes[i].message}};
      related.push_back(location);
    }
    if (!related.empty()) result["relatedLocations"] = related;
    results.push_back(result);
  }

  ordered_json driver{{"name", "supctl"},
                      {"semanticVersion", tool_version},
                      {"rules", rule_list}};
  ordered_json doc{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                   {"version", "2.1.0"},
                   {"runs", ordered_json::array({{{"tool", {{"driver", driver}}},
                                                   {"columnKind", "unicodeCodePoints"},
                                                   {"results", results}}})}};
  return doc.dump(2) + "\n";
}

}  // namespace supctl::diag
