// `supctl lab drift` at the layer that owns it: a resource changed on its lab host through its
// plugin's own read, observe and apply, and every way that can be refused.

#include "plugins/lab/drift.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "diag/render.h"
#include "manifest/validate.h"
#include "plugins/plugins.h"

namespace supctl::plugins {
namespace {

namespace fs = std::filesystem;
using model::Json;

const std::string kManifest = R"([hierarchy]
name = "contoso"
configmgr = "current-branch"

[host."h1.test"]
transport = "lab"

[registry_value.queue]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'
name = "QueueLength"
type = "dword"
data = 2000
)";

/// The real plugins over a lab estate of one host, and the manifest above.
struct Lab {
  fs::path dir = fs::temp_directory_path() / fmt::format("supctl-lab-drift-{}", ::getpid());
  PluginSet plugins;
  diag::SourceSet sources;
  manifest::Validation validation;
  std::unique_ptr<lab::Estate> estate;

  Lab() {
    fs::remove_all(dir);
    std::string error;
    estate = lab::Estate::open(dir, &error);
    INFO(error);
    REQUIRE(estate);
    estate->add_host(lab::HostInfo{"h1.test"});
    validation = manifest::validate_files({{"main.toml", kManifest}}, plugins.all(), sources);
    INFO(diag::render_text(validation.diagnostics, sources, {}));
    REQUIRE_FALSE(validation.diagnostics.has_errors());
  }
  ~Lab() {
    estate.reset();
    fs::remove_all(dir);
  }
  const model::Resource& resource(std::string_view kind, std::string_view name) const {
    const model::Resource* r = validation.manifest.find(kind, name);
    REQUIRE(r);
    return *r;
  }
  std::optional<std::string> drift(const model::Resource& resource, std::vector<DriftSetting> settings, std::string* error) {
    return drift_in_lab(*estate, plugins.all(), validation.manifest, resource, settings, error);
  }
};

TEST_CASE("drift sets a value over what the host has, or over the declared one when it has none") {
  Lab lab;
  std::string error;
  // Absent on the host: created from the declared attributes with the setting over them.
  auto host = lab.drift(lab.resource("registry_value", "queue"), {{"data=10", "data", 10}}, &error);
  INFO(error);
  REQUIRE(host);
  CHECK(*host == "h1.test");
  auto value = lab.estate->value("h1.test", "HKLM\\SOFTWARE\\Contoso", "QueueLength");
  REQUIRE(value);
  CHECK(value->type == "dword");
  CHECK(value->data == Json(10));

  // Present: changed in place.
  REQUIRE(lab.drift(lab.resource("registry_value", "queue"), {{"data=11", "data", 11}}, &error));
  CHECK(lab.estate->value("h1.test", "HKLM\\SOFTWARE\\Contoso", "QueueLength")->data == Json(11));
}

TEST_CASE("drift refuses engine configuration, unknown or malformed settings, and what the lab refuses") {
  Lab lab;
  std::string error;
  CHECK_FALSE(lab.drift(lab.resource("host", "h1.test"), {{"transport=ssh", "transport", "ssh"}}, &error));
  CHECK(error == "host[\"h1.test\"] is engine configuration, not something on a host");

  CHECK_FALSE(lab.drift(lab.resource("registry_value", "queue"), {{"colour=blue", "colour", "blue"}}, &error));
  CHECK(error == "'colour=blue' is not KEY=VALUE with a KEY that registry_value has");
  CHECK_FALSE(lab.drift(lab.resource("registry_value", "queue"), {{"data", "", nullptr}}, &error));
  CHECK(error == "'data' is not KEY=VALUE with a KEY that registry_value has");
  CHECK_FALSE(lab.estate->value("h1.test", "HKLM\\SOFTWARE\\Contoso", "QueueLength"));

  lab::Fault refused;
  refused.host = "h1.test";
  refused.operation = "registry.set_value";
  refused.kind = "access_denied";
  refused.message = "Access is denied";
  refused.remaining = 1;
  lab.estate->add_fault(refused);
  CHECK_FALSE(lab.drift(lab.resource("registry_value", "queue"), {{"data=10", "data", 10}}, &error));
  CHECK(error == "the lab refused the change: Access is denied");

  lab::Fault unreachable;
  unreachable.host = "h1.test";
  unreachable.kind = "unreachable";
  lab.estate->add_fault(unreachable);
  CHECK_FALSE(lab.drift(lab.resource("registry_value", "queue"), {{"data=10", "data", 10}}, &error));
  CHECK(error.rfind("cannot read registry_value.queue in the lab: ", 0) == 0);
}

}  // namespace
}  // namespace supctl::plugins
