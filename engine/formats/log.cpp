#include "formats/log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "model/text.h"

// How the reader works, and the choices the header leaves open:
// - Bytes are decoded to UTF-8 as they arrive (one small state machine per encoding, so a character
//   may be split anywhere between feeds); invalid bytes and unpaired surrogates become U+FFFD, NUL
//   characters are dropped.
// - Lines end at LF; a CR just before the LF belongs to the line end, any other CR is an ordinary
//   character. Lines that are empty or only white space make no entry but count in line numbers.
// - A line that starts with `<![LOG[` opens a CMTrace block, which ends with the line holding
//   `]LOG]!>`. Each line is searched once, when it is complete, so nothing is rescanned. A block that
//   has not closed when the next line opening a block arrives (or when the stream ends) comes out as
//   one kText entry holding its lines. Text after a block's attributes on the same line is read as
//   a line of its own (another block, or a line in the other formats).
// - An entry whose bytes (CR included, LF not) pass max_entry_bytes comes out as kText holding its
//   first max_entry_bytes bytes (cut back to a character boundary); the rest of the line where the
//   cut falls is dropped and reading goes on at the next line. Every decision depends only on the
//   bytes, never on how they were split between feeds, so any chunking gives the same entries.

namespace supctl::formats {
namespace {

constexpr std::string_view kOpen = "<![LOG[";
constexpr std::string_view kClose = "]LOG]!>";
/// Below this a cut could fall before the first character of an entry.
constexpr std::size_t kMinEntryBytes = 64;
constexpr char32_t kReplacement = 0xFFFD;
/// How much of a feed is decoded before its lines are taken.
constexpr std::size_t kSliceBytes = std::size_t{64} << 10;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
bool blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return is_space(c) || c == '\n'; });
}

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

/// `text` at `at` starts with the lowercase ASCII `word`, ignoring case.
bool starts_with_word(std::string_view text, std::size_t at, std::string_view word) {
  if (text.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (model::ascii_lower(text[at + i]) != word[i]) return false;
  }
  return true;
}

/// As CMTrace does for logs without a type: "error" or "fail" (but not "failover") is an error,
/// "warn" a warning, whatever the case.
LogSeverity infer_severity(std::string_view text) {
  bool warning = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    switch (model::ascii_lower(text[i])) {
      case 'e':
        if (starts_with_word(text, i, "error")) return LogSeverity::kError;
        break;
      case 'f':
        if (starts_with_word(text, i, "fail") && !starts_with_word(text, i, "failover")) return LogSeverity::kError;
        break;
      case 'w':
        if (starts_with_word(text, i, "warn")) warning = true;
        break;
      default:
        break;
    }
  }
  return warning ? LogSeverity::kWarning : LogSeverity::kInfo;
}

/// `raw` with its CRLF line ends made LF.
std::string join_lines(std::string_view raw) {
  std::string out;
  if (raw.find('\r') == std::string_view::npos) {
    out.assign(raw);
    return out;
  }
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    out += raw[i];
  }
  return out;
}

// ---- Stamps --------------------------------------------------------------------------------------

/// Reads fixed-shape stamps left to right; any mismatch leaves `ok` false.
struct Scanner {
  std::string_view text;
  std::size_t at = 0;
  bool ok = true;

  /// `min_digits` to `max_digits` decimal digits.
  int number(std::size_t min_digits, std::size_t max_digits) {
    int value = 0;
    std::size_t digits = 0;
    while (ok && at < text.size() && digits < max_digits && is_digit(text[at])) {
      value = value * 10 + (text[at++] - '0');
      ++digits;
    }
    if (digits < min_digits) ok = false;
    return value;
  }
  void expect(char c) {
    if (ok && at < text.size() && text[at] == c) {
      ++at;
    } else {
      ok = false;
    }
  }
  bool accept(char c) {
    if (ok && at < text.size() && text[at] == c) {
      ++at;
      return true;
    }
    return false;
  }
  void spaces() {
    while (at < text.size() && text[at] == ' ') ++at;
  }
  bool at_end() const { return at == text.size(); }
};

bool valid(const LogTime& t) {
  return t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= 31 && t.hour <= 23 && t.minute <= 59 && t.second <= 60;
}

/// "MM-DD-YYYY" (or '/'), without zero padding too; a two-digit year is 2000 + yy.
void scan_date(Scanner& s, LogTime& t) {
  t.month = s.number(1, 2);
  if (!s.accept('-')) s.expect('/');
  t.day = s.number(1, 2);
  if (!s.accept('-')) s.expect('/');
  std::size_t before = s.at;
  t.year = s.number(2, 4);
  if (s.ok && s.at - before == 2) t.year += 2000;
  if (s.ok && s.at - before == 3) s.ok = false;
}

/// "HH:MM:SS", then ".fraction" (any number of digits, milliseconds kept) and "+BIAS" when present.
void scan_clock(Scanner& s, LogTime& t) {
  t.hour = s.number(1, 2);
  s.expect(':');
  t.minute = s.number(1, 2);
  s.expect(':');
  t.second = s.number(1, 2);
  if (s.accept('.')) {
    int scale = 100;
    std::size_t digits = 0;
    while (s.at < s.text.size() && is_digit(s.text[s.at])) {
      if (scale > 0) t.millisecond += (s.text[s.at] - '0') * scale;
      scale /= 10;
      ++s.at;
      ++digits;
    }
    if (digits == 0) s.ok = false;
  }
  if (s.ok && s.at < s.text.size() && (s.text[s.at] == '+' || s.text[s.at] == '-')) {
    bool negative = s.text[s.at++] == '-';
    int bias = s.number(1, 4);
    if (s.ok) t.bias_minutes = negative ? -bias : bias;
  }
}

/// CMTrace's time="HH:MM:SS.mmm+BIAS" and date="MM-DD-YYYY"; nullopt unless both read.
std::optional<LogTime> cmtrace_time(std::string_view time, std::string_view date) {
  LogTime t;
  Scanner d{date};
  scan_date(d, t);
  Scanner c{time};
  scan_clock(c, t);
  if (!d.ok || !d.at_end() || !c.ok || !c.at_end() || !valid(t)) return std::nullopt;
  return t;
}

/// The site-server stamp "MM-DD-YYYY HH:MM:SS.mmm+BIAS"; nullopt for SMS 2.0's spelled-out stamps.
std::optional<LogTime> site_server_time(std::string_view stamp) {
  LogTime t;
  Scanner s{stamp};
  scan_date(s, t);
  s.expect(' ');
  s.spaces();
  scan_clock(s, t);
  if (!s.ok || !s.at_end() || !valid(t)) return std::nullopt;
  return t;
}

/// Leading decimal digits ("4840 (0x12E8)" is 4840), or "0x" and hex digits.
std::optional<std::int64_t> parse_thread(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  std::int64_t value = 0;
  std::size_t digits = 0;
  if (text.size() - i > 2 && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
    for (i += 2; i < text.size() && digits < 15; ++i, ++digits) {
      char c = model::ascii_lower(text[i]);
      int d = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (d < 0) break;
      value = value * 16 + d;
    }
  } else {
    for (; i < text.size() && digits < 18 && is_digit(text[i]); ++i, ++digits) value = value * 10 + (text[i] - '0');
  }
  if (digits == 0) return std::nullopt;
  return value;
}

// ---- Formats -------------------------------------------------------------------------------------

struct CmTraceAttributes {
  std::string_view time, date, component, type, thread;
  bool has_type = false;
};

bool attribute_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-' || c == ':';
}

/// Reads `<name="value" ...>` by name; returns the offset just past the closing '>', or npos when
/// the attributes do not close (what was read before stays read).
std::size_t parse_attributes(std::string_view text, CmTraceAttributes& out) {
  std::size_t i = 0;
  auto skip_spaces = [&] {
    while (i < text.size() && is_space(text[i])) ++i;
  };
  skip_spaces();
  if (i >= text.size() || text[i] != '<') return std::string_view::npos;
  ++i;
  for (;;) {
    skip_spaces();
    if (i >= text.size()) return std::string_view::npos;
    if (text[i] == '>') return i + 1;
    if (text[i] == '/' && i + 1 < text.size() && text[i + 1] == '>') return i + 2;
    std::size_t name_start = i;
    while (i < text.size() && attribute_name_char(text[i])) ++i;
    if (i == name_start) return std::string_view::npos;
    std::string_view name = text.substr(name_start, i - name_start);
    skip_spaces();
    if (i >= text.size() || text[i] != '=') continue;  // a name without a value
    ++i;
    skip_spaces();
    if (i >= text.size()) return std::string_view::npos;
    std::string_view value;
    bool closed = true;
    if (text[i] == '"' || text[i] == '\'') {
      std::size_t end = text.find(text[i], i + 1);
      closed = end != std::string_view::npos;
      if (!closed) end = text.size();
      value = text.substr(i + 1, end - i - 1);
      i = closed ? end + 1 : end;
    } else {
      std::size_t start = i;
      while (i < text.size() && !is_space(text[i]) && text[i] != '>') ++i;
      value = text.substr(start, i - start);
    }
    if (name == "time") {
      out.time = value;
    } else if (name == "date") {
      out.date = value;
    } else if (name == "component") {
      out.component = value;
    } else if (name == "type") {
      out.type = value;
      out.has_type = true;
    } else if (name == "thread") {
      out.thread = value;
    }
    if (!closed) return std::string_view::npos;
  }
}

/// A closed CMTrace block: `message` between `<![LOG[` and `]LOG]!>`, `attributes` the rest of the
/// closing line. `*consumed` is how much of `attributes` the entry took.
LogEntry cmtrace_entry(std::string_view message, std::string_view attributes, std::size_t* consumed) {
  LogEntry entry;
  entry.format = LogFormat::kCmTrace;
  entry.message = join_lines(message);
  CmTraceAttributes a;
  std::size_t end = parse_attributes(attributes, a);
  if (consumed) *consumed = end == std::string_view::npos ? attributes.size() : end;
  entry.time = cmtrace_time(a.time, a.date);
  entry.component.assign(a.component);
  entry.thread = parse_thread(a.thread);
  std::optional<std::int64_t> type = a.has_type ? parse_thread(a.type) : std::nullopt;
  if (!type) {
    entry.severity = infer_severity(entry.message);
  } else if (*type == 2) {
    entry.severity = LogSeverity::kWarning;
  } else if (*type == 3) {
    entry.severity = LogSeverity::kError;
  } else {
    entry.severity = LogSeverity::kInfo;
  }
  return entry;
}

/// `message  $$<COMPONENT><MM-DD-YYYY HH:MM:SS.mmm+BIAS><thread=N (0xHEX)>`.
bool site_server_entry(std::string_view line, LogEntry& entry) {
  std::size_t marker = line.rfind("$$<");
  if (marker == std::string_view::npos) return false;
  std::size_t component_end = line.find('>', marker + 3);
  if (component_end == std::string_view::npos) return false;
  entry.format = LogFormat::kSiteServer;
  entry.component.assign(line.substr(marker + 3, component_end - marker - 3));
  std::string_view rest = line.substr(component_end + 1);
  if (rest.starts_with('<')) {
    std::size_t stamp_end = rest.find('>');
    if (stamp_end != std::string_view::npos) {
      entry.time = site_server_time(rest.substr(1, stamp_end - 1));
      rest.remove_prefix(stamp_end + 1);
    }
  }
  if (std::size_t thread = rest.find("<thread="); thread != std::string_view::npos) {
    entry.thread = parse_thread(rest.substr(thread + 8));
  }
  std::string_view message = trim_right(line.substr(0, marker));
  while (message.ends_with('~')) message.remove_suffix(1);
  message = trim_right(message);
  entry.message.reserve(message.size());
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '~' && i + 1 < message.size() && message[i + 1] == '~') {
      entry.message += '\n';
      ++i;
    } else {
      entry.message += message[i];
    }
  }
  entry.severity = infer_severity(entry.message);
  return true;
}

/// `<MM/DD/YY HH:MM:SS> message`.
bool setup_entry(std::string_view line, LogEntry& entry) {
  if (line.size() < 16 || line[0] != '<' || !is_digit(line[1])) return false;
  LogTime t;
  Scanner s{line, 1};
  t.month = s.number(1, 2);
  s.expect('/');
  t.day = s.number(1, 2);
  s.expect('/');
  std::size_t before = s.at;
  t.year = s.number(2, 4);
  if (s.ok && s.at - before == 2) t.year += 2000;
  if (s.ok && s.at - before == 3) s.ok = false;
  s.expect(' ');
  t.hour = s.number(1, 2);
  s.expect(':');
  t.minute = s.number(2, 2);
  s.expect(':');
  t.second = s.number(2, 2);
  s.expect('>');
  if (!s.ok || !valid(t)) return false;
  entry.format = LogFormat::kSetup;
  entry.time = t;
  std::string_view message = line.substr(s.at);
  if (message.starts_with(' ')) message.remove_prefix(1);
  entry.message.assign(message);
  entry.severity = infer_severity(entry.message);
  return true;
}

/// A line that is not (the start of) a CMTrace block.
LogEntry plain_entry(std::string_view line) {
  LogEntry entry;
  if (site_server_entry(line, entry)) return entry;
  entry = LogEntry{};
  if (setup_entry(line, entry)) return entry;
  entry = LogEntry{};
  entry.message.assign(line);
  entry.severity = infer_severity(entry.message);
  return entry;
}

LogEntry text_entry(std::string_view raw) {
  LogEntry entry;
  entry.message = join_lines(raw);
  entry.severity = infer_severity(entry.message);
  return entry;
}

// ---- Decoding ------------------------------------------------------------------------------------

char* put(char* out, char32_t cp) {
  if (cp == 0) return out;  // NULs are dropped
  if (cp < 0x80) {
    *out++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out++ = static_cast<char>(0xC0 | (cp >> 6));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out++ = static_cast<char>(0xE0 | (cp >> 12));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out++ = static_cast<char>(0xF0 | (cp >> 18));
    *out++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

/// UTF-8 validation as the WHATWG decoder does it (one U+FFFD per maximal invalid subpart), with
/// its state kept between feeds.
class Utf8Decoder {
 public:
  void decode(std::string_view in, std::string& out) {
    std::size_t old = out.size();
    out.resize(old + 3 * (in.size() + 4));
    char* o = out.data() + old;
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const unsigned char* end = p + in.size();
    while (p < end) {
      if (need_ == 0) {
        // The common case: runs of ASCII without NULs, eight bytes at a time.
        while (end - p >= 8) {
          std::uint64_t v;
          std::memcpy(&v, p, 8);
          constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
          if ((((v - kOnes) & ~v) | v) & kHighs) break;
          std::memcpy(o, p, 8);
          o += 8;
          p += 8;
        }
        if (p == end) break;
      }
      o = step(*p++, o);
    }
    out.resize(static_cast<std::size_t>(o - out.data()));
  }

  /// The stream ended: a sequence cut short is one U+FFFD.
  void finish(std::string& out) {
    if (need_ == 0) return;
    need_ = 0;
    seen_ = 0;
    char buffer[4];
    out.append(buffer, put(buffer, kReplacement));
  }

  std::size_t pending() const { return seen_; }

 private:
  char* step(unsigned char b, char* o) {
    if (need_ > 0) {
      if (b >= lower_ && b <= upper_) {
        cp_ = (cp_ << 6) | (b & 0x3F);
        lower_ = 0x80;
        upper_ = 0xBF;
        ++seen_;
        if (--need_ == 0) {
          seen_ = 0;
          return put(o, cp_);
        }
        return o;
      }
      need_ = 0;
      seen_ = 0;
      o = put(o, kReplacement);  // and `b` starts afresh
    }
    if (b < 0x80) return put(o, b);
    lower_ = 0x80;
    upper_ = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      need_ = 1;
      cp_ = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need_ = 2;
      cp_ = b & 0x0F;
      if (b == 0xE0) lower_ = 0xA0;
      if (b == 0xED) upper_ = 0x9F;  // no surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      need_ = 3;
      cp_ = b & 0x07;
      if (b == 0xF0) lower_ = 0x90;
      if (b == 0xF4) upper_ = 0x8F;  // nothing above U+10FFFF
    } else {
      return put(o, kReplacement);
    }
    seen_ = 1;
    return o;
  }

  int need_ = 0;          ///< continuation bytes still to come
  std::size_t seen_ = 0;  ///< bytes of the sequence read so far
  char32_t cp_ = 0;
  unsigned char lower_ = 0x80, upper_ = 0xBF;
};

/// UTF-16LE, its state (an odd byte, a high surrogate) kept between feeds.
class Utf16Decoder {
 public:
  void decode(std::string_view in, std::string& out) {
    std::size_t old = out.size();
    out.resize(old + 3 * (in.size() + 4));
    char* o = out.data() + old;
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const unsigned char* end = p + in.size();
    if (has_odd_ && p < end) {
      o = unit(static_cast<char16_t>(odd_ | (*p++ << 8)), o);
      has_odd_ = false;
    }
    for (; end - p >= 2; p += 2) {
      auto u = static_cast<char16_t>(p[0] | (p[1] << 8));
      if (u < 0x80 && u != 0 && high_ == 0) {
        *o++ = static_cast<char>(u);
      } else {
        o = unit(u, o);
      }
    }
    if (p < end) {
      odd_ = *p;
      has_odd_ = true;
    }
    out.resize(static_cast<std::size_t>(o - out.data()));
  }

  /// The stream ended: a lone byte or high surrogate is one U+FFFD each.
  void finish(std::string& out) {
    char buffer[8];
    char* o = buffer;
    if (high_ != 0) o = put(o, kReplacement);
    if (has_odd_) o = put(o, kReplacement);
    high_ = 0;
    has_odd_ = false;
    out.append(buffer, o);
  }

  std::size_t pending() const { return (has_odd_ ? 1 : 0) + (high_ != 0 ? 2 : 0); }

 private:
  char* unit(char16_t u, char* o) {
    if (high_ != 0) {
      if (u >= 0xDC00 && u <= 0xDFFF) {
        char32_t cp = 0x10000 + ((static_cast<char32_t>(high_) - 0xD800) << 10) + (u - 0xDC00);
        high_ = 0;
        return put(o, cp);
      }
      high_ = 0;
      o = put(o, kReplacement);
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
      high_ = u;
      return o;
    }
    if (u >= 0xDC00 && u <= 0xDFFF) return put(o, kReplacement);
    return put(o, u);
  }

  char16_t high_ = 0;
  unsigned char odd_ = 0;
  bool has_odd_ = false;
};

}  // namespace

std::string_view log_format_name(LogFormat format) {
  switch (format) {
    case LogFormat::kCmTrace:
      return "cmtrace";
    case LogFormat::kSiteServer:
      return "site-server";
    case LogFormat::kSetup:
      return "setup";
    case LogFormat::kText:
      return "text";
  }
  return "text";
}

std::string_view log_severity_name(LogSeverity severity) {
  switch (severity) {
    case LogSeverity::kInfo:
      return "info";
    case LogSeverity::kWarning:
      return "warning";
    case LogSeverity::kError:
      return "error";
  }
  return "info";
}

std::string LogTime::str() const {
  std::string out = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}", year, month, day, hour, minute, second, millisecond);
  if (bias_minutes) out += fmt::format(" {:+04}", *bias_minutes);
  return out;
}

struct LogReader::State {
  Sink sink;
  LogEncoding encoding;  ///< kDetect until the first bytes decided it
  std::size_t max_entry;
  bool started = false;  ///< the question of a BOM is settled
  std::string head;      ///< the first bytes, while they could still be a BOM
  Utf8Decoder utf8;
  Utf16Decoder utf16;

  /// Decoded text not yet made entries. The pending entry starts at `start` (a line start, or
  /// where a block opens after another on the same line); the line being read starts at `pos`.
  std::string text;
  std::size_t start = 0, pos = 0;
  std::size_t scanned = 0;  ///< no LF in [pos, scanned)
  bool in_block = false;    ///< `start` opens a CMTrace block that has not closed yet
  bool skipping = false;    ///< dropping the rest of a line cut at max_entry
  bool at_end = false;      ///< finishing: the last line ends with the text
  std::uint64_t line = 0;   ///< lines ended before `pos`
  std::uint64_t entry_line = 0;

  State(Sink s, LogEncoding e, std::size_t max) : sink(std::move(s)), encoding(e), max_entry(std::max(max, kMinEntryBytes)) {}

  void feed(std::string_view bytes) {
    if (!started) {
      if (!settle_bom(bytes)) return;
      std::string first = std::move(head);
      head.clear();
      decode(first);
    }
    // In slices, so that a large feed is never decoded whole before its lines are taken.
    while (!bytes.empty()) {
      std::size_t n = std::min(bytes.size(), kSliceBytes);
      decode(bytes.substr(0, n));
      bytes.remove_prefix(n);
      process();
      compact();
    }
    process();
    compact();
  }

  void finish() {
    if (!started) {
      // Too short to tell: what there is is UTF-8 (a lone 0xFF or a cut BOM becomes U+FFFD).
      started = true;
      if (encoding == LogEncoding::kDetect) encoding = LogEncoding::kUtf8;
      std::string first = std::move(head);
      head.clear();
      decode(first);
    }
    if (encoding == LogEncoding::kUtf16Le) {
      utf16.finish(text);
    } else {
      utf8.finish(text);
    }
    at_end = true;
    process();
    if (skipping) {
      skipping = false;
      ++line;
    }
    if (in_block) {
      in_block = false;
      std::string_view rest = std::string_view(text).substr(start);
      while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r')) rest.remove_suffix(1);
      emit(text_entry(rest), entry_line);
    }
    text.clear();
    start = pos = scanned = 0;
    at_end = false;
  }

  std::size_t buffered() const { return head.size() + utf8.pending() + utf16.pending() + (text.size() - start); }

  /// Collects the first bytes until they show whether the stream opens with a BOM, and drops it;
  /// false while they cannot tell yet (everything is then in `head`).
  bool settle_bom(std::string_view& bytes) {
    constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF", kUtf16Bom = "\xFF\xFE";
    std::size_t take = std::min(bytes.size(), std::size_t{3} - head.size());
    head.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    bool want8 = encoding != LogEncoding::kUtf16Le, want16 = encoding != LogEncoding::kUtf8;
    auto could_be = [&](std::string_view bom) { return head.size() < bom.size() && bom.starts_with(head); };
    if ((want8 && could_be(kUtf8Bom)) || (want16 && could_be(kUtf16Bom))) {
      if (bytes.empty()) return false;
    }
    started = true;
    if (want8 && head.starts_with(kUtf8Bom)) {
      encoding = LogEncoding::kUtf8;
      head.erase(0, kUtf8Bom.size());
    } else if (want16 && head.starts_with(kUtf16Bom)) {
      encoding = LogEncoding::kUtf16Le;
      head.erase(0, kUtf16Bom.size());
    } else if (encoding == LogEncoding::kDetect) {
      encoding = LogEncoding::kUtf8;
    }
    return true;
  }

  void decode(std::string_view bytes) {
    if (bytes.empty()) return;
    if (encoding == LogEncoding::kUtf16Le) {
      utf16.decode(bytes, text);
    } else {
      utf8.decode(bytes, text);
    }
  }

  /// Drops the text already made entries once it outweighs what is kept, so that copying stays
  /// linear overall.
  void compact() {
    if (start == 0) return;
    if (start < text.size() - start) return;
    text.erase(0, start);
    pos -= start;
    scanned -= std::min(scanned, start);
    start = 0;
  }

  /// The end of the line at `pos`: its LF, the end of the text when finishing, or npos.
  std::size_t line_end() {
    std::size_t from = std::max(pos, scanned);
    if (from < text.size()) {
      const void* lf = std::memchr(text.data() + from, '\n', text.size() - from);
      if (lf) {
        scanned = static_cast<std::size_t>(static_cast<const char*>(lf) - text.data());
        return scanned;
      }
    }
    scanned = text.size();
    return at_end && pos < text.size() ? text.size() : std::string::npos;
  }

  /// The line [pos, end) without its CR; `pos` moves to the next line.
  std::string_view take_line(std::size_t end) {
    std::string_view l(text.data() + pos, end - pos);
    if (l.ends_with('\r')) l.remove_suffix(1);
    pos = end < text.size() ? end + 1 : text.size();
    ++line;
    return l;
  }

  void emit(LogEntry&& entry, std::uint64_t at_line) {
    entry.line = at_line;
    sink(std::move(entry));
  }

  /// The entry at `start` is longer than allowed: its first max_entry bytes come out as text and
  /// the rest of the line where the cut falls is dropped.
  void cut() {
    std::size_t c = start + max_entry;
    while (c > start && is_continuation(text[c])) --c;
    std::uint64_t at_line = in_block ? entry_line : line + 1;
    LogEntry entry = text_entry(std::string_view(text).substr(start, c - start));
    in_block = false;
    if (c < pos) {  // the cut falls on the LF that ended the previous line
      start = pos;
    } else {
      start = pos = c;
      skipping = true;
    }
    emit(std::move(entry), at_line);
  }

  void process() {
    for (;;) {
      if (skipping) {
        const void* lf = std::memchr(text.data() + start, '\n', text.size() - start);
        if (!lf) {
          start = pos = scanned = text.size();
          return;
        }
        start = pos = static_cast<std::size_t>(static_cast<const char*>(lf) - text.data()) + 1;
        ++line;
        skipping = false;
        continue;
      }
      if (in_block && pos > start) {
        // A block opening while another is still open: the open one never closed.
        std::string_view next = std::string_view(text).substr(pos, kOpen.size());
        if (next == kOpen) {
          std::string_view open(text.data() + start, pos - 1 - start);
          if (open.ends_with('\r')) open.remove_suffix(1);
          std::uint64_t at_line = entry_line;
          start = pos;
          entry_line = line + 1;
          emit(text_entry(open), at_line);
          continue;
        }
        if (!at_end && kOpen.starts_with(next)) return;  // cannot tell yet
      }
      std::size_t end = line_end();
      if (end == std::string::npos) {
        if (text.size() - start > max_entry) {
          cut();
          continue;
        }
        return;
      }
      if (end - start > max_entry) {
        cut();
        continue;
      }
      if (!in_block) {
        if (std::string_view(text.data() + pos, end - pos).starts_with(kOpen)) {
          in_block = true;
          entry_line = line + 1;
        } else {
          std::uint64_t at_line = line + 1;
          std::string_view l = take_line(end);
          start = pos;
          if (!blank(l)) emit(plain_entry(l), at_line);
          continue;
        }
      }
      close_block(end);
    }
  }

  /// The block at `start` is open and the line [pos, end) is complete: closes the block if the
  /// line holds `]LOG]!>`.
  void close_block(std::size_t end) {
    std::size_t from = pos == start ? pos + kOpen.size() : pos;
    std::string_view rest(text.data() + from, end - from);
    std::size_t close = rest.find(kClose);
    if (close == std::string_view::npos) {
      take_line(end);
      return;
    }
    close += from;
    std::string_view whole(text.data() + pos, end - pos);
    if (whole.ends_with('\r')) whole.remove_suffix(1);
    std::string_view attributes(text.data() + close + kClose.size(), pos + whole.size() - close - kClose.size());
    std::size_t consumed = 0;
    LogEntry entry =
        cmtrace_entry(std::string_view(text).substr(start + kOpen.size(), close - start - kOpen.size()), attributes, &consumed);
    std::uint64_t at_line = entry_line, closing_line = line + 1;
    // What follows the attributes on the same line: another block, or a line of its own.
    std::string_view after = attributes.substr(consumed);
    std::size_t next = after.find(kOpen);
    std::string_view between = after.substr(0, next);
    while (!between.empty() && is_space(between.front())) between.remove_prefix(1);
    std::optional<LogEntry> extra;
    if (!between.empty()) extra = plain_entry(between);
    if (next != std::string_view::npos) {
      start = pos = static_cast<std::size_t>(after.data() + next - text.data());
      entry_line = line + 1;  // still in a block, on the same line
    } else {
      in_block = false;
      take_line(end);
      start = pos;
    }
    emit(std::move(entry), at_line);
    if (extra) emit(std::move(*extra), closing_line);
  }
};

LogReader::LogReader(Sink sink, LogEncoding encoding, std::size_t max_entry_bytes)
    : state_(std::make_unique<State>(std::move(sink), encoding, max_entry_bytes)) {}
LogReader::~LogReader() = default;
LogReader::LogReader(LogReader&&) noexcept = default;
LogReader& LogReader::operator=(LogReader&&) noexcept = default;

void LogReader::feed(std::string_view bytes) { state_->feed(bytes); }
void LogReader::finish() { state_->finish(); }
LogEncoding LogReader::encoding() const { return state_->encoding; }
std::size_t LogReader::buffered() const { return state_->buffered(); }
std::uint64_t LogReader::lines() const { return state_->line; }

std::vector<LogEntry> read_log(std::string_view bytes, LogEncoding encoding) {
  std::vector<LogEntry> entries;
  LogReader reader([&entries](LogEntry&& entry) { entries.push_back(std::move(entry)); }, encoding);
  reader.feed(bytes);
  reader.finish();
  return entries;
}

LogEntry parse_log_line(std::string_view line) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  LogEntry entry;
  if (line.starts_with(kOpen)) {
    std::size_t close = line.find(kClose, kOpen.size());
    if (close == std::string_view::npos) {
      entry = text_entry(line);
    } else {
      entry = cmtrace_entry(line.substr(kOpen.size(), close - kOpen.size()), line.substr(close + kClose.size()), nullptr);
    }
  } else {
    entry = plain_entry(line);
  }
  entry.line = 1;
  return entry;
}

}  // namespace supctl::formats
