#pragma once
/// The commands' entry points; app.cpp lists them in its command table.

#include <string>
#include <vector>

#include "cli/app.h"
#include "backends/powershell/transport.h"
#include "cli/context.h"

namespace supctl::cli {

struct ValidateOptions {
  std::string dir = ".";
  std::string format = "text";  ///< text | json | sarif
};

int validate_command(const ValidateOptions& options, const Context& context, Io& io);

struct GraphOptions {
  std::string dir = ".";
  std::string format = "dot";  ///< dot | mermaid | json
};
int graph_command(const GraphOptions& options, const Context& context, Io& io);

struct PlanCommandOptions {
  std::string dir = ".";
  std::string out;              ///< --out FILE: save the plan
  std::string format = "text";  ///< text | json | markdown
  bool detailed_exitcode = false;
  std::vector<std::string> targets;
  bool refresh_only = false;
  bool lab = false;
  std::string state;            ///< --state PATH
  std::string emit_scripts;     ///< --emit-scripts OUT: write the PowerShell the live path would send
};
int plan_command(const PlanCommandOptions& options, const Context& context, Io& io);

struct ApplyCommandOptions {
  std::string dir = ".";
  std::string plan_file;        ///< --plan FILE: apply exactly this saved plan
  bool auto_approve = false;
  int parallelism = 10;
  bool allow_destroy = false;
  bool lab = false;
  std::string lock_timeout = "0";
  std::string state;
  std::string install_timeout = "30m";  ///< how long the tracker follows a role install
};
int apply_command(const ApplyCommandOptions& options, const Context& context, Io& io);

struct VerifyOptions {
  std::string dir = ".";
  std::string timeout = "0";    ///< wait this long for an install under way
  std::string format = "text";  ///< text | json
  bool lab = false;
};
/// Exit 0 when every check passes, 1 otherwise (and on bad input).
int verify_command(const VerifyOptions& options, const Context& context, Io& io);

struct StateOptions {
  std::string action;   ///< list | show | rm (for force-unlock: unused)
  std::string address;  ///< ADDR, or the lock ID for force-unlock
  std::string dir = ".";
  std::string state;
};
int state_command(const StateOptions& options, Io& io);

struct LabOptions {
  std::string action;                    ///< init | show | drift | reset
  std::string dir = ".";
  std::string address;                   ///< drift: the resource
  std::vector<std::string> assignments;  ///< drift: KEY=VALUE...
};
int lab_command(const LabOptions& options, const Context& context, Io& io);

/// The backend of the real program: the lab estate in DIR/.supctl/lab for hosts with
/// transport = "lab" (or every host with `lab`), and PowerShell over each other host's transport.
std::unique_ptr<ops::Backend> make_default_backend(const std::filesystem::path& dir, bool lab, std::string* error);

/// The live transport a host's [host] table asks for (WinRM for a machine without one); nullptr
/// with `*error` when it cannot be made (a password that cannot be read). live_backend.cpp.
std::unique_ptr<powershell::Transport> make_transport(const ops::HostTarget& target, std::string* error);
int force_unlock_command(const StateOptions& options, Io& io);

/// Prints the manifest JSON Schema (schemas/manifest.schema.json is this output).
int schema_command(const Context& context, Io& io);

}  // namespace supctl::cli
