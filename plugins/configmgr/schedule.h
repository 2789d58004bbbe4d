#pragma once
/// The schedule grammar, readable and covering what a ConfigMgr schedule token can say.
///
///   schedule := "hourly" [("from"|"at") TIME]
///             | "every" N ("hour"|"hours") [("from"|"at") TIME]          N in 1..23
///             | "daily" ["at"] TIME | "every" N ("day"|"days") ["at"] TIME   N in 1..31
///             | "weekly" ["on"] DAY ["at"] TIME
///             | "every" N ("week"|"weeks") ["on"] DAY ["at"] TIME            N in 1..4
///             | "monthly" ["on"] WHEN ["at"] TIME
///             | "every" N ("month"|"months") ["on"] WHEN ["at"] TIME          N in 1..12
///   WHEN     := "day" D (1..31) | "last" "day" | ORDINAL DAY
///   ORDINAL  := "first" | "second" | "third" | "fourth" | "last"
///   DAY      := "sunday" ... "saturday"       TIME := HH:MM, 24-hour
/// Words are case-insensitive; runs of spaces are one space.

#include <string>
#include <string_view>
#include <variant>

#include "model/schema.h"

namespace supctl::plugins::configmgr {

struct Schedule {
  enum class Recurrence { kHours, kDays, kWeekly, kMonthlyByDay, kMonthlyByWeek };
  Recurrence recurrence = Recurrence::kDays;
  int interval = 1;      ///< every N hours, days, weeks or months
  int hour = 0;          ///< start time, 0..23
  int minute = 0;        ///< 0..59
  int day_of_week = 0;   ///< 0 = Sunday .. 6 = Saturday (weekly, monthly by week)
  int week_order = 1;    ///< 1..4, or 0 for the last (monthly by week)
  int day_of_month = 1;  ///< 1..31, or 0 for the last day (monthly by day)

  /// The canonical text, e.g. "every 2 weeks on sunday at 03:00"; parses back to the same value.
  std::string str() const;
  friend bool operator==(const Schedule&, const Schedule&) = default;
};

/// The `schedule` attribute's format; its errors use the code "invalid-schedule" because the
/// JSON Schema cannot decide the grammar.
extern const model::Format kScheduleFormat;

/// Parses a schedule; an error carries the byte offset of the word at fault.
std::variant<Schedule, model::FormatError> parse_schedule(std::string_view text);

}  // namespace supctl::plugins::configmgr
