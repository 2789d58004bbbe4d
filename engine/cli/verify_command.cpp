// supctl verify: every check on demand, from the servers' own logs and settings.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

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
  std::string format = "text";  ///< text | json
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
  io.out << (options.format == "json" ? render_json(report) : render_text(report));
  return report.ok() ? 0 : 1;
}

}  // namespace

Runner declare_verify(CLI::App& command) {
  auto options = std::make_shared<VerifyOptions>();
  command.add_option("DIR", options->dir, "Directory of *.toml manifests (default: .)");
  command.add_option("--timeout", options->timeout, "Wait this long for an install still under way (e.g. 30m; default 0)");
  command.add_option("--format", options->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  command.add_flag("--lab", options->lab, "Point every host at the lab estate");
  return [options](const Context& context, Io& io) { return verify_run(*options, context, io); };
}

}  // namespace supctl::cli
