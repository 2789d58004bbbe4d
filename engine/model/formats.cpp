#include "model/formats.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "model/text.h"

namespace supctl::model::formats {
namespace {

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::optional<FormatError> check_fqdn(std::string_view text, std::string*) {
  if (text.empty() || text.size() > 253) {
    return FormatError{"expected a host name of 1 to 253 characters", 0, {}};
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t dot = text.find('.', start);
    std::string_view label = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return FormatError{"a host name has an empty label", start, {}};
    if (label.size() > 63) return FormatError{"a host name label is longer than 63 characters", start, {}};
    for (std::size_t i = 0; i < label.size(); ++i) {
      char c = label[i];
      bool edge = i == 0 || i + 1 == label.size();
      if (!alnum(c) && (c != '-' || edge)) {
        return FormatError{"'" + std::string(1, c) + "' is not allowed here in a host name", start + i,
                           "a host name is letters, digits and inner hyphens, separated by dots"};
      }
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return std::nullopt;
}

std::optional<FormatError> check_site_code(std::string_view text, std::string*) {
  static constexpr std::string_view kReserved[] = {"AUX", "CON", "NUL", "PRN", "SMS"};
  bool shape = text.size() == 3 && std::all_of(text.begin(), text.end(), [](char c) {
                 return std::isdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c));
               });
  if (!shape) {
    std::string upper = model::upper(text);
    bool only_case = upper.size() == 3 && std::all_of(upper.begin(), upper.end(), [](char c) { return alnum(c); });
    return FormatError{"a site code is three upper-case letters or digits", 0,
                       only_case ? "did you mean '" + upper + "'?" : std::string()};
  }
  if (std::find(std::begin(kReserved), std::end(kReserved), text) != std::end(kReserved)) {
    return FormatError{"'" + std::string(text) + "' is reserved by Windows or ConfigMgr and cannot be a site code", 0, {}};
  }
  return std::nullopt;
}

std::optional<FormatError> check_url(std::string_view text, std::string*) {
  std::size_t scheme = text.starts_with("https://") ? 8 : text.starts_with("http://") ? 7 : 0;
  if (scheme == 0) return FormatError{"expected a URL starting with 'https://' or 'http://'", 0, {}};
  std::size_t end = text.find_first_of(":/", scheme);
  std::string_view host = text.substr(scheme, end == std::string_view::npos ? std::string_view::npos : end - scheme);
  if (host.empty() || std::any_of(host.begin(), host.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
    return FormatError{"expected a host name after the scheme", scheme, {}};
  }
  if (end != std::string_view::npos && text[end] == ':') {
    std::size_t digits_end = text.find('/', end + 1);
    std::string_view port = text.substr(end + 1, digits_end == std::string_view::npos ? std::string_view::npos : digits_end - end - 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      return FormatError{"expected a port number of 1 to 5 digits after ':'", end + 1, {}};
    }
  }
  return std::nullopt;
}

std::optional<FormatError> check_time(std::string_view text, std::string*) {
  bool ok = text.size() == 5 && text[2] == ':' && std::isdigit(static_cast<unsigned char>(text[0])) &&
            std::isdigit(static_cast<unsigned char>(text[1])) && std::isdigit(static_cast<unsigned char>(text[3])) &&
            std::isdigit(static_cast<unsigned char>(text[4]));
  if (!ok) return FormatError{"expected a 24-hour time such as '02:00'", 0, {}};
  int hours = (text[0] - '0') * 10 + (text[1] - '0');
  int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23) return FormatError{"hours run from 00 to 23", 0, {}};
  if (minutes > 59) return FormatError{"minutes run from 00 to 59", 3, {}};
  return std::nullopt;
}

bool no_space(std::string_view s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

std::optional<FormatError> check_email(std::string_view text, std::string*) {
  std::size_t at = text.find('@');
  if (at == std::string_view::npos || at == 0 || text.find('@', at + 1) != std::string_view::npos) {
    return FormatError{"expected an e-mail address such as 'wsus-admins@contoso.com'", 0, {}};
  }
  std::string_view domain = text.substr(at + 1);
  std::size_t dot = domain.find('.');
  if (!no_space(text.substr(0, at)) || !no_space(domain) || dot == 0 || dot == std::string_view::npos || dot + 1 == domain.size()) {
    return FormatError{"expected an e-mail address such as 'wsus-admins@contoso.com'", 0, {}};
  }
  return std::nullopt;
}

std::optional<FormatError> check_account(std::string_view text, std::string*) {
  auto plain = [](std::string_view s) {
    return no_space(s) && s.find_first_of("\\/@") == std::string_view::npos;
  };
  std::size_t slash = text.find('\\');
  if (slash != std::string_view::npos) {
    if (plain(text.substr(0, slash)) && plain(text.substr(slash + 1))) return std::nullopt;
  } else if (std::size_t at = text.find('@'); at != std::string_view::npos) {
    std::string_view domain = text.substr(at + 1);
    if (plain(text.substr(0, at)) && no_space(domain) && domain.find_first_of("\\/@") == std::string_view::npos) return std::nullopt;
  }
  return FormatError{"expected an account as 'DOMAIN\\user' or 'user@domain'", 0, {}};
}

std::optional<FormatError> check_env(std::string_view text, std::string*) {
  bool ok = !text.empty() && !std::isdigit(static_cast<unsigned char>(text[0])) &&
            std::all_of(text.begin(), text.end(), [](char c) { return alnum(c) || c == '_'; });
  if (!ok) return FormatError{"expected an environment variable name: letters, digits and '_'", 0, {}};
  return std::nullopt;
}

std::optional<FormatError> check_path(std::string_view text, std::string*) {
  bool drive = text.size() >= 3 && std::isalpha(static_cast<unsigned char>(text[0])) && text[1] == ':' && text[2] == '\\';
  bool unc = text.size() >= 3 && text[0] == '\\' && text[1] == '\\' && text[2] != '\\';
  if (!drive && !unc) return FormatError{"expected an absolute Windows path such as 'D:\\WSUS'", 0, {}};
  return std::nullopt;
}

std::optional<FormatError> check_non_empty(std::string_view text, std::string*) {
  if (text.empty()) return FormatError{"expected a non-empty string", 0, {}};
  return std::nullopt;
}

std::optional<FormatError> check_identifier(std::string_view text, std::string*) {
  if (text.empty()) return FormatError{"a name cannot be empty", 0, {}};
  if (!std::isalpha(static_cast<unsigned char>(text[0])) && text[0] != '_') {
    return FormatError{"a name starts with a letter or '_'", 0, {}};
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!alnum(text[i]) && text[i] != '_' && text[i] != '-') {
      return FormatError{"'" + std::string(1, text[i]) + "' is not allowed in a name: use letters, digits, '_' and '-'", i, {}};
    }
  }
  return std::nullopt;
}

std::optional<FormatError> check_ipv4(std::string_view text, std::string*) {
  int parts = 0;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t dot = text.find('.', i);
    std::string_view part = text.substr(i, dot == std::string_view::npos ? std::string_view::npos : dot - i);
    bool digits = !part.empty() && part.size() <= 3 &&
                  std::all_of(part.begin(), part.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (!digits || std::stoi(std::string(part)) > 255 || (part.size() > 1 && part[0] == '0')) {
      return FormatError{"expected an IPv4 address such as '10.0.0.50'", i, {}};
    }
    ++parts;
    if (dot == std::string_view::npos) break;
    i = dot + 1;
  }
  if (parts != 4) return FormatError{"expected an IPv4 address such as '10.0.0.50'", 0, {}};
  return std::nullopt;
}

}  // namespace

// Each JSON pattern says the same as its check above; tests/engine/model/formats_test.cpp holds them to it.
const Format kFqdn{"host name", "a fully qualified host name such as 'wsus01.contoso.com'",
                   R"json({"type":"string","maxLength":253,"pattern":"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"})json",
                   check_fqdn, "invalid-value", true};
const Format kSiteCode{"site code", "a three-character site code such as 'PR1'",
                       R"json({"type":"string","pattern":"^(?!(AUX|CON|NUL|PRN|SMS)$)[A-Z0-9]{3}$"})json", check_site_code};
const Format kUrl{"URL", "a URL such as 'https://wsus-dmz.contoso.com:8531'",
                  R"json({"type":"string","pattern":"^https?://[^\\s:/]+(:[0-9]{1,5})?(/[\\s\\S]*)?$"})json", check_url};
const Format kTimeOfDay{"time of day", "a 24-hour time such as '02:00'",
                        R"json({"type":"string","pattern":"^([01][0-9]|2[0-3]):[0-5][0-9]$"})json", check_time};
const Format kEmail{"e-mail address", "an e-mail address",
                    R"json({"type":"string","pattern":"^[^@\\s]+@[^@\\s.][^@\\s]*\\.[^@\\s]+$"})json", check_email};
const Format kAccountName{"account name", "an account as 'DOMAIN\\user' or 'user@domain'",
                          R"json({"type":"string","pattern":"^([^\\\\/@\\s]+\\\\[^\\\\/@\\s]+|[^\\\\/@\\s]+@[^\\\\/@\\s]+)$"})json",
                          check_account, "invalid-value", true};
const Format kEnvName{"environment variable name", "an environment variable name",
                      R"json({"type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$"})json", check_env};
const Format kWindowsPath{"Windows path", "an absolute Windows path such as 'D:\\WSUS'",
                          R"json({"type":"string","pattern":"^([A-Za-z]:\\\\|\\\\\\\\[^\\\\])"})json", check_path,
                          "invalid-value", true};
const Format kIdentifier{"name", "a name of letters, digits, '_' and '-'",
                         R"json({"type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_-]*$"})json", check_identifier};
const Format kIpv4{"IPv4 address", "an IPv4 address such as '10.0.0.50'",
                  R"json({"type":"string","pattern":"^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"})json",
                  check_ipv4};
const Format kNonEmpty{"value", "a non-empty string", R"json({"type":"string","minLength":1})json", check_non_empty};

}  // namespace supctl::model::formats
