// supctl_bench: every figure of supctl's speed and memory budgets, from one command, as JSON.
//   engine: a generated ConfigMgr hierarchy of N resources loaded, validated and graphed with the
//     real plugins; N fake resources planned against the in-memory backend, converged and new.
//   lab: V registry values over L lab hosts end to end through the real `supctl` program (lab
//     init, apply, converged plans), against a raw toml++ parse of the same files.
//   budgets: each budget of the speed work, what was measured, and whether it is met.
// Each measurement runs in a process of its own, so each peak memory is that measurement's.

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <string>
#include <thread>

#include "child.h"
#include "engine.h"
#include "lab.h"
#include "secrets.h"

namespace {

using supctl::bench::Figures;

constexpr const char* kUsage =
    "usage: supctl_bench [--resources N] [--files F] [--hosts H] [--values V] [--lab-hosts L] [--rounds R]\n"
    "                    [--only engine|lab|secrets] [--baseline SUPCTL]\n"
    "  N resources for the engine (default 100000) in F files (10) over H hosts (50);\n"
    "  V registry values (10000) over L lab hosts (10) for the lab, R converged plans (5);\n"
    "  SUPCTL: an earlier supctl to plan examples/contoso with too, for the secrets' cost\n";

/// A figure that was not measured (printed as null).
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

double number(const Figures& figures, std::initializer_list<const char*> path) {
  const Figures* at = &figures;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return kMissing;
    at = &(*at)[key];
  }
  return at->is_number() ? at->get<double>() : kMissing;
}

/// The lab phase named `phase`, or null.
const Figures* lab_phase(const Figures& lab, const std::string& phase) {
  if (!lab.contains("phases")) return nullptr;
  for (const Figures& p : lab["phases"]) {
    if (p.value("phase", "") == phase) return &p;
  }
  return nullptr;
}

/// A budget's line. Its limit is for the default sizes: at others, "met" is null.
Figures budget(const std::string& what, double measured, double limit, const char* unit, bool budget_size) {
  Figures line{{"budget", what}, {"measured", measured}, {"limit", limit}, {"unit", unit}, {"met", nullptr}};
  if (budget_size) line["met"] = !std::isnan(measured) && measured <= limit;
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  supctl::bench::EngineOptions engine;
  supctl::bench::LabOptions lab;
  lab.program = SUPCTL_PROGRAM;
  std::string only;
  std::string baseline;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) {
      std::cerr << kUsage;
      return 1;
    }
    const std::string option = argv[i];
    const char* value = argv[i + 1];
    if (option == "--resources") engine.resources = std::strtoull(value, nullptr, 10);
    else if (option == "--files") engine.files = std::max<std::size_t>(1, std::strtoull(value, nullptr, 10));
    else if (option == "--hosts") engine.hosts = std::max<std::size_t>(1, std::strtoull(value, nullptr, 10));
    else if (option == "--values") lab.values = std::max<std::size_t>(1, std::strtoull(value, nullptr, 10));
    else if (option == "--lab-hosts") lab.hosts = std::max<std::size_t>(1, std::strtoull(value, nullptr, 10));
    else if (option == "--rounds") lab.rounds = std::max(1, std::atoi(value));
    else if (option == "--baseline") baseline = value;
    else if (option == "--only" && (std::strcmp(value, "engine") == 0 || std::strcmp(value, "lab") == 0 || std::strcmp(value, "secrets") == 0)) {
      only = value;
    }
    else {
      std::cerr << kUsage;
      return 1;
    }
  }

  Figures report;
  report["benchmark"] = "supctl";
  report["cores"] = std::thread::hardware_concurrency();
  if (only.empty() || only == "engine") report["engine"] = supctl::bench::engine_figures(engine);
  if (only.empty() || only == "lab") report["lab"] = supctl::bench::lab_figures(lab);
  if (only.empty() || only == "secrets") {
    report["secrets"] = supctl::bench::secrets_figures({lab.program, SUPCTL_SOURCE_DIR, lab.rounds, baseline});
  }

  const bool engine_size = engine.resources == supctl::bench::EngineOptions{}.resources;
  const bool lab_size = lab.values == supctl::bench::LabOptions{}.values && lab.hosts == supctl::bench::LabOptions{}.hosts;
  Figures budgets = Figures::array();
  bool failed = false;
  if (report.contains("lab")) {
    const Figures& l = report["lab"];
    failed |= l.contains("error");
    const Figures* plan = lab_phase(l, "plan --lab (converged, median)");
    const Figures* apply = lab_phase(l, "apply --lab (all new)");
    budgets.push_back(budget("converged plan --lab, wall time over the raw toml++ parse", number(l, {"plan_to_parse_ratio"}), 3, "times", lab_size));
    budgets.push_back(budget("converged plan --lab, per resource", plan ? number(*plan, {"microseconds_per_resource"}) : kMissing, 15, "µs", lab_size));
    budgets.push_back(budget("apply --lab, every value new", apply ? number(*apply, {"seconds"}) : kMissing, 2, "s", lab_size));
  }
  if (report.contains("engine")) {
    const Figures& e = report["engine"];
    for (const char* part : {"configmgr_hierarchy", "converged_plan", "new_plan"}) {
      failed |= e[part].contains("error") || number(e, {part, "errors"}) != 0;
    }
    failed |= number(e, {"converged_plan", "changes"}) != 0;
    // One process validates N resources (which builds the graph, for cycles), then plans them
    // converged (which builds it again): the budget as a run of supctl meets it.
    budgets.push_back(budget("engine: validate, graph and converged plan, in one process",
                             number(e, {"converged_plan", "validate_seconds"}) + number(e, {"converged_plan", "plan_seconds"}), 2, "s",
                             engine_size));
    budgets.push_back(budget("engine: peak memory of that process", number(e, {"converged_plan", "peak_mib"}), 600, "MiB", engine_size));
    // As the budget was first measured: the ConfigMgr hierarchy's load, validation and graph
    // (the real plugins' rules), plus the converged plan of the fake resources.
    budgets.push_back(budget("engine: ConfigMgr load and validate, its graph, plus the converged plan",
                             number(e, {"configmgr_hierarchy", "load_validate_seconds"}) + number(e, {"configmgr_hierarchy", "graph_seconds"}) +
                                 number(e, {"converged_plan", "plan_seconds"}),
                             2, "s", engine_size));
    budgets.push_back(budget("round trips per host per plan",
                             std::max(number(e, {"converged_plan", "round_trips_per_host"}), number(e, {"new_plan", "round_trips_per_host"})), 1, "", true));
  }
  if (report.contains("secrets")) {
    const Figures& s = report["secrets"];
    failed |= s.contains("error");
    budgets.push_back(budget("one secret fingerprint (scrypt)", number(s, {"fingerprint_milliseconds"}), 100, "ms", true));
    budgets.push_back(budget("one keyed secret fingerprint", number(s, {"keyed_fingerprint_milliseconds"}), 100, "ms", true));
    if (s.contains("contoso_plan_slower_by_seconds")) {
      budgets.push_back(budget("plan of examples/contoso, slower than the baseline by", number(s, {"contoso_plan_slower_by_seconds"}), 0.5,
                               "s", true));
    }
  }
  report["budgets"] = budgets;
  std::cout << report.dump(2) << "\n";
  return failed ? 1 : 0;
}
