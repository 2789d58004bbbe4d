#include "plugins/configmgr/schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <vector>

#include "diag/suggest.h"
#include "model/text.h"

namespace supctl::plugins::configmgr {
namespace {

constexpr std::array<std::string_view, 7> kDays{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
constexpr std::array<std::string_view, 5> kOrdinals{"last", "first", "second", "third", "fourth"};  // index = week_order

struct Token {
  std::string text;    ///< lower case
  std::size_t offset;  ///< byte offset in the input
};

using Error = model::FormatError;

class Parser {
 public:
  explicit Parser(std::string_view text) : length_(text.size()) {
    std::size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && text[i] == ' ') ++i;
      std::size_t start = i;
      while (i < text.size() && text[i] != ' ') ++i;
      if (i > start) {
        tokens_.push_back(Token{model::lower(text.substr(start, i - start)), start});
      }
    }
  }

  std::variant<Schedule, Error> parse() {
    Schedule s;
    if (tokens_.empty()) return fail("expected a schedule such as 'daily 02:00' or 'every 8 hours'", 0);
    const Token& first = tokens_[0];
    pos_ = 1;
    if (first.text == "hourly") {
      s.recurrence = Schedule::Recurrence::kHours;
      return finish_hours(s);
    }
    if (first.text == "daily") {
      s.recurrence = Schedule::Recurrence::kDays;
      return finish_time(s, true);
    }
    if (first.text == "weekly") {
      s.recurrence = Schedule::Recurrence::kWeekly;
      return finish_weekly(s);
    }
    if (first.text == "monthly") return finish_monthly(s);
    if (first.text != "every") {
      static constexpr std::array<std::string_view, 5> kStarts{"every", "hourly", "daily", "weekly", "monthly"};
      return fail(fmt::format("expected 'every', 'hourly', 'daily', 'weekly' or 'monthly', found '{}'", first.text), first.offset,
                  diag::did_you_mean(first.text, kStarts));
    }
    const Token* number = next();
    if (!number) return fail("expected a number after 'every', as in 'every 8 hours'", length_);
    auto n = integer(number->text);
    if (!n) return fail(fmt::format("expected a number after 'every', found '{}'", number->text), number->offset);
    const Token* unit = next();
    if (!unit) return fail("expected 'hours', 'days', 'weeks' or 'months' after the number", length_);
    std::string_view u = unit->text;
    if (u.ends_with('s')) u.remove_suffix(1);
    struct Unit { std::string_view name; Schedule::Recurrence recurrence; int max; };
    static constexpr std::array<Unit, 4> kUnits{{{"hour", Schedule::Recurrence::kHours, 23},
                                                 {"day", Schedule::Recurrence::kDays, 31},
                                                 {"week", Schedule::Recurrence::kWeekly, 4},
                                                 {"month", Schedule::Recurrence::kMonthlyByDay, 12}}};
    auto found = std::find_if(kUnits.begin(), kUnits.end(), [&](const Unit& x) { return x.name == u; });
    if (found == kUnits.end()) {
      static constexpr std::array<std::string_view, 4> kNames{"hours", "days", "weeks", "months"};
      return fail(fmt::format("expected 'hours', 'days', 'weeks' or 'months', found '{}'", unit->text), unit->offset,
                  diag::did_you_mean(unit->text, kNames));
    }
    if (*n < 1 || *n > found->max) {
      return fail(fmt::format("every {} {}s is out of range: ConfigMgr schedules run every 1 to {} {}s", *n, found->name,
                              found->max, found->name),
                  number->offset);
    }
    s.interval = *n;
    s.recurrence = found->recurrence;
    switch (found->recurrence) {
      case Schedule::Recurrence::kHours: return finish_hours(s);
      case Schedule::Recurrence::kDays: return finish_time(s, true);
      case Schedule::Recurrence::kWeekly: return finish_weekly(s);
      default: return finish_monthly(s);
    }
  }

 private:
  const Token* next() { return pos_ < tokens_.size() ? &tokens_[pos_++] : nullptr; }
  const Token* peek() const { return pos_ < tokens_.size() ? &tokens_[pos_] : nullptr; }
  bool accept(std::string_view word) {
    if (peek() && peek()->text == word) {
      ++pos_;
      return true;
    }
    return false;
  }

  static std::optional<int> integer(std::string_view text) {
    if (text.empty() || text.size() > 4 || !std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      return std::nullopt;
    }
    return std::stoi(std::string(text));
  }

  Error fail(std::string message, std::size_t offset, std::string help = {}) const {
    return Error{std::move(message), offset, std::move(help)};
  }

  std::variant<Schedule, Error> end(Schedule s) {
    if (const Token* extra = peek()) return fail(fmt::format("unexpected '{}' after the end of the schedule", extra->text), extra->offset);
    return s;
  }

  // TIME, optionally after 'at'; required unless `optional`.
  std::variant<Schedule, Error> finish_time(Schedule s, bool required) {
    bool said_at = accept("at");
    const Token* time = next();
    if (!time) {
      if (!required && !said_at) return s;
      return fail("expected a time such as '02:00'", length_);
    }
    const std::string& t = time->text;
    bool shape = t.size() == 5 && t[2] == ':' && std::isdigit(static_cast<unsigned char>(t[0])) && std::isdigit(static_cast<unsigned char>(t[1])) &&
                 std::isdigit(static_cast<unsigned char>(t[3])) && std::isdigit(static_cast<unsigned char>(t[4]));
    if (!shape) return fail(fmt::format("expected a 24-hour time such as '02:00', found '{}'", t), time->offset);
    s.hour = (t[0] - '0') * 10 + (t[1] - '0');
    s.minute = (t[3] - '0') * 10 + (t[4] - '0');
    if (s.hour > 23) return fail(fmt::format("'{}' is not a time: hours run from 00 to 23", t), time->offset);
    if (s.minute > 59) return fail(fmt::format("'{}' is not a time: minutes run from 00 to 59", t), time->offset + 3);
    return end(s);
  }

  std::variant<Schedule, Error> finish_hours(Schedule s) {
    if (accept("from")) {
      if (!peek()) return fail("expected a time such as '00:30' after 'from'", length_);
      return finish_time(s, true);
    }
    return finish_time(s, false);
  }

  std::optional<Error> day(Schedule& s) {
    const Token* d = next();
    if (!d) return fail("expected a day of the week such as 'sunday'", length_);
    auto it = std::find(kDays.begin(), kDays.end(), d->text);
    if (it == kDays.end()) {
      return fail(fmt::format("expected a day of the week, found '{}'", d->text), d->offset, diag::did_you_mean(d->text, kDays));
    }
    s.day_of_week = static_cast<int>(it - kDays.begin());
    return std::nullopt;
  }

  std::variant<Schedule, Error> finish_weekly(Schedule s) {
    accept("on");
    if (auto error = day(s)) return *error;
    return finish_time(s, true);
  }

  std::variant<Schedule, Error> finish_monthly(Schedule s) {
    accept("on");
    const Token* when = next();
    if (!when) return fail("expected 'day N', 'last day' or a week and day such as 'second tuesday'", length_);
    if (when->text == "day") {
      const Token* number = next();
      auto d = number ? integer(number->text) : std::nullopt;
      if (!d) return fail("expected a day of the month from 1 to 31 after 'day'", number ? number->offset : length_);
      if (*d < 1 || *d > 31) return fail(fmt::format("day {} is out of range: days of the month run from 1 to 31", *d), number->offset);
      s.recurrence = Schedule::Recurrence::kMonthlyByDay;
      s.day_of_month = *d;
      return finish_time(s, true);
    }
    if (when->text == "last" && peek() && peek()->text == "day") {
      ++pos_;
      s.recurrence = Schedule::Recurrence::kMonthlyByDay;
      s.day_of_month = 0;
      return finish_time(s, true);
    }
    auto ordinal = std::find(kOrdinals.begin(), kOrdinals.end(), when->text);
    if (ordinal == kOrdinals.end()) {
      std::vector<std::string_view> words{"day", "first", "second", "third", "fourth", "last"};
      return fail(fmt::format("expected 'day N', 'last day' or 'first'..'fourth'/'last' and a weekday, found '{}'", when->text),
                  when->offset, diag::did_you_mean(when->text, words));
    }
    s.recurrence = Schedule::Recurrence::kMonthlyByWeek;
    s.week_order = static_cast<int>(ordinal - kOrdinals.begin());
    if (auto error = day(s)) return *error;
    return finish_time(s, true);
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  std::size_t length_;
};

}  // namespace

std::string Schedule::str() const {
  std::string time = fmt::format("{:02}:{:02}", hour, minute);
  auto every = [&](std::string_view unit) {
    return interval == 1 ? fmt::format("every 1 {}", unit) : fmt::format("every {} {}s", interval, unit);
  };
  switch (recurrence) {
    case Recurrence::kHours: return fmt::format("{} from {}", every("hour"), time);
    case Recurrence::kDays: return fmt::format("{} at {}", every("day"), time);
    case Recurrence::kWeekly: return fmt::format("{} on {} at {}", every("week"), kDays[static_cast<std::size_t>(day_of_week)], time);
    case Recurrence::kMonthlyByDay:
      return day_of_month == 0 ? fmt::format("{} on last day at {}", every("month"), time)
                               : fmt::format("{} on day {} at {}", every("month"), day_of_month, time);
    case Recurrence::kMonthlyByWeek:
      return fmt::format("{} on {} {} at {}", every("month"), kOrdinals[static_cast<std::size_t>(week_order)],
                         kDays[static_cast<std::size_t>(day_of_week)], time);
  }
  return time;
}

std::variant<Schedule, model::FormatError> parse_schedule(std::string_view text) { return Parser(text).parse(); }

namespace {

std::optional<model::FormatError> check_schedule(std::string_view text, std::string* normalized) {
  auto parsed = parse_schedule(text);
  if (auto* error = std::get_if<model::FormatError>(&parsed)) return *error;
  if (normalized) *normalized = std::get<Schedule>(parsed).str();
  return std::nullopt;
}

}  // namespace

const model::Format kScheduleFormat{
    "schedule", "a schedule such as 'daily 02:00', 'every 8 hours', 'weekly sunday 03:00' or 'monthly second tuesday 20:00'",
    R"json({"type":"string"})json", check_schedule, "invalid-schedule"};

}  // namespace supctl::plugins::configmgr
