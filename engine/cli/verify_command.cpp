// supctl verify: every check on demand, from the servers' own logs and settings.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>
#include <pugixml.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/common.h"
#include "plugin/operation.h"
#include "plan/planner.h"
#include "verify/verifier.h"

namespace supctl::cli {
namespace {

struct VerifyOptions {
  std::string dir = ".";
  std::string timeout = "0";    ///< wait this long for an install under way
  std::string format = "text";  ///< text | json | junit
  bool lab = false;
};

std::string render_text(const verify::VerifyReport& report) {
  std::string text;
  for (const verify::CheckOutcome& check : report.checks) {
    text += fmt::format("{} {} [{}]\n  {}\n", check.passed ? "ok  " : "FAIL", check.address, check.name, check.summary);
    for (const std::string& line : check.details) text += "    " + line + "\n";
    if (!check.passed && !check.hint.empty()) text += "  = help: " + check.hint + "\n";
  }
  const int failed = report.failed();
  text += fmt::format("\nVerify: {} passed, {} failed.\n", static_cast<int>(report.checks.size()) - failed, failed);
  return text;
}

std::string render_json(const verify::VerifyReport& report) {
  model::Json checks = model::Json::array();
  for (const verify::CheckOutcome& check : report.checks) {
    checks.push_back(model::Json{{"address", check.address}, {"check", check.name},     {"title", check.title}, {"passed", check.passed},
                                 {"summary", check.summary}, {"details", check.details}, {"hint", check.hint}});
  }
  const int failed = report.failed();
  model::Json out{{"format_version", 1},
                  {"passed", report.ok()},
                  {"summary", {{"checks", report.checks.size()}, {"passed", static_cast<int>(report.checks.size()) - failed}, {"failed", failed}}},
                  {"checks", std::move(checks)}};
  return out.dump(2) + "\n";
}

/// Text that XML 1.0 can hold: control characters other than tab and line breaks (a log line may
/// carry them) become U+FFFD.
std::string xml_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') out += "\xEF\xBF\xBD";
    else out += c;
  }
  return out;
}

/// JUnit XML, as CI systems show test results: one test case per check, named by its address
/// (the class) and its check; a failed check is a <failure> with its summary, details and help.
std::string render_junit(const verify::VerifyReport& report) {
  const int failed = report.failed();
  pugi::xml_document document;
  auto declaration = document.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "UTF-8";
  auto counted = [&](pugi::xml_node node) {
    node.append_attribute("name") = "supctl verify";
    node.append_attribute("tests") = static_cast<unsigned>(report.checks.size());
    node.append_attribute("failures") = failed;
    node.append_attribute("errors") = 0;
    return node;
  };
  auto suites = counted(document.append_child("testsuites"));
  auto suite = counted(suites.append_child("testsuite"));
  suite.append_attribute("skipped") = 0;
  for (const verify::CheckOutcome& check : report.checks) {
    auto testcase = suite.append_child("testcase");
    testcase.append_attribute("classname") = xml_text(check.address).c_str();
    testcase.append_attribute("name") = xml_text(fmt::format("{}: {}", check.name, check.title)).c_str();
    std::string body = check.summary + "\n";
    for (const std::string& line : check.details) body += "  " + line + "\n";
    if (!check.passed) {
      if (!check.hint.empty()) body += "help: " + check.hint + "\n";
      auto failure = testcase.append_child("failure");
      failure.append_attribute("type") = xml_text(check.name).c_str();
      failure.append_attribute("message") = xml_text(check.summary).c_str();
      failure.text() = xml_text(body).c_str();
    } else {
      testcase.append_child("system-out").text() = xml_text(body).c_str();
    }
  }
  std::ostringstream out;
  document.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

/// Exit 0 when every check passes, 1 otherwise (and on bad input).
int verify_run(const VerifyOptions& options, const Context& context, Io& io) {
  auto timeout = parse_duration(options.timeout);
  if (!timeout) {
    io.err << fmt::format("error: --timeout '{}' is not a duration such as '30m', '90s' or '0'\n", options.timeout);
    return 1;
  }
  auto loaded = load_valid(options.dir, context, io);
  if (!loaded) return 1;
  auto backend = backend_for(options.dir, options.lab, context, io);
  if (!backend) return 1;
  const model::Manifest& manifest = loaded->validation.manifest;
  ops::SystemClock system_clock;
  verify::VerifyInputs inputs;
  inputs.manifest = &manifest;
  inputs.plugins = context.plugins;
  inputs.backend = backend.get();
  inputs.clock = backend->clock() ? backend->clock() : &system_clock;
  inputs.target_of = [&manifest](const std::string& host) { return plan::host_target(manifest, host); };
  inputs.timeout = *timeout;
  io.err << "Reading the logs and settings of the hosts...\n";
  verify::VerifyReport report = verify::run_verify(inputs);
  if (report.checks.empty()) {
    io.err << "Nothing to verify: the manifests declare no software update point.\n";
  }
  if (options.format == "json") io.out << render_json(report);
  else if (options.format == "junit") io.out << render_junit(report);
  else io.out << render_text(report);
  return report.ok() ? 0 : 1;
}

}  // namespace

Runner declare_verify(CLI::App& command) {
  auto options = std::make_shared<VerifyOptions>();
  command.add_option("DIR", options->dir, "Directory of *.toml manifests (default: .)");
  command.add_option("--timeout", options->timeout, "Wait this long for an install still under way (e.g. 30m; default 0)");
  command.add_option("--format", options->format, "Output format")->check(CLI::IsMember({"text", "json", "junit"}));
  command.add_flag("--lab", options->lab, "Point every host at the lab estate");
  return [options](const Context& context, Io& io) { return verify_run(*options, context, io); };
}

}  // namespace supctl::cli
