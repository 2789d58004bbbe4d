#include "backends/powershell/clixml.h"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <vector>

#include "model/text.h"

namespace supctl::powershell {
namespace {

constexpr std::string_view kHeader = "#< CLIXML";
constexpr std::size_t kDocumentLimit = 8 << 20;  // a larger <Objs> document is not parsed

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The UTF-16 code unit of an escape "_xHHHH_" at the start of `text`.
std::optional<std::uint32_t> escape_at(std::string_view text) {
  if (text.size() < 7 || text[0] != '_' || text[1] != 'x' || text[6] != '_') return std::nullopt;
  std::uint32_t unit = 0;
  for (std::size_t i = 2; i < 6; ++i) {
    int digit = hex_digit(text[i]);
    if (digit < 0) return std::nullopt;
    unit = unit << 4 | static_cast<std::uint32_t>(digit);
  }
  return unit;
}

// ---- terminal controls

unsigned char byte_at(std::string_view text, std::size_t i) { return static_cast<unsigned char>(text[i]); }

// The length of the well-formed UTF-8 character at text[i] (2 to 4 bytes) and its code point; 0
// when the bytes there are not one.
std::size_t utf8_char(std::string_view text, std::size_t i, std::uint32_t& code) {
  unsigned char lead = byte_at(text, i);
  std::size_t length = 0;
  std::uint32_t minimum = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, code = lead & 0x1F, minimum = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, code = lead & 0x0F, minimum = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, code = lead & 0x07, minimum = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    unsigned char next = byte_at(text, i + k);
    if ((next & 0xC0) != 0x80) return 0;
    code = code << 6 | (next & 0x3F);
  }
  if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

// Past a control sequence's parameters, intermediates and final byte (ECMA-48 CSI), from `i`.
std::size_t skip_csi(std::string_view text, std::size_t i) {
  while (i < text.size() && byte_at(text, i) >= 0x30 && byte_at(text, i) <= 0x3F) ++i;
  while (i < text.size() && byte_at(text, i) >= 0x20 && byte_at(text, i) <= 0x2F) ++i;
  if (i < text.size() && byte_at(text, i) >= 0x40 && byte_at(text, i) <= 0x7E) ++i;
  return i;
}

// Past a control string (OSC, DCS, SOS, PM, APC) whose text starts at `i`: it ends with BEL or
// ST (ESC \ or U+009C), and is cut short by any other ESC or C1 control. Unterminated, only its
// introducer (ending at `fallback`) is dropped: its text is kept, harmless without the ESC.
std::size_t skip_control_string(std::string_view text, std::size_t i, std::size_t fallback) {
  for (; i < text.size(); ++i) {
    unsigned char c = byte_at(text, i);
    if (c == 0x07) return i + 1;
    if (c == 0x1B) return i + 1 < text.size() && text[i + 1] == '\\' ? i + 2 : i;
    if (c == 0xC2 && i + 1 < text.size() && byte_at(text, i + 1) >= 0x80 && byte_at(text, i + 1) <= 0x9F)
      return byte_at(text, i + 1) == 0x9C ? i + 2 : i;
  }
  return fallback;
}

// Past the escape sequence whose ESC is at `i`.
std::size_t skip_escape(std::string_view text, std::size_t i) {
  std::size_t j = i + 1;
  if (j >= text.size()) return j;
  unsigned char c = byte_at(text, j);
  if (c == '[') return skip_csi(text, j + 1);
  if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') return skip_control_string(text, j + 1, j + 1);
  if (c >= 0x20 && c <= 0x2F) {  // nF, such as ESC ( B: intermediates, then a final byte
    while (j < text.size() && byte_at(text, j) >= 0x20 && byte_at(text, j) <= 0x2F) ++j;
    if (j < text.size() && byte_at(text, j) >= 0x30 && byte_at(text, j) <= 0x7E) ++j;
    return j;
  }
  if (c >= 0x30 && c <= 0x7E) return j + 1;  // ESC 7, ESC M, ESC c, ...
  return j;                                  // a lone ESC
}

// Past the C1 control `code` (U+0080..U+009F, two bytes in UTF-8) at `i`, with what it introduces.
std::size_t skip_c1(std::string_view text, std::size_t i, std::uint32_t code) {
  std::size_t j = i + 2;
  if (code == 0x9B) return skip_csi(text, j);
  if (code == 0x9D || code == 0x90 || code == 0x98 || code == 0x9E || code == 0x9F)
    return skip_control_string(text, j, j);
  return j;
}

// `text` without terminal escape sequences and control characters (tab and line ends kept, a lone
// CR as a line break, CRLF as "\n" unless `keep_crlf`), not-UTF-8 bytes as U+FFFD.
std::string printable(std::string_view text, bool keep_crlf) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char c = byte_at(text, i);
    if (c == 0x1B) {
      i = skip_escape(text, i);
    } else if (c == '\r') {
      bool crlf = i + 1 < text.size() && text[i + 1] == '\n';
      if (!crlf) out += '\n';
      if (crlf && keep_crlf) out += '\r';
      ++i;
    } else if (c < 0x80) {
      if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7F)) out += static_cast<char>(c);
      ++i;
    } else {
      std::uint32_t code = 0;
      std::size_t length = utf8_char(text, i, code);
      if (length == 0) {
        append_utf8(out, 0xFFFD);
        ++i;
      } else if (code <= 0x9F) {
        i = skip_c1(text, i, code);
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
    }
  }
  return out;
}

std::string bounded(std::string text) { return shortened(std::move(text), kDecodedLimit); }

// ---- lines

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string_view trim_end(std::string_view text) {
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (true) {
    std::size_t end = text.find('\n');
    lines.push_back(trim_end(text.substr(0, end)));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// The records (or other pieces of text) joined with "\n", the empty ones left out.
std::string join_pieces(const std::vector<std::string>& pieces) {
  std::string out;
  for (const std::string& piece : pieces) {
    if (piece.empty()) continue;
    if (!out.empty()) out += '\n';
    out += piece;
  }
  return out;
}

// The lines joined with "\n", without blank lines at either end.
std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (out.empty() && trim(line).empty()) continue;
    if (!out.empty()) out += '\n';
    out += line;
  }
  return std::string(trim_end(out));
}

bool digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

std::uint64_t number(std::string_view text) {
  std::uint64_t value = 0;
  if (text.size() > 9 || std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc()) return 0;
  return value;
}

// ---- error records

struct Position {
  std::uint64_t line = 0;  // 0: none
  std::string file;
  std::string code;
};

struct ErrorRecord {
  std::string message;
  std::string what;
  Position at;
};

std::string where(const Position& at) {
  std::string text = fmt::format("at line {}", at.line);
  if (!at.file.empty()) text += " in " + at.file;
  if (!at.code.empty()) text += ": " + at.code;
  return text;
}

std::string describe(const ErrorRecord& record) {
  std::vector<std::string> notes;
  if (!record.what.empty()) notes.push_back(record.what);
  if (record.at.line > 0) notes.push_back(where(record.at));
  std::string text = record.message;
  if (notes.empty()) return text;
  if (!text.empty()) text += ' ';
  text += '(';
  for (std::size_t i = 0; i < notes.size(); ++i) text += (i == 0 ? "" : ", ") + notes[i];
  return text + ')';
}

// "At line:N char:M" or "At FILE:N char:M", all of `text`.
std::optional<Position> position_line(std::string_view text) {
  if (!text.starts_with("At ")) return std::nullopt;
  std::size_t chars = text.rfind(" char:");
  if (chars == std::string_view::npos || !digits(text.substr(chars + 6))) return std::nullopt;
  std::string_view place = text.substr(3, chars - 3);  // "line:N" or "FILE:N"
  std::size_t colon = place.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || !digits(place.substr(colon + 1))) return std::nullopt;
  Position at;
  at.line = number(place.substr(colon + 1));
  if (at.line == 0) return std::nullopt;
  if (place.substr(0, colon) != "line") at.file = std::string(place.substr(0, colon));
  return at;
}

// "At line:N char:M" at the end of `text` (a ParseException's message inside another message),
// and where it starts.
std::optional<Position> position_tail(std::string_view text, std::size_t& start) {
  std::size_t at = text.rfind("At line:");
  if (at == std::string_view::npos) return std::nullopt;
  std::optional<Position> position = position_line(text.substr(at));
  if (position) start = at;
  return position;
}

// A line of "~" under the code (5.1 "+ ~~~~", 7 "| ~~~~"), given without its "+" or "|".
bool marker(std::string_view text) {
  text = trim(text);
  return !text.empty() && text.find_first_not_of('~') == std::string_view::npos;
}

// A position block's "+ code" lines from `i`: the first code line, and the index after them.
std::size_t code_lines(const std::vector<std::string>& lines, std::size_t i, std::string& code) {
  for (; i < lines.size() && lines[i].starts_with('+'); ++i) {
    std::string_view line = std::string_view(lines[i]).substr(1);
    if (code.empty() && !marker(line)) code = std::string(trim(line));
  }
  return i;
}

// The message's lines with each position PowerShell put inside it ("...At line:N char:M",
// "+ code", "+ ~~~", then the text) turned into "... text (at line N: code)".
std::string message_of(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::size_t start = 0;
    std::optional<Position> at;
    if (i + 1 < lines.size() && lines[i + 1].starts_with('+')) at = position_tail(lines[i], start);
    if (!at) {
      out.push_back(lines[i]);
      continue;
    }
    std::size_t after = code_lines(lines, i + 1, at->code);
    std::string text = lines[i].substr(0, start);
    if (after < lines.size()) text += lines[after];  // the message goes on after the position
    text = std::string(trim_end(text));
    out.push_back(text + (text.empty() ? "(" : " (") + where(*at) + ")");
    i = after;  // and the loop moves past that line
  }
  return join_lines(out);
}

// ---- Windows PowerShell 5.1: NormalView

// "    + CategoryInfo          : value": the name and the value.
bool info_line(std::string_view line, std::string_view& name, std::string_view& value) {
  if (line.empty() || !blank(line.front())) return false;
  line = trim(line);
  if (!line.starts_with("+ ")) return false;
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  name = trim(line.substr(2, colon - 2));
  if (name.empty() ||
      name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_") != std::string_view::npos)
    return false;
  value = trim(line.substr(colon + 1));
  return true;
}

bool normal_view(const std::vector<std::string_view>& lines) {
  std::string_view name, value;
  for (std::string_view line : lines) {
    if (info_line(line, name, value) && (name == "CategoryInfo" || name == "FullyQualifiedErrorId")) return true;
  }
  return false;
}

// One record: its lines before the "+ CategoryInfo" lines, and its category.
std::string normal_record(std::vector<std::string> lines, std::string_view category) {
  ErrorRecord record;
  record.what = std::string(trim(category.substr(0, category.find(':'))));
  // The record's own position is the last "At ..." line followed by "+ code" lines; any earlier one
  // belongs to the message.
  for (std::size_t p = lines.size(); p-- > 0;) {
    if (p + 1 >= lines.size() || !lines[p + 1].starts_with('+')) continue;
    std::optional<Position> at = position_line(trim(lines[p]));
    if (!at) continue;
    std::size_t end = code_lines(lines, p + 1, at->code);
    record.at = std::move(*at);
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(p), lines.begin() + static_cast<std::ptrdiff_t>(end));
    break;
  }
  record.message = message_of(lines);
  return describe(record);
}

std::string normal_view_words(const std::vector<std::string_view>& lines) {
  std::vector<std::string> out, pending;
  std::string_view category;
  bool in_info = false;
  for (std::size_t i = 0; i <= lines.size(); ++i) {
    std::string_view name, value;
    bool info = i < lines.size() && info_line(lines[i], name, value);
    if (in_info && !info) {  // the record's "+ ..." lines are over
      out.push_back(normal_record(std::move(pending), category));
      pending.clear();
      category = {};
    }
    in_info = info;
    if (i == lines.size()) break;
    if (info) {
      if (name == "CategoryInfo") category = value;
    } else {
      pending.emplace_back(lines[i]);
    }
  }
  out.push_back(join_lines(pending));  // text after the last record
  return join_pieces(out);
}

// ---- PowerShell 7: ConciseView

// "LABEL: rest" or "LABEL:" at the start of a line: a record's first line, perhaps.
bool label_line(std::string_view line, std::string_view& label, std::string_view& rest) {
  if (line.empty() || blank(line.front()) || line.front() == '+' || line.front() == '|') return false;
  std::size_t colon = line.find(": ");
  if (colon == std::string_view::npos && line.ends_with(':')) colon = line.size() - 1;
  if (colon == std::string_view::npos || colon == 0 || colon > 200) return false;
  label = line.substr(0, colon);
  if (label.find('|') != std::string_view::npos || blank(label.back())) return false;
  rest = colon + 2 <= line.size() ? trim(line.substr(colon + 2)) : std::string_view();
  return true;
}

// A label of one word, such as Exception, ParserError, Get-Item or System.IO.IOException.
bool one_word(std::string_view label) {
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!letter(label.front())) return false;
  for (char c : label) {
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.' && c != '\\' && c != '`') return false;
  }
  return true;
}

bool line_header(std::string_view line) { return trim(line) == "Line |"; }

// "   N | code": the line number and the code.
bool numbered_line(std::string_view line, std::uint64_t& number_out, std::string_view& code) {
  line = trim(line);
  std::size_t bar = line.find(" |");
  if (bar == std::string_view::npos || !digits(line.substr(0, bar))) return false;
  number_out = number(line.substr(0, bar));
  code = trim(line.substr(bar + 2));
  return number_out > 0;
}

// "     | text": the text.
bool bar_line(std::string_view line, std::string_view& text) {
  std::string_view trimmed = trim(line);
  if (!trimmed.starts_with('|')) return false;
  text = trimmed.substr(1);
  if (text.starts_with(' ')) text.remove_prefix(1);
  return true;
}

bool record_starts(const std::vector<std::string_view>& lines, std::size_t i) {
  std::string_view label, rest;
  if (!label_line(lines[i], label, rest)) return false;
  return (i + 1 < lines.size() && line_header(lines[i + 1])) || one_word(label);
}

// The record starting at lines[i], if one does; `next`: the line after it.
std::optional<std::string> concise_record(const std::vector<std::string_view>& lines, std::size_t i,
                                          std::size_t& next) {
  if (!record_starts(lines, i)) return std::nullopt;
  std::string_view label, rest;
  label_line(lines[i], label, rest);
  ErrorRecord record;
  record.what = std::string(label);
  std::vector<std::string> message;
  std::size_t j = i + 1;
  if (j < lines.size() && line_header(lines[j])) {
    record.at.file = std::string(rest);  // a script's path, when the error is in one
    ++j;
    std::string_view code;
    if (j < lines.size() && numbered_line(lines[j], record.at.line, code)) {
      record.at.code = std::string(code);
      ++j;
    }
    // The marker, then the message on "|" lines: one line, or one wrapped at the console width.
    std::string first;
    std::string_view text;
    for (; j < lines.size() && bar_line(lines[j], text); ++j) {
      if (first.empty() && marker(text)) continue;
      if (!first.empty()) first += ' ';
      first += trim(text);
    }
    message.push_back(std::move(first));
  } else {
    message.emplace_back(rest);
  }
  // The message's other lines, as they came (a message's line breaks are kept in ConciseView).
  for (; j < lines.size() && !record_starts(lines, j); ++j) message.emplace_back(lines[j]);
  record.message = message_of(message);
  next = j;
  return describe(record);
}

std::string concise_view_words(const std::vector<std::string_view>& lines) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lines.size();) {
    std::size_t next = i + 1;
    if (std::optional<std::string> record = concise_record(lines, i, next)) {
      out.push_back(std::move(*record));
      i = next;
    } else {
      out.emplace_back(lines[i++]);
    }
  }
  return join_lines(out);  // blank lines between records and text kept, as the host printed them
}

// The error text a host printed (terminal controls already removed), in the format of clixml.h.
std::string host_words(std::string_view text) {
  std::vector<std::string_view> lines = split_lines(text);
  return normal_view(lines) ? normal_view_words(lines) : concise_view_words(lines);
}

// ---- CLIXML documents

std::string serialised_text(std::string_view text) { return printable(unescape_clixml_string(text), false); }

// A serialised ErrorRecord (<Obj S="Error">): its ToString, category and InvocationInfo.
std::string error_object(pugi::xml_node node) {
  ErrorRecord record;
  std::string text = serialised_text(node.child_value("ToString"));
  std::vector<std::string> lines;
  for (std::string_view line : split_lines(text)) lines.emplace_back(line);
  record.message = message_of(lines);
  pugi::xml_node members = node.child("MS");
  std::string category =
      serialised_text(members.find_child_by_attribute("S", "N", "ErrorCategory_Message").child_value());
  record.what = std::string(trim(std::string_view(category).substr(0, category.find(':'))));
  pugi::xml_node invocation = members.find_child_by_attribute("Obj", "N", "InvocationInfo").child("Props");
  record.at.line = number(trim(invocation.find_child_by_attribute("I32", "N", "ScriptLineNumber").child_value()));
  if (record.at.line > 0) {
    std::string line = serialised_text(invocation.find_child_by_attribute("S", "N", "Line").child_value());
    record.at.code = std::string(trim(split_lines(line).front()));
    record.at.file =
        std::string(trim(serialised_text(invocation.find_child_by_attribute("S", "N", "ScriptName").child_value())));
  }
  return describe(record);
}

// The errors of one <Objs> document; nullopt when it is not XML.
std::optional<std::string> errors_of(std::string_view document) {
  pugi::xml_document xml;
  pugi::xml_parse_result parsed = xml.load_buffer(document.data(), document.size(),
                                                  pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
  if (!parsed) return std::nullopt;
  std::vector<std::string> out;
  std::string text;  // the host's error lines since the last record object
  auto flush = [&] {
    out.push_back(host_words(printable(text, false)));
    text.clear();
  };
  for (pugi::xml_node node : xml.child("Objs").children()) {
    if (!model::iequals(node.attribute("S").value(), "Error")) continue;  // progress, warning, verbose, ...
    if (std::string_view(node.name()) == "S") {
      text += unescape_clixml_string(node.child_value());
    } else if (std::string_view(node.name()) == "Obj") {
      flush();
      out.push_back(error_object(node));
    }
  }
  flush();
  return join_pieces(out);
}

// Text between documents, without the "#< CLIXML" headers.
std::string between(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    std::size_t at = text.find(kHeader);
    out.append(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + kHeader.size());
  }
  return std::string(trim(printable(out, false)));
}

}  // namespace

std::string unescape_clixml_string(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::uint32_t high = 0;  // a high surrogate waiting for its low half; 0: none
  auto flush_high = [&] {
    if (high != 0) append_utf8(out, 0xFFFD);
    high = 0;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    std::optional<std::uint32_t> unit = escape_at(text.substr(i));
    if (!unit) {
      flush_high();
      out += text[i++];
      continue;
    }
    i += 7;
    if (*unit >= 0xD800 && *unit <= 0xDBFF) {
      flush_high();
      high = *unit;
    } else if (*unit >= 0xDC00 && *unit <= 0xDFFF) {
      if (high != 0) {
        append_utf8(out, 0x10000 + ((high - 0xD800) << 10) + (*unit - 0xDC00));
        high = 0;
      } else {
        append_utf8(out, 0xFFFD);
      }
    } else {
      flush_high();
      append_utf8(out, *unit);
    }
  }
  flush_high();
  return out;
}

std::string shortened(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::size_t more = text.size() - cut;
  text.resize(cut);
  return text + fmt::format(" ... ({} more bytes)", more);
}

std::string printable_text(std::string_view text) { return bounded(printable(text, true)); }

std::string decode_clixml(std::string_view stderr_text) {
  if (stderr_text.find(kHeader) == std::string_view::npos) return printable_text(stderr_text);
  std::string out;
  auto keep = [&](const std::string& piece) {
    if (piece.empty()) return;
    if (!out.empty()) out += '\n';
    out += piece;
  };
  std::string_view rest = stderr_text;
  while (!rest.empty() && out.size() <= kDecodedLimit) {
    std::size_t start = rest.find("<Objs");
    if (start == std::string_view::npos) {
      keep(between(rest));
      break;
    }
    keep(between(rest.substr(0, start)));
    std::size_t end = rest.find("</Objs>", start);
    if (end == std::string_view::npos) {
      keep(std::string(trim(printable(rest.substr(start), false))));  // cut short: show what there is
      break;
    }
    end += std::string_view("</Objs>").size();
    std::string_view document = rest.substr(start, end - start);
    if (document.size() > kDocumentLimit) {
      keep(fmt::format("(a CLIXML document of {} bytes, too large to decode)", document.size()));
    } else {
      std::optional<std::string> errors = errors_of(document);
      keep(errors ? *errors : std::string(trim(printable(document, false))));
    }
    rest.remove_prefix(end);
  }
  return bounded(std::move(out));
}

}  // namespace supctl::powershell
