#pragma once
/// String formats shared by several kinds: host names, site codes, URLs, times, accounts.

#include "model/schema.h"

namespace supctl::model::formats {

extern const Format kFqdn;          ///< a DNS host name, fully qualified
extern const Format kSiteCode;      ///< three letters or digits, upper case, not a reserved name
extern const Format kUrl;           ///< http(s)://host[:port][/path]
extern const Format kTimeOfDay;     ///< HH:MM, 24-hour
extern const Format kEmail;
extern const Format kAccountName;   ///< DOMAIN\user or user@domain
extern const Format kEnvName;       ///< an environment variable name
extern const Format kWindowsPath;   ///< D:\dir or \\server\share\dir
extern const Format kIpv4;
extern const Format kNonEmpty;
extern const Format kIdentifier;    ///< a resource name that is not a host: letters, digits, '_', '-'

}  // namespace supctl::model::formats
