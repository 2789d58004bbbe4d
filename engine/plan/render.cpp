#include "plan/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <vector>

#include "diag/redact.h"

namespace supctl::plan {
namespace {

constexpr std::string_view kMask = "(sensitive)";
constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kYellow = "\x1b[33m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kCyan = "\x1b[36m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kConsent = "needs --allow-destroy or allow_destroy = true";

class Painter {
 public:
  explicit Painter(bool color) : color_(color) {}
  std::string operator()(std::string_view ansi, std::string_view text) const {
    if (!color_ || ansi.empty()) return std::string(text);
    return fmt::format("{}{}{}", ansi, text, kReset);
  }

 private:
  bool color_;
};

std::string_view symbol(Action action) {
  switch (action) {
    case Action::kCreate:
      return "+";
    case Action::kUpdate:
      return "~";
    case Action::kDelete:
      return "-";
    case Action::kReplace:
      return "-/+";
    case Action::kRead:
      return "<=";
    case Action::kForget:
      return ".";
    case Action::kNoOp:
      return " ";
  }
  return " ";
}

std::string_view symbol_color(std::string_view sym) {
  if (sym == "+") return kGreen;
  if (sym == "~") return kYellow;
  if (sym == "-" || sym == "-/+") return kRed;
  if (sym == "<=") return kCyan;
  return {};
}

std::string_view outcome(Action action) {
  switch (action) {
    case Action::kCreate:
      return "will be created";
    case Action::kUpdate:
      return "will be updated in place";
    case Action::kDelete:
      return "will be destroyed";
    case Action::kReplace:
      return "will be replaced";
    case Action::kForget:
      return "will be forgotten (the host keeps it)";
    case Action::kRead:
      return "will be read";
    case Action::kNoOp:
      return "has no changes";
  }
  return "has no changes";
}

std::string compact(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

/// True when a value is shown as "(sensitive)": a secret, or a secret-like name that does not hold a reference.
bool masked(const AttributeDiff& a, const Json& value) {
  return a.sensitive || (diag::looks_sensitive(a.name) && !model::is_secret_reference(value));
}

/// An attribute value as shown: compact JSON, or "(sensitive)".
std::string value_text(const AttributeDiff& a, const Json& value) {
  if (masked(a, value)) return std::string(kMask);
  return compact(model::redact_secrets(a.name, value));
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

std::string plural(int n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string with_commas(std::size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string summary_line(const Summary& s) {
  return fmt::format("Plan: {} to add, {} to change, {} to destroy.", s.add, s.change, s.destroy);
}

std::string forget_line(const Summary& s) {
  return fmt::format("{} to forget (removed from state; the hosts keep them).", s.forget);
}

constexpr std::string_view kNoChanges = "No changes. The hosts match the manifests.";
constexpr std::string_view kNoDrift = "No drift. The hosts match what supctl last applied.";

std::string drift_sentence(std::size_t n) {
  return fmt::format("Drift: {} changed outside supctl.", plural(static_cast<int>(n), "resource", "resources"));
}

std::string with_host(std::string text, const std::string& host) {
  if (!host.empty()) text += fmt::format(" on {}", host);
  return text;
}

std::vector<const Change*> shown_changes(const Plan& plan) {
  std::vector<const Change*> out;
  if (plan.refresh_only) return out;
  for (const Change& c : plan.changes) {
    if (c.action != Action::kNoOp) out.push_back(&c);
  }
  return out;
}

bool needs_consent(const Change& c) { return c.destructive() && c.destroy_needs_consent && !c.allow_destroy; }

// ---- text ----

void text_attribute(std::string& out, const Change& c, const AttributeDiff& a, const Painter& paint) {
  switch (c.action) {
    case Action::kUpdate:
    case Action::kReplace:
    case Action::kNoOp:
      out += fmt::format("      {} {} = {} -> {}\n", paint(kYellow, "~"), a.name, value_text(a, a.before),
                         value_text(a, a.after));
      return;
    case Action::kCreate:
    case Action::kRead:
      out += fmt::format("      {} {} = {}\n", paint(symbol_color(symbol(c.action)), symbol(c.action)), a.name,
                         value_text(a, a.after));
      return;
    case Action::kDelete:
    case Action::kForget:
      out += fmt::format("      {} {} = {}\n", paint(symbol_color(symbol(c.action)), symbol(c.action)), a.name,
                         value_text(a, a.before));
      return;
  }
}

void text_change(std::string& out, const Change& c, const Painter& paint) {
  std::string address = c.address.str();
  std::string comment = fmt::format("  # {} {}", address, outcome(c.action));
  if (c.reason != Reason::kNone) comment += fmt::format(" ({})", reason_name(c.reason));
  comment = with_host(std::move(comment), c.host);
  for (const std::string& other : c.also_on) comment += fmt::format(" and {}", other);
  out += comment + "\n";
  if (!c.note.empty()) out += fmt::format("  # {}\n", c.note);
  if (needs_consent(c)) out += fmt::format("  # ! {}\n", kConsent);
  std::string_view sym = symbol(c.action);
  out += fmt::format("  {} {} {{\n", paint(symbol_color(sym), sym), address);
  for (const AttributeDiff& a : c.attributes) text_attribute(out, c, a, paint);
  out += "    }\n";
}

// ---- markdown ----

// A code span that holds `text` whatever backticks it contains, on one line.
std::string md_code(std::string_view text) {
  std::string flat(text);
  for (char& ch : flat) {
    if (ch == '\n' || ch == '\r') ch = ' ';
  }
  std::size_t longest = 0, run = 0;
  for (char ch : flat) {
    run = ch == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(longest + 1, '`');
  bool pad = !flat.empty() && (flat.front() == '`' || flat.back() == '`');
  return pad ? fence + " " + flat + " " + fence : fence + flat + fence;
}

// Plain text with Markdown's punctuation escaped, on one line.
std::string md_text(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\n' || ch == '\r') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>|#~!&").find(ch) != std::string_view::npos) out += '\\';
    out += ch;
  }
  return out;
}

// A table cell: GitHub splits cells before reading code spans, so every '|' is escaped.
std::string md_cell(std::string_view markdown) {
  std::string out;
  for (char ch : markdown) {
    if (ch == '|') out += '\\';
    out += ch;
  }
  return out;
}

std::string md_value(const AttributeDiff& a, const Json& value) {
  if (masked(a, value)) return "*(sensitive)*";
  if (value.is_null()) return "";
  return md_cell(md_code(value_text(a, value)));
}

std::string md_row(std::initializer_list<std::string_view> cells) {
  std::string out = "|";
  for (std::string_view cell : cells) out += fmt::format(" {} |", cell);
  return out + "\n";
}

std::string md_change(const Change& c) {
  std::string out = fmt::format("#### {} {} — {}", symbol(c.action), md_code(c.address.str()), action_name(c.action));
  if (c.reason != Reason::kNone) out += fmt::format(" ({})", reason_name(c.reason));
  if (!c.host.empty()) out += fmt::format(" on {}", md_code(c.host));
  for (const std::string& other : c.also_on) out += fmt::format(" and {}", md_code(other));
  out += "\n\n";
  if (!c.note.empty()) out += md_text(c.note) + "\n\n";
  if (needs_consent(c)) out += "**Needs `--allow-destroy` or `allow_destroy = true`.**\n\n";
  if (!c.attributes.empty()) {
    out += "| attribute | before | after |\n|---|---|---|\n";
    for (const AttributeDiff& a : c.attributes) {
      out += md_row({md_cell(md_code(a.name)), md_value(a, a.before), md_value(a, a.after)});
    }
    out += "\n";
  }
  return out;
}

std::string limit_note(std::size_t n, std::string_view one, std::string_view many, std::size_t max_chars) {
  return fmt::format("_{} {} not shown (the comment limit is {} characters); run `supctl plan` for the whole plan._", n,
                     n == 1 ? one : many, with_commas(max_chars));
}

// The parts of the comment; `assemble` keeps the first b banner entries, d drift rows and c changes.
struct MarkdownParts {
  std::string head;  ///< heading, partial-plan note, banner opening
  std::vector<std::string> banner;
  bool has_banner = false;
  std::string summary;
  std::vector<std::string> drift_rows;
  std::vector<std::string> changes;
  std::size_t max_chars = 0;

  std::string assemble(std::size_t b, std::size_t d, std::size_t c) const {
    std::string out = head;
    if (has_banner) {
      for (std::size_t i = 0; i < b; ++i) out += banner[i];
      if (b < banner.size()) {
        out += b > 0 ? fmt::format("> - and {} more\n", banner.size() - b)
                     : fmt::format("> - {} not listed here\n", banner.size());
      }
      out += "\n";
    }
    out += summary;
    if (!drift_rows.empty()) {
      out += "#### Drift\n\n| resource | attribute | last applied | now |\n|---|---|---|---|\n";
      for (std::size_t i = 0; i < d; ++i) out += drift_rows[i];
      if (d < drift_rows.size()) {
        out += "\n" + limit_note(drift_rows.size() - d, "more drift row", "more drift rows", max_chars) + "\n";
      }
      out += "\n";
    }
    if (!changes.empty()) {
      out += c == changes.size()
                 ? fmt::format("<details><summary>Show {}</summary>\n\n",
                               plural(static_cast<int>(changes.size()), "change", "changes"))
                 : fmt::format("<details><summary>Show {} of {} changes</summary>\n\n", c, changes.size());
      for (std::size_t i = 0; i < c; ++i) out += changes[i];
      if (c < changes.size()) {
        out += limit_note(changes.size() - c, "more change", "more changes", max_chars) + "\n\n";
      }
      out += "</details>\n";
    }
    return out;
  }
};

// The largest n in [0, count] with fits(n), given that fits is monotone (true up to some n).
template <typename Fits>
std::size_t largest_fitting(std::size_t count, Fits fits) {
  if (fits(count)) return count;
  std::size_t low = 0, high = count;  // fits(high) is false
  if (!fits(low)) return 0;
  while (high - low > 1) {
    std::size_t mid = low + (high - low) / 2;
    if (fits(mid)) {
      low = mid;
    } else {
      high = mid;
    }
  }
  return low;
}

// Cuts at most `max` bytes without splitting a UTF-8 sequence.
std::string cut(std::string text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

}  // namespace

std::string render_text(const Plan& plan, TextOptions options) {
  Painter paint(options.color);
  std::string out;
  if (!plan.targets.empty()) {
    out += fmt::format("Warning: this plan is partial (--target): only {} and what they depend on.\n\n",
                       join(plan.targets, ", "));
  }
  if (!plan.drift.empty()) {
    out += "Drift: objects changed outside supctl\n\n";
    for (const Drift& d : plan.drift) {
      out += with_host(fmt::format("  {} {}", paint(kYellow, "~"), d.address.str()), d.host) + "\n";
      for (const AttributeDiff& a : d.attributes) {
        out += fmt::format("    {} {} = {} -> {}\n", paint(kYellow, "~"), a.name, value_text(a, a.before),
                           value_text(a, a.after));
      }
    }
    out += "\n";
  }
  if (plan.refresh_only) {
    out += paint(kBold, plan.drift.empty() ? std::string(kNoDrift) : drift_sentence(plan.drift.size())) + "\n";
    return out;
  }
  std::vector<const Change*> shown = shown_changes(plan);
  if (!shown.empty()) {
    out += "supctl will perform the following actions:\n\n";
    for (const Change* c : shown) {
      text_change(out, *c, paint);
      out += "\n";
    }
  }
  Summary s = plan.summary();
  if (!plan.has_changes()) {
    out += paint(kBold, kNoChanges) + "\n";
    return out;
  }
  out += paint(kBold, summary_line(s)) + "\n";
  if (s.forget > 0) out += forget_line(s) + "\n";
  return out;
}

std::string render_json(const Plan& plan, bool with_fingerprints) {
  return to_json(plan, with_fingerprints).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string render_markdown(const Plan& plan, MarkdownOptions options) {
  MarkdownParts parts;
  parts.max_chars = options.max_chars;
  parts.head = "### supctl plan\n\n";
  if (!plan.targets.empty()) {
    std::vector<std::string> codes;
    for (const std::string& t : plan.targets) codes.push_back(md_code(t));
    std::string list = join(codes, ", ");
    // A long target list would crowd out the plan itself.
    if (list.size() > 2000) list = plural(static_cast<int>(plan.targets.size()), "target", "targets");
    parts.head += fmt::format("> **Partial plan** (--target): only {} and what they depend on.\n\n", list);
  }
  std::vector<const Change*> shown = shown_changes(plan);
  int destructive = 0;
  for (const Change* c : shown) {
    if (!c->destructive()) continue;
    ++destructive;
    std::string entry = fmt::format("> - {} ({})", md_code(c->address.str()), action_name(c->action));
    if (needs_consent(*c)) entry += " — needs `--allow-destroy` or `allow_destroy = true`";
    parts.banner.push_back(entry + "\n");
  }
  if (destructive > 0) {
    parts.has_banner = true;
    parts.head += fmt::format("> [!WARNING]\n> **This plan destroys or replaces {}:**\n",
                              plural(destructive, "resource", "resources"));
  }
  if (plan.refresh_only) {
    parts.summary =
        fmt::format("**{}**\n\n", plan.drift.empty() ? std::string(kNoDrift) : drift_sentence(plan.drift.size()));
  } else if (!plan.has_changes()) {
    parts.summary = fmt::format("**{}**\n\n", kNoChanges);
  } else {
    Summary s = plan.summary();
    parts.summary = fmt::format("**{}**\n", summary_line(s));
    if (s.forget > 0) parts.summary += forget_line(s) + "\n";
    parts.summary += "\n";
  }
  for (const Drift& d : plan.drift) {
    std::string resource = md_cell(md_code(d.address.str()));
    if (d.attributes.empty()) parts.drift_rows.push_back(md_row({resource, "", "", ""}));
    for (const AttributeDiff& a : d.attributes) {
      parts.drift_rows.push_back(
          md_row({resource, md_cell(md_code(a.name)), md_value(a, a.before), md_value(a, a.after)}));
    }
  }
  for (const Change* c : shown) parts.changes.push_back(md_change(*c));

  // Change details go first, then drift rows, then banner entries; the summary always stays.
  const std::size_t max = options.max_chars;
  std::size_t b = parts.banner.size(), d = parts.drift_rows.size(), c = parts.changes.size();
  c = largest_fitting(c, [&](std::size_t n) { return parts.assemble(b, d, n).size() <= max; });
  if (c == 0) d = largest_fitting(d, [&](std::size_t n) { return parts.assemble(b, n, 0).size() <= max; });
  if (c == 0 && d == 0) b = largest_fitting(b, [&](std::size_t n) { return parts.assemble(n, 0, 0).size() <= max; });
  return cut(parts.assemble(b, d, c), max);
}

}  // namespace supctl::plan
