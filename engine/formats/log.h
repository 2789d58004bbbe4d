#pragma once
/// ConfigMgr log files as entries: the CMTrace format, the legacy site-server `$$<` format and the
/// setup-log format (SUPSetup.log), in UTF-8 or UTF-16LE, read as a stream of bytes in any chunking.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace supctl::formats {

/// Which shape a line had. Detected per entry: `<![LOG[`, then `$$<`, then `<MM/DD/YY HH:MM:SS>`,
/// then plain text.
enum class LogFormat { kCmTrace, kSiteServer, kSetup, kText };
std::string_view log_format_name(LogFormat format);  ///< "cmtrace", "site-server", "setup", "text"

/// CMTrace's type 1, 2, 3; the other formats have none, so it is inferred from the text as CMTrace
/// does ("error", "fail" but not "failover", "warn").
enum class LogSeverity { kInfo, kWarning, kError };
std::string_view log_severity_name(LogSeverity severity);  ///< "info", "warning", "error"

/// The time as the log wrote it: the writer's local time, with the bias in minutes when the format
/// carries one (UTC = local + bias, Windows' convention). Not converted: hosts' clocks differ anyway.
struct LogTime {
  int year = 0;  ///< four digits (two-digit years of the setup format are 2000 + yy)
  int month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int millisecond = 0;
  std::optional<int> bias_minutes;
  /// "2026-11-21 08:00:12.345", with " +000" when the bias is known.
  std::string str() const;
};

struct LogEntry {
  LogFormat format = LogFormat::kText;
  std::optional<LogTime> time;   ///< nullopt for plain text and unparsable stamps
  std::string component;         ///< empty when the format has none
  LogSeverity severity = LogSeverity::kInfo;
  std::optional<std::int64_t> thread;
  std::string message;           ///< UTF-8; a multi-line CMTrace message keeps its '\n'; '~~' is '\n'
  std::uint64_t line = 0;        ///< 1-based line number, in the stream fed, of the entry's first line
};

/// How the bytes are encoded. Detected from a BOM at the start of the stream (UTF-8 without a BOM
/// otherwise); a reader that starts mid-file is told what an earlier read found.
enum class LogEncoding { kDetect, kUtf8, kUtf16Le };

/// A streaming reader: feed it bytes as they arrive, entries come out through the sink as soon as
/// they are complete. Memory stays bounded by `max_entry_bytes` whatever the log's size: an entry
/// longer than that (a CMTrace block that never closes, a line with no end) comes out as text,
/// cut at the limit. Never throws on bad input: what it cannot parse is kept as a kText entry.
class LogReader {
 public:
  using Sink = std::function<void(LogEntry&& entry)>;
  static constexpr std::size_t kDefaultMaxEntryBytes = std::size_t{1} << 20;

  explicit LogReader(Sink sink, LogEncoding encoding = LogEncoding::kDetect,
                     std::size_t max_entry_bytes = kDefaultMaxEntryBytes);
  ~LogReader();
  LogReader(LogReader&&) noexcept;
  LogReader& operator=(LogReader&&) noexcept;

  /// Takes the next bytes of the stream (any split: mid-line, mid-character, mid-CRLF).
  void feed(std::string_view bytes);
  /// The stream ended: what is buffered (a partial last line, an unclosed CMTrace block) comes
  /// out as entries. A tailing reader does not call it between polls, so a line still being
  /// written waits for its end.
  void finish();

  LogEncoding encoding() const;  ///< kDetect until the first bytes decided it
  std::size_t buffered() const;  ///< bytes held for an entry not yet complete
  std::uint64_t lines() const;   ///< lines seen so far

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// The whole of `bytes` as entries (feed and finish).
std::vector<LogEntry> read_log(std::string_view bytes, LogEncoding encoding = LogEncoding::kDetect);

/// One complete line (UTF-8, no line end) in whichever format it has; a CMTrace block that does
/// not close on this line comes back as text.
LogEntry parse_log_line(std::string_view line);

}  // namespace supctl::formats
