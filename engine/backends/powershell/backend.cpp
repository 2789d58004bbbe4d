#include "backends/powershell/backend.h"

#include <fmt/format.h>

#include "model/text.h"

namespace supctl::powershell {
namespace {

using plugin::FailureKind;
using plugin::OperationResult;

}  // namespace

PowerShellBackend::HostSlot& PowerShellBackend::slot(const std::string& host) {
  std::lock_guard lock(mutex_);
  std::unique_ptr<HostSlot>& slot = hosts_[model::lower(host)];
  if (!slot) slot = std::make_unique<HostSlot>();
  return *slot;
}

std::map<std::string, SessionStats> PowerShellBackend::stats() {
  std::lock_guard lock(mutex_);
  std::map<std::string, SessionStats> out;
  for (const auto& [host, host_slot] : hosts_) {
    std::lock_guard host_lock(host_slot->mutex);
    if (host_slot->session) out[host] = host_slot->session->stats();
  }
  return out;
}

std::vector<OperationResult> PowerShellBackend::run(const ops::HostTarget& host,
                                                    std::span<const plugin::Operation> batch) {
  std::vector<OperationResult> results(batch.size());
  // What goes out: the operations with a fragment, and where each one's result belongs.
  std::vector<plugin::Operation> sent;
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (fragments_ && fragments_(batch[i].name)) {
      sent.push_back(batch[i]);
      positions.push_back(i);
    } else {
      results[i] = plugin::failed(fmt::format("supctl has no PowerShell fragment for the operation '{}'", batch[i].name));
    }
  }
  if (sent.empty()) return results;

  HostSlot& host_slot = slot(host.name);
  std::lock_guard lock(host_slot.mutex);
  if (!host_slot.transport) {
    std::string error;
    host_slot.transport = make_transport_ ? make_transport_(host, &error) : nullptr;
    if (!host_slot.transport) {
      if (error.empty()) error = fmt::format("no transport to reach '{}'", host.name);
      return std::vector<OperationResult>(batch.size(), plugin::failed(error, FailureKind::kUnreachable));
    }
  }
  if (!host_slot.session) host_slot.session = std::make_unique<Session>(*host_slot.transport, host.name, settings_.session);
  Outcome outcome =
      host_slot.session->run(assemble_script(sent, fragments_), payload_json(sent), settings_.request_timeout);
  std::vector<OperationResult> answers = parse_outcome(sent.size(), outcome);
  for (std::size_t i = 0; i < positions.size() && i < answers.size(); ++i)
    results[positions[i]] = std::move(answers[i]);
  return results;
}

}  // namespace supctl::powershell
