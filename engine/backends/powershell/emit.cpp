#include "backends/powershell/emit.h"

#include <fmt/format.h>

#include <fstream>

#include "backends/powershell/protocol.h"
#include "model/text.h"

namespace supctl::powershell {
namespace {

namespace fs = std::filesystem;

// A file or directory name from a host name or an address: lower case, [a-z0-9._] kept, any
// other run of characters one '-'.
std::string slug(std::string_view text) {
  std::string out;
  for (char c : text) {
    char l = model::ascii_lower(c);
    bool kept = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '.' || l == '_';
    if (kept) out += l;
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
  while (!out.empty() && out.front() == '.') out.erase(out.begin());
  return out.empty() ? std::string("unnamed") : out;
}

bool write_text(const fs::path& path, const std::string& text, std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) *error = fmt::format("cannot write '{}'", path.string());
  return static_cast<bool>(out);
}

}  // namespace

std::vector<plugin::OperationResult> CapturingBackend::run(const ops::HostTarget& host, std::span<const plugin::Operation> batch) {
  {
    std::lock_guard lock(mutex_);
    std::vector<plugin::Operation>& operations = batches_[host.name];
    operations.insert(operations.end(), batch.begin(), batch.end());
  }
  return inner_.run(host, batch);
}

std::map<std::string, std::vector<plugin::Operation>> CapturingBackend::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

EmittedScripts::EmittedScripts(const std::map<std::string, std::vector<plugin::Operation>>& reads) {
  for (const auto& [host, operations] : reads) {
    if (!operations.empty()) phases_[slug(host)].push_back(Phase{"read", operations});
  }
}

void EmittedScripts::add_leg(const std::string& host, std::string_view address, std::vector<plugin::Operation> operations) {
  // By the directory the host's scripts go to: "SUP.test" and "sup.test" are one machine.
  const std::string key = slug(host);
  int number = ++legs_[key];
  phases_[key].push_back(Phase{fmt::format("apply-{:03}-{}", number, slug(address)), std::move(operations)});
}

bool EmittedScripts::write(const fs::path& dir, const FragmentLookup& fragments, std::string* error) {
  written_ = 0;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    *error = fmt::format("cannot create '{}': {}", dir.string(), ec.message());
    return false;
  }
  if (!write_text(dir / "bootstrap.ps1", std::string(bootstrap_script()), error)) return false;
  for (const auto& [host, phases] : phases_) {
    fs::path host_dir = dir / slug(host);
    fs::create_directories(host_dir, ec);
    if (ec) {
      *error = fmt::format("cannot create '{}': {}", host_dir.string(), ec.message());
      return false;
    }
    for (Phase phase : phases) {
      std::erase_if(phase.operations, [&](const plugin::Operation& op) { return !fragments(op.name); });
      if (phase.operations.empty()) continue;
      if (!write_text(host_dir / (phase.name + ".ps1"), assemble_script(phase.operations, fragments), error) ||
          !write_text(host_dir / (phase.name + ".json"), redacted_payload(phase.operations), error)) {
        return false;
      }
      ++written_;
    }
  }
  return true;
}

}  // namespace supctl::powershell
