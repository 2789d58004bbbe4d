#include "plugins/service/lab/interpreters.h"

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/text.h"

namespace supctl::plugins::service {
namespace {

using plugin::FailureKind;
using model::Json;
using plugin::OperationResult;

using plugin::failed;
using plugin::succeeded;

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "'" : ", '") + name + "'";
  return out;
}

std::string not_found(std::string_view name, std::string_view host) {
  return fmt::format("the service '{}' does not exist on '{}'", name, host);
}

// An optional enumeration parameter: nullopt when absent, an error when it is not one of `allowed`.
bool choice(const Json& params, const char* name, std::initializer_list<std::string_view> allowed,
            std::optional<std::string>* out, std::string* error) {
  if (!params.contains(name) || params[name].is_null()) return true;
  if (params[name].is_string()) {
    const std::string& value = params[name].get_ref<const std::string&>();
    for (std::string_view a : allowed) {
      if (a == value) {
        *out = value;
        return true;
      }
    }
  }
  std::string expected;
  for (std::string_view a : allowed) expected += (expected.empty() ? "" : ", ") + std::string(a);
  *error = fmt::format("service.set: '{}' must be one of {}; found {}", name, expected, params[name].dump());
  return false;
}

// Starts a service and, first, the services it depends on, as the service control manager does.
std::optional<std::string> start(lab::Estate& estate, const std::string& host, lab::Service service,
                                 std::set<std::string>& starting) {
  if (service.state == "running") return std::nullopt;
  if (service.startup == "disabled") {
    return fmt::format(
        "cannot start the service '{}' on '{}': the service cannot be started, either because it is disabled or "
        "because it has no enabled devices associated with it",
        service.name, host);
  }
  if (!starting.insert(model::lower(service.name)).second)
    return std::nullopt;  // a dependency cycle: the SCM refuses it at install
  for (const std::string& dependency : service.depends_on) {
    auto needed = estate.service(host, dependency);
    std::optional<std::string> error =
        needed ? start(estate, host, *needed, starting) : std::optional<std::string>(not_found(dependency, host));
    if (error) {
      return fmt::format("cannot start the service '{}' on '{}': the dependency service or group failed to start ({})",
                         service.name, host, *error);
    }
  }
  service.state = "running";
  estate.put_service(host, service);
  return std::nullopt;
}

// Stops a service, refusing when running services depend on it (Stop-Service without -Force).
std::optional<std::string> stop(lab::Estate& estate, const std::string& host, lab::Service service) {
  if (service.state == "stopped") return std::nullopt;
  std::vector<std::string> dependents;
  for (const lab::Service& other : estate.services(host)) {
    if (other.state == "stopped") continue;
    for (const std::string& dependency : other.depends_on) {
      if (model::lower(dependency) == model::lower(service.name)) dependents.push_back(other.name);
    }
  }
  if (!dependents.empty()) {
    return fmt::format("cannot stop the service '{}' on '{}' because the running services {} depend on it",
                       service.name, host, quoted_list(dependents));
  }
  service.state = "stopped";
  estate.put_service(host, service);
  return std::nullopt;
}

OperationResult get(lab::Estate& estate, const std::string& host, const Json& params) {
  if (!params.contains("name") || !params["name"].is_string())
    return failed("service.get: the parameter 'name' is missing or not a string");
  std::string name = params["name"].get<std::string>();
  auto service = estate.service(host, name);
  if (!service)
    return succeeded(
        Json{{"exists", false}, {"name", name}, {"display_name", nullptr}, {"startup", nullptr}, {"state", nullptr}});
  return succeeded(Json{{"exists", true},
                        {"name", service->name},
                        {"display_name", service->display_name},
                        {"startup", service->startup},
                        {"state", service->state}});
}

OperationResult set(lab::Estate& estate, const std::string& host, const Json& params) {
  if (!params.contains("name") || !params["name"].is_string())
    return failed("service.set: the parameter 'name' is missing or not a string");
  std::string name = params["name"].get<std::string>();
  std::optional<std::string> startup;
  std::optional<std::string> state;
  std::string error;
  if (!choice(params, "startup", {"automatic", "delayed", "manual", "disabled"}, &startup, &error) ||
      !choice(params, "state", {"running", "stopped"}, &state, &error)) {
    return failed(error);
  }
  if (params.contains("timeout_seconds") &&
      !(params["timeout_seconds"].is_number_integer() && params["timeout_seconds"].get<std::int64_t>() > 0)) {
    return failed(fmt::format("service.set: 'timeout_seconds' must be a positive integer; found {}",
                              params["timeout_seconds"].dump()));
  }
  auto service = estate.service(host, name);
  if (!service) return failed(not_found(name, host));
  if (startup) {
    service->startup = *startup;
    estate.put_service(host, *service);
  }
  std::set<std::string> starting;
  std::optional<std::string> problem;
  if (state == "running") problem = start(estate, host, *service, starting);
  if (state == "stopped") problem = stop(estate, host, *service);
  if (problem) return failed(*problem);
  return succeeded();
}

}  // namespace

void add_lab_operations(lab::OperationTable& table) {
  table.add("service.get", get);
  table.add("service.set", set);
}

void seed_lab(const model::Manifest& manifest, lab::Estate& estate) {
  for (const model::Resource& service : manifest.of_kind("service")) {
    auto host = service.string("host");
    auto name = service.string("name");
    if (!host || !name || estate.service(*host, *name)) continue;
    estate.put_service(*host, lab::Service{std::string(*name), std::string(*name), "manual", "stopped", {}});
  }
}

}  // namespace supctl::plugins::service
