#include "plugins/configmgr/schedule.h"

#include <catch2/catch.hpp>

namespace supctl::plugins::configmgr {
namespace {

using R = Schedule::Recurrence;

Schedule parsed(std::string_view text) {
  auto result = parse_schedule(text);
  if (auto* error = std::get_if<model::FormatError>(&result)) FAIL("'" << text << "': " << error->message);
  return std::get<Schedule>(result);
}

model::FormatError failed(std::string_view text) {
  auto result = parse_schedule(text);
  REQUIRE(std::holds_alternative<model::FormatError>(result));
  return std::get<model::FormatError>(result);
}

TEST_CASE("schedules in each recurrence ConfigMgr has") {
  CHECK(parsed("daily 02:00") == Schedule{R::kDays, 1, 2, 0});
  CHECK(parsed("Daily at 23:59") == Schedule{R::kDays, 1, 23, 59});
  CHECK(parsed("every 8 hours") == Schedule{R::kHours, 8, 0, 0});
  CHECK(parsed("every 1 hour from 00:30") == Schedule{R::kHours, 1, 0, 30});
  CHECK(parsed("hourly") == Schedule{R::kHours, 1, 0, 0});
  CHECK(parsed("every 3 days at 04:15") == Schedule{R::kDays, 3, 4, 15});
  CHECK(parsed("weekly sunday 03:00") == Schedule{R::kWeekly, 1, 3, 0, 0});
  CHECK(parsed("every 2 weeks on saturday at 22:00") == Schedule{R::kWeekly, 2, 22, 0, 6});
  CHECK(parsed("monthly day 15 01:00") == Schedule{R::kMonthlyByDay, 1, 1, 0, 0, 1, 15});
  CHECK(parsed("monthly last day 01:00") == Schedule{R::kMonthlyByDay, 1, 1, 0, 0, 1, 0});
  CHECK(parsed("monthly second tuesday 20:00") == Schedule{R::kMonthlyByWeek, 1, 20, 0, 2, 2, 1});
  CHECK(parsed("every 3 months on last friday at 18:00") == Schedule{R::kMonthlyByWeek, 3, 18, 0, 5, 0, 1});
  CHECK(parsed("  weekly   MONDAY   06:00 ") == Schedule{R::kWeekly, 1, 6, 0, 1});
}

TEST_CASE("the canonical form parses back to the same schedule") {
  for (const char* text : {"daily 02:00", "every 8 hours", "weekly sunday 03:00", "monthly second tuesday 20:00",
                           "monthly last day 01:00", "every 12 months on day 31 at 00:00", "every 4 weeks on friday at 12:00"}) {
    Schedule s = parsed(text);
    INFO(text << " -> " << s.str());
    CHECK(parsed(s.str()) == s);
  }
  CHECK(parsed("weekly sunday 03:00").str() == "every 1 week on sunday at 03:00");
}

TEST_CASE("schedule errors say what was expected and point at the word") {
  auto e = failed("weekly sundy 03:00");
  CHECK(e.message == "expected a day of the week, found 'sundy'");
  CHECK(e.offset == 7);
  CHECK(e.help == "did you mean 'sunday'?");

  e = failed("every 24 hours");
  CHECK(e.message == "every 24 hours is out of range: ConfigMgr schedules run every 1 to 23 hours");
  CHECK(e.offset == 6);
  CHECK(failed("every 5 weeks on monday 01:00").message == "every 5 weeks is out of range: ConfigMgr schedules run every 1 to 4 weeks");
  CHECK(failed("every 13 months on day 1 01:00").offset == 6);
  CHECK(failed("every 0 days at 01:00").offset == 6);

  e = failed("daily 25:00");
  CHECK(e.message == "'25:00' is not a time: hours run from 00 to 23");
  CHECK(e.offset == 6);
  CHECK(failed("daily 02:61").offset == 9);
  CHECK(failed("daily").message == "expected a time such as '02:00'");
  CHECK(failed("daily").offset == 5);
  CHECK(failed("").message == "expected a schedule such as 'daily 02:00' or 'every 8 hours'");
  CHECK(failed("dialy 02:00").help == "did you mean 'daily'?");
  CHECK(failed("every eight hours").message == "expected a number after 'every', found 'eight'");
  CHECK(failed("every 2 fortnights").message == "expected 'hours', 'days', 'weeks' or 'months', found 'fortnights'");
  CHECK(failed("monthly day 32 01:00").message == "day 32 is out of range: days of the month run from 1 to 31");
  CHECK(failed("monthly fifth monday 01:00").offset == 8);
  e = failed("daily 02:00 please");
  CHECK(e.message == "unexpected 'please' after the end of the schedule");
  CHECK(e.offset == 12);
}

}  // namespace
}  // namespace supctl::plugins::configmgr
