#include "plan/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "diag/suggest.h"
#include "graph/graph.h"
#include "model/text.h"
#include "ops/batch.h"
#include "plan/requests.h"

namespace supctl::plan {
namespace {

using plugin::Action;
using model::Address;
using plugin::AttributeDiff;
using model::AttributeMap;
using model::Json;

/// One resource the plan looks at: declared, recorded in state, or both.
struct Item {
  Address address;
  const model::Resource* desired = nullptr;
  const state::ResourceRecord* record = nullptr;
  plugin::KindOwner kind;
  std::string host;  ///< empty: pure data, never read or changed
  std::optional<ops::ReadBatch::Ticket> ticket;
  AttributeMap desired_map;
  Json references = Json::object();  ///< what its references name (model::resolve_references)
  std::optional<AttributeMap> observed;
  bool read_ok = true;
};

std::optional<std::vector<std::string>> recorded_dependencies(const state::ResourceRecord& record) {
  auto it = record.attributes.find("depends_on");
  if (it == record.attributes.end() || !it->second.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const Json& item : it->second) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

class Planner {
 public:
  Planner(const PlanInputs& inputs, const PlanOptions& options) : in_(inputs), options_(options), kinds_(inputs.plugins) {}

  PlanResult run() {
    PlanResult result;
    Plan& plan = result.plan;
    plan.supctl_version = options_.supctl_version;
    plan.manifest_hash = options_.manifest_hash;
    plan.created_at = options_.created_at;
    plan.refresh_only = options_.refresh_only;
    plan.lineage = in_.state ? in_.state->lineage() : std::string();
    plan.serial = in_.state ? in_.state->serial() : 0;
    for (const Address& target : options_.targets) plan.targets.push_back(target.str());

    const model::Manifest& manifest = *in_.manifest;
    std::vector<Address> vertices;
    vertices.reserve(manifest.resources().size());
    for (const model::Resource& r : manifest.resources()) vertices.push_back(r.address);
    graph::Graph graph = graph::Graph::build(vertices, graph::manifest_edges(manifest, kinds_.schemas(), in_.plugins), out_);
    if (in_.state) records_ = in_.state->resources();
    if (out_.has_errors() || !collect_items(graph)) return finish(std::move(result));

    read_all();
    if (out_.has_errors()) return finish(std::move(result));
    for (Item& item : items_) diff_item(item, graph, plan);
    if (out_.has_errors()) return finish(std::move(result));
    wait_through_unchanged(plan, graph);
    order_deletes(plan);
    std::sort(plan.drift.begin(), plan.drift.end(), [](const Drift& a, const Drift& b) { return a.address < b.address; });
    if (options_.refresh_only) plan.changes.clear();
    record_targets(plan);
    return finish(std::move(result));
  }

 private:
  PlanResult finish(PlanResult result) {
    out_.sort();
    result.diagnostics = std::move(out_);
    return result;
  }

  const state::ResourceRecord* record_of(const Address& address) const {
    auto it = std::lower_bound(records_.begin(), records_.end(), address,
                               [](const state::ResourceRecord& r, const Address& a) { return r.address < a; });
    return it != records_.end() && it->address == address ? &*it : nullptr;
  }

  // The resources in scope, in apply order: the declared ones in graph order, then those only
  // in state, by address. With --target, only the targets and what they depend on.
  bool collect_items(const graph::Graph& graph) {
    const model::Manifest& manifest = *in_.manifest;
    std::set<Address> scope;
    bool all = options_.targets.empty();
    if (!all) {
      std::vector<Address> declared_targets;
      std::vector<std::string> known;
      for (const model::Resource& r : manifest.resources()) known.push_back(r.address.str());
      for (const auto& r : records_) known.push_back(r.address.str());
      for (const Address& target : options_.targets) {
        if (manifest.find(target)) {
          declared_targets.push_back(target);
        } else if (record_of(target)) {
          scope.insert(target);
        } else {
          auto& d = out_.error("unknown-target", fmt::format("--target '{}' is neither in the manifests nor in the state", target.str()));
          d.help = diag::did_you_mean(target.str(), known);
        }
      }
      for (const Address& a : graph.closure(declared_targets)) scope.insert(a);
      if (out_.has_errors()) return false;
    }
    for (const Address& address : graph.order()) {
      if (all || scope.contains(address)) add_item(address, manifest.find(address), record_of(address));
    }
    for (const state::ResourceRecord& record : records_) {
      if (manifest.find(record.address)) continue;
      if (all || scope.contains(record.address)) add_item(record.address, nullptr, &record);
    }
    return !out_.has_errors();
  }

  void add_item(const Address& address, const model::Resource* desired, const state::ResourceRecord* record) {
    const plugin::KindOwner kind = kinds_.find(address.kind);
    if (!kind.plugin && desired) return;  // the engine's own settings (a [host]), nothing on a server
    if (!kind.plugin) {
      auto& d = out_.error("unknown-kind", fmt::format("the state records {}, but no plugin knows the kind '{}'", address.str(), address.kind));
      d.address = address.str();
      d.help = fmt::format("remove it from the state with 'supctl state rm {}'", address.str());
      return;
    }
    Item item{address, desired, record, kind};
    if (desired) {
      item.desired_map = model::desired_attributes(*desired);
      item.references = model::resolve_references(*desired, *in_.manifest,
                                                   [this](std::string_view k) { return kinds_.schema(k); });
      item.host = kind.plugin->host_of(*desired, *in_.manifest);
    } else {
      item.host = kind.plugin->host_of_recorded(address, record->attributes);
      if (item.host.empty()) item.host = record->host;
    }
    items_.push_back(std::move(item));
  }

  void read_all() {
    ops::ReadBatch batch;
    for (Item& item : items_) {
      if (item.host.empty()) {
        item.observed = item.desired_map;  // pure data: nothing on a host to read
        continue;
      }
      plugin::ReadRequest request{item.address, item.desired, item.record ? &item.record->attributes : nullptr, in_.manifest,
                                 &item.references};
      plugin::ReadResponse response = item.kind.plugin->read(request);
      item.read_ok = !response.diagnostics.has_errors();
      out_.append(std::move(response.diagnostics));
      if (item.read_ok) {
        item.ticket = batch.add(target(item.host), std::move(response.operations),
                                [this](const std::string& host) { return target(host); });
      }
    }
    if (out_.has_errors()) return;
    batch.run(*in_.backend, options_.parallelism);
    for (Item& item : items_) {
      if (!item.ticket) continue;
      plugin::ObserveRequest request{item.address, item.desired, batch.results(*item.ticket),
                                    item.record ? &item.record->attributes : nullptr, &item.references, in_.manifest};
      plugin::ObserveResponse response = item.kind.plugin->observe(request);
      locate(item, response.diagnostics);
      item.read_ok = !response.diagnostics.has_errors();
      out_.append(std::move(response.diagnostics));
      item.observed = std::move(response.observed);
    }
  }

  // A plugin's diagnostic about a declared resource points at the attribute its key path names,
  // or at the resource, in the manifest: plugins know addresses, not source lines.
  static void locate(const Item& item, diag::Diagnostics& diagnostics) {
    if (!item.desired) return;
    std::string prefix = item.address.str() + ".";
    for (diag::Diagnostic& d : diagnostics.mutable_all()) {
      if (d.range) continue;
      diag::SourceRange where = item.desired->range;
      if (d.key_path.starts_with(prefix)) {
        diag::SourceRange attribute = item.desired->range_of(d.key_path.substr(prefix.size()));
        if (attribute.file != diag::kNoFile) where = attribute;
      }
      if (where.file != diag::kNoFile && (d.address == item.address.str() || d.key_path.starts_with(prefix))) d.range = where;
    }
  }

  // The secrets apply would send (model::secrets_sent) whose value is not the one last applied;
  // fills the change's fingerprints.
  std::vector<std::string> rotated_secrets(const Item& item, Change& change) {
    std::vector<std::string> rotated;
    for (const model::SentSecret& sent : model::secrets_sent(*item.kind.schema, item.desired_map, item.references)) {
      std::string error;
      auto secret = in_.secrets ? in_.secrets->resolve(*sent.reference, &error) : std::nullopt;
      if (!secret) {
        auto& d = out_.error("secret-unavailable", fmt::format("{}.{}: {}", item.address.str(), sent.name,
                                                               in_.secrets ? error : "no secret source"));
        std::string_view attribute = model::attribute_root(sent.name);
        d.address = item.address.str();
        d.key_path = d.address + "." + std::string(attribute);
        if (item.desired) d.range = item.desired->range_of(attribute);
        d.help = sent.reference->contains("env")
                     ? fmt::format("set {} in the environment of this run; supctl never stores secrets", sent.reference->value("env", std::string()))
                     : "create the file, readable by the account that runs supctl; supctl never stores secrets";
        continue;
      }
      std::string recorded;
      if (item.record) {
        auto it = item.record->fingerprints.find(sent.name);
        if (it != item.record->fingerprints.end()) recorded = it->second;
      }
      // Compared by the recorded fingerprint's own kind: one of an older kind still says "same".
      const bool same = in_.state && !recorded.empty() && in_.state->matches(*secret, recorded);
      std::string fingerprint = in_.state ? in_.state->fingerprint(*secret) : std::string();
      secret->assign(secret->size(), '\0');
      if (in_.state && fingerprint.empty()) {
        auto& d = out_.error("secret-unavailable", fmt::format("{}.{}: cannot make its fingerprint: OpenSSL's scrypt failed",
                                                               item.address.str(), sent.name));
        d.address = item.address.str();
        continue;
      }
      if (!fingerprint.empty()) change.fingerprints[sent.name] = fingerprint;
      if (!same) rotated.push_back(sent.name);
    }
    return rotated;
  }

  // Diffs one item and adds its change to the plan, unless there is nothing to do; the item's
  // maps move into the change, so nothing reads the item after.
  void diff_item(Item& item, const graph::Graph& graph, Plan& plan) {
    const model::KindSchema& schema = *item.kind.schema;
    Change change;
    change.address = item.address;
    change.host = item.host;
    std::vector<std::string> rotated;
    if (item.desired) rotated = rotated_secrets(item, change);

    plugin::DiffRequest request{item.address, &schema, item.desired ? &item.desired_map : nullptr,
                               item.observed ? &*item.observed : nullptr, rotated, &item.references};
    plugin::DiffResponse diffed = item.kind.plugin->diff(request);
    locate(item, diffed.diagnostics);
    out_.append(std::move(diffed.diagnostics));
    change.action = diffed.action;
    change.attributes = std::move(diffed.attributes);

    if (item.desired) {
      change.allow_destroy = item.desired->boolean("allow_destroy").value_or(false);
    } else {
      change.allow_destroy = item.record->allow_destroy;
      change.reason = Reason::kRemovedFromManifest;
      if (!item.observed) {
        change.action = Action::kForget;
        change.note = "already gone from the host: supctl forgets it";
      } else if (item.record->origin == state::Origin::kAdopted) {
        change.action = Action::kForget;
        change.note = "adopted, not created, by supctl: it forgets it and the host keeps it";
      } else if (!schema.deletable) {
        change.action = Action::kForget;
        change.note = fmt::format("supctl never deletes a {}: it forgets it and the host keeps it", schema.kind);
      } else {
        change.action = Action::kDelete;
      }
    }
    change.destroy_needs_consent = schema.destroy_needs_consent && change.destructive();
    if (item.desired) change.reason = reason_for(item, change, rotated);
    record_drift(item, plan);
    if (change.action == Action::kNoOp) return;  // most of a converged plan: nothing more to copy

    // The item is done with: its maps move into the change.
    change.desired = std::move(item.desired_map);
    change.references = std::move(item.references);
    change.observed = std::move(item.observed);
    if (item.desired) {
      for (const Address& dependency : graph.dependencies(item.address)) change.depends_on.push_back(dependency.str());
    }
    change.also_on = other_hosts(item, change);
    plan.changes.push_back(std::move(change));
  }

  /// The target of `host` from the manifest, made once per machine.
  const ops::HostTarget& target(const std::string& host) const {
    std::string key = model::lower(host);
    auto it = targets_.find(key);
    if (it == targets_.end()) it = targets_.emplace(std::move(key), host_target(*in_.manifest, host)).first;
    return it->second;
  }

  // The target of every machine apply talks to for the plan's changes, from the manifest: apply
  // reads them from the plan.
  void record_targets(Plan& plan) const {
    for (const Change& change : plan.changes) {
      const plugin::Plugin* plugin = kinds_.find(change.address.kind).plugin;
      std::vector<std::string> machines = plugin ? machines_of(change, *plugin) : std::vector<std::string>{change.host};
      for (const std::string& machine : machines) {
        if (!machine.empty()) plan.hosts.emplace(model::lower(machine), target(machine));
      }
    }
  }

  // The machines besides its own that the change's operations run on, as apply will make them.
  std::vector<std::string> other_hosts(const Item& item, const Change& change) const {
    std::vector<std::string> hosts;
    if (!runs_on_host(change)) return hosts;
    for (const plugin::Operation& op : item.kind.plugin->apply(apply_request(change)).operations) {
      if (op.host.empty() || model::lower(op.host) == model::lower(change.host)) continue;
      if (std::none_of(hosts.begin(), hosts.end(), [&](const std::string& h) { return model::lower(h) == model::lower(op.host); }))
        hosts.push_back(op.host);
    }
    return hosts;
  }

  Reason reason_for(const Item& item, const Change& change, const std::vector<std::string>& rotated) const {
    switch (change.action) {
      case Action::kCreate: return item.record ? Reason::kDrift : Reason::kNew;
      case Action::kUpdate:
      case Action::kReplace: {
        if (!item.record) return Reason::kChangedInManifest;
        for (const AttributeDiff& a : change.attributes) {
          if (std::find(rotated.begin(), rotated.end(), a.name) != rotated.end()) return Reason::kChangedInManifest;
          auto recorded = item.record->attributes.find(a.name);
          const model::AttributeSchema* attribute = item.kind.schema->attribute(a.name);
          bool manifest_unchanged = recorded != item.record->attributes.end() && attribute &&
                                    plugin::same_value(*attribute, a.after, recorded->second);
          if (!manifest_unchanged) return Reason::kChangedInManifest;
        }
        return Reason::kDrift;
      }
      default: return Reason::kNone;
    }
  }

  // What moved on the host since supctl last applied it.
  void record_drift(const Item& item, Plan& plan) const {
    if (!item.record || !item.read_ok || item.host.empty()) return;
    Drift drift{item.address, item.host, {}};
    for (const auto& [name, recorded] : item.record->attributes) {
      if (model::is_meta_attribute(name)) continue;
      const model::AttributeSchema* attribute = item.kind.schema->attribute(name);
      if (!attribute || attribute->type == model::AttrType::kSecret) continue;
      if (!item.observed) {
        drift.attributes.push_back(AttributeDiff{name, recorded, nullptr, false});
        continue;
      }
      auto observed = item.observed->find(name);
      if (observed == item.observed->end() || !plugin::same_value(*attribute, recorded, observed->second)) {
        drift.attributes.push_back(AttributeDiff{name, recorded, observed == item.observed->end() ? Json(nullptr) : observed->second, false});
      }
    }
    if (!drift.attributes.empty()) plan.drift.push_back(std::move(drift));
  }

  // A change waits for changes, not resources: a dependency with nothing to apply (a proxy that
  // only names its account, a site already as declared) gives way to what it depends on in turn,
  // so that a site system still waits for the proxy account its proxy names.
  void wait_through_unchanged(Plan& plan, const graph::Graph& graph) const {
    std::set<std::string> applied;
    for (const Change& change : plan.changes) {
      if (change.action != Action::kRead) applied.insert(change.address.str());
    }
    for (Change& change : plan.changes) {
      std::vector<std::string> direct = std::move(change.depends_on);
      change.depends_on.clear();
      std::set<std::string> seen;
      for (std::vector<std::string> todo = std::move(direct); !todo.empty();) {
        std::string dependency = std::move(todo.back());
        todo.pop_back();
        if (!seen.insert(dependency).second) continue;
        if (applied.contains(dependency)) {
          change.depends_on.push_back(std::move(dependency));
          continue;
        }
        auto address = model::parse_address(dependency);
        if (!address) continue;
        for (const Address& next : graph.dependencies(*address)) todo.push_back(next.str());
      }
    }
  }

  // A resource that leaves the manifests is deleted before what it depended on is deleted.
  void order_deletes(Plan& plan) const {
    std::map<std::string, Change*> deletes;
    for (Change& change : plan.changes) {
      if (change.action == Action::kDelete) deletes[change.address.str()] = &change;
    }
    for (Change& change : plan.changes) {
      if (change.action != Action::kDelete) continue;
      const state::ResourceRecord* record = record_of(change.address);
      auto dependencies = record ? recorded_dependencies(*record) : std::nullopt;
      if (!dependencies) continue;
      for (const std::string& dependency : *dependencies) {
        auto it = deletes.find(dependency);
        if (it != deletes.end()) it->second->depends_on.push_back(change.address.str());
      }
    }
    for (Change& change : plan.changes) {
      std::sort(change.depends_on.begin(), change.depends_on.end());
      change.depends_on.erase(std::unique(change.depends_on.begin(), change.depends_on.end()), change.depends_on.end());
    }
  }

  const PlanInputs& in_;
  const PlanOptions& options_;
  diag::Diagnostics out_;
  plugin::KindRegistry kinds_;
  std::vector<state::ResourceRecord> records_;  ///< sorted by address
  std::vector<Item> items_;                     ///< in apply order
  mutable std::map<std::string, ops::HostTarget> targets_;  ///< by lower-cased machine name: target()
};

}  // namespace

ops::HostTarget host_target(const model::Manifest& manifest, const std::string& host) {
  const model::Resource* declared = manifest.find("host", host);
  if (!declared) {
    std::string wanted = model::lower(host);
    for (const model::Resource& r : manifest.of_kind("host")) {
      if (model::lower(r.name()) == wanted) declared = &r;
    }
  }
  return ops::HostTarget{host, declared ? model::desired_attributes(*declared) : model::AttributeMap{}};
}

PlanResult make_plan(const PlanInputs& inputs, const PlanOptions& options) { return Planner(inputs, options).run(); }

}  // namespace supctl::plan
