#include "backends/powershell/clixml.h"

#include <pugixml.hpp>

#include <cstdint>
#include <optional>
#include <vector>

#include "model/text.h"

namespace supctl::powershell {
namespace {

constexpr std::string_view kHeader = "#< CLIXML";

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

// Line ends as "\n", and no trailing blank space or lines.
std::string tidy(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t' || out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return out;
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
  std::string tidied = tidy(out);
  std::size_t start = tidied.find_first_not_of(" \t\r\n");
  return start == std::string::npos ? std::string() : tidied.substr(start);
}

// The error text of one <Objs> document; nullopt when it is not XML.
std::optional<std::string> errors_of(std::string_view document) {
  pugi::xml_document xml;
  pugi::xml_parse_result parsed = xml.load_buffer(document.data(), document.size(),
                                                  pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
  if (!parsed) return std::nullopt;
  std::string out;
  pugi::xml_node objs = xml.child("Objs");
  for (pugi::xml_node node : objs.children()) {
    std::string_view stream = node.attribute("S").value();
    if (!model::iequals(stream, "Error")) continue;  // progress, warning, verbose, information, debug
    if (std::string_view(node.name()) == "S") {
      out += unescape_clixml_string(node.child_value());
    } else if (std::string_view(node.name()) == "Obj") {
      out += unescape_clixml_string(node.child_value("ToString"));
      out += '\n';
    }
  }
  return tidy(out);
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

std::string decode_clixml(std::string_view stderr_text) {
  if (stderr_text.find(kHeader) == std::string_view::npos) return std::string(stderr_text);
  std::vector<std::string> pieces;
  auto keep = [&](std::string piece) {
    if (!piece.empty()) pieces.push_back(std::move(piece));
  };
  std::string_view rest = stderr_text;
  while (!rest.empty()) {
    std::size_t start = rest.find("<Objs");
    if (start == std::string_view::npos) {
      keep(between(rest));
      break;
    }
    keep(between(rest.substr(0, start)));
    std::size_t end = rest.find("</Objs>", start);
    if (end == std::string_view::npos) {
      keep(tidy(rest.substr(start)));  // cut short: show what there is
      break;
    }
    end += std::string_view("</Objs>").size();
    std::string_view document = rest.substr(start, end - start);
    std::optional<std::string> errors = errors_of(document);
    keep(errors ? *errors : tidy(document));
    rest.remove_prefix(end);
  }
  std::string out;
  for (const std::string& piece : pieces) {
    if (!out.empty()) out += '\n';
    out += piece;
  }
  return out;
}

}  // namespace supctl::powershell
