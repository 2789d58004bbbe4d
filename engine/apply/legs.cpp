#include "apply/legs.h"

#include "model/text.h"
#include "plan/requests.h"

namespace supctl::apply {
namespace {

std::string_view machine_of(const plugin::Operation& operation, std::string_view host) {
  return operation.host.empty() ? host : std::string_view(operation.host);
}

}  // namespace

std::size_t leg_end(std::span<const plugin::Operation> operations, std::size_t begin, std::string_view host) {
  if (begin >= operations.size()) return operations.size();
  const std::string_view machine = machine_of(operations[begin], host);
  std::size_t end = begin + 1;
  while (end < operations.size() && model::iequals(machine_of(operations[end], host), machine)) ++end;
  return end;
}

std::vector<ChangeLegs> plan_legs(const plan::Plan& plan, std::span<const plugin::Plugin* const> plugins) {
  const plugin::KindRegistry kinds(plugins);
  std::vector<ChangeLegs> out;
  for (const plan::Change& change : plan.changes) {
    if (!plan::runs_on_host(change)) continue;
    const plugin::Plugin* plugin = kinds.find(change.address.kind).plugin;
    if (!plugin) continue;
    plugin::ApplyResponse response = plugin->apply(plan::apply_request(change));
    ChangeLegs item{&change, {}, std::move(response.diagnostics)};
    if (!item.diagnostics.has_errors()) {
      std::vector<plugin::Operation>& operations = response.operations;
      for (std::size_t begin = 0; begin < operations.size();) {
        const std::size_t end = leg_end(operations, begin, change.host);
        Leg leg{std::string(machine_of(operations[begin], change.host)), {}};
        leg.operations.assign(std::make_move_iterator(operations.begin() + static_cast<std::ptrdiff_t>(begin)),
                              std::make_move_iterator(operations.begin() + static_cast<std::ptrdiff_t>(end)));
        item.legs.push_back(std::move(leg));
        begin = end;
      }
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace supctl::apply
