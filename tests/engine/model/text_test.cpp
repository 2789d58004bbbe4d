#include "model/text.h"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace supctl::model {
namespace {

TEST_CASE("ascii_lower and ascii_upper fold only ASCII letters") {
  static_assert(ascii_lower('Q') == 'q');
  static_assert(ascii_upper('q') == 'Q');
  CHECK(ascii_lower('A') == 'a');
  CHECK(ascii_lower('Z') == 'z');
  CHECK(ascii_lower('m') == 'm');
  CHECK(ascii_upper('a') == 'A');
  CHECK(ascii_upper('z') == 'Z');
  CHECK(ascii_upper('M') == 'M');
  for (char c : std::string_view("0189 -_.\\$@[`{~")) {
    CHECK(ascii_lower(c) == c);
    CHECK(ascii_upper(c) == c);
  }
  // Bytes outside ASCII (here Latin-1 'Ä' and 'ä', and UTF-8 lead and continuation bytes) stay.
  for (char c : {'\xC4', '\xE4', '\xC3', '\x84', '\xFF', '\0'}) {
    CHECK(ascii_lower(c) == c);
    CHECK(ascii_upper(c) == c);
  }
}

TEST_CASE("lower and upper fold whole strings") {
  CHECK(lower("PR1Site.Contoso.COM") == "pr1site.contoso.com");
  CHECK(upper("pr1site.Contoso.com") == "PR1SITE.CONTOSO.COM");
  CHECK(lower("HKLM\\Software\\Policies") == "hklm\\software\\policies");
  CHECK(upper("8c3fcc84-7410-4a95-8b89-a166a0190486") == "8C3FCC84-7410-4A95-8B89-A166A0190486");
  CHECK(lower("") == "");
  CHECK(upper("") == "");
  CHECK(lower("K\xC3\x84SE") == "k\xC3\x84se");
  CHECK(upper("k\xC3\xA4se") == "K\xC3\xA4SE");
  const std::string with_nul("A\0B", 3);
  CHECK(lower(with_nul) == std::string("a\0b", 3));
}

TEST_CASE("iequals compares without ASCII case") {
  CHECK(iequals("WsusService", "WsusService"));
  CHECK(iequals("WSUSSERVICE", "wsusservice"));
  CHECK(iequals("pr1site.contoso.com", "PR1SITE.Contoso.Com"));
  CHECK_FALSE(iequals("pr1site", "pr1site.contoso.com"));
  CHECK_FALSE(iequals("abc", "ab"));
  CHECK_FALSE(iequals("abc", "abd"));
  CHECK(iequals("", ""));
  CHECK_FALSE(iequals("", "a"));
  CHECK_FALSE(iequals("a", ""));
}

TEST_CASE("iequals compares non-ASCII bytes exactly") {
  CHECK(iequals("\xC4", "\xC4"));
  CHECK_FALSE(iequals("\xC4", "\xE4"));                // Latin-1 'Ä' and 'ä' do not fold
  CHECK_FALSE(iequals("K\xC3\x84SE", "k\xC3\xA4se"));  // nor do UTF-8 'Ä' and 'ä'
  CHECK(iequals("K\xC3\x84SE", "k\xC3\x84se"));
  CHECK_FALSE(iequals("@", "`"));  // one apart from 'A' and 'a' but not letters
  CHECK_FALSE(iequals("[", "{"));
}

TEST_CASE("istarts_with compares a prefix without ASCII case") {
  CHECK(istarts_with("UpdateServices-Services", "updateservices-"));
  CHECK(istarts_with("HTTP://proxy:8080", "http://"));
  CHECK(istarts_with("abc", ""));
  CHECK(istarts_with("abc", "ABC"));
  CHECK_FALSE(istarts_with("ab", "abc"));
  CHECK_FALSE(istarts_with("xbc", "abc"));
  CHECK_FALSE(istarts_with("k\xC3\x84se", "K\xC3\xA4"));  // only ASCII folds
}

}  // namespace
}  // namespace supctl::model
