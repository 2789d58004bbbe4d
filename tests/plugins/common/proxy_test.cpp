// The site system's proxy, as both the ConfigMgr and the WSUS plugins compare a server's against it.

#include "plugins/common/proxy.h"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "diag/render.h"
#include "manifest/validate.h"
#include "model/attributes.h"
#include "plugins/configmgr/plugin.h"

namespace supctl::plugins::common {
namespace {

using model::Json;

constexpr const char* kManifest = R"(
[hierarchy]
name = "test"
configmgr = "current-branch"

[site.PR1]
type = "primary"
server = "pr1site.test.example"

[account.proxy_user]
user = 'TEST\svc-proxy'
password = { env = "PROXY_PW" }

[proxy.corp]
server = "Proxy.Test.Example"
port = 8080
account = "proxy_user"

[proxy.open]
server = "open.test.example"
port = 3128

[site_system."a.test.example"]
site = "PR1"
proxy = "corp"

[site_system."b.test.example"]
site = "PR1"
proxy = "open"

[site_system."c.test.example"]
site = "PR1"

[software_update_point."a.test.example"]
site = "PR1"
)";

class Manifest {
 public:
  Manifest() : plugin_(configmgr::make_plugin()) {
    const std::vector<const plugin::Plugin*> plugins{plugin_.get()};
    validation_ = manifest::validate_files({{"main.toml", kManifest}}, plugins, sources_);
    INFO(diag::render_text(validation_.diagnostics, sources_, {}));
    REQUIRE_FALSE(validation_.diagnostics.has_errors());
  }
  const model::Manifest& get() const { return validation_.manifest; }

 private:
  std::unique_ptr<plugin::Plugin> plugin_;
  diag::SourceSet sources_;
  manifest::Validation validation_;
};

TEST_CASE("site_system_proxy is the declared proxy with its account's user") {
  Manifest m;
  CHECK(site_system_proxy(m.get(), "a.test.example") ==
        Json{{"server", "Proxy.Test.Example"}, {"port", 8080}, {"account", "TEST\\svc-proxy"}});
  // No account: anonymous.
  CHECK(site_system_proxy(m.get(), "b.test.example") == Json{{"server", "open.test.example"}, {"port", 3128}, {"account", nullptr}});
  CHECK(site_system_proxy(m.get(), "c.test.example").is_null());        // declares none
  CHECK(site_system_proxy(m.get(), "nowhere.test.example").is_null());  // not a site system
}

TEST_CASE("same_proxy_endpoint compares servers without case and ports") {
  Json corp{{"server", "Proxy.Test.Example"}, {"port", 8080}, {"account", "TEST\\svc-proxy"}};
  CHECK(same_proxy_endpoint(corp, Json{{"server", "proxy.test.example"}, {"port", 8080}}));
  CHECK_FALSE(same_proxy_endpoint(corp, Json{{"server", "proxy.test.example"}, {"port", 3128}}));
  CHECK_FALSE(same_proxy_endpoint(corp, Json{{"server", "other.test.example"}, {"port", 8080}}));
  CHECK(same_proxy_endpoint(Json{{"server", "p"}}, Json{{"server", "P"}, {"port", 80}}));  // no port: 80
  CHECK_FALSE(same_proxy_endpoint(corp, nullptr));
  CHECK_FALSE(same_proxy_endpoint(nullptr, nullptr));
  CHECK_FALSE(same_proxy_endpoint(Json{{"server", 1}}, Json{{"server", 1}}));
}

/// What the planner resolves for a site system's references.
Json references_of(const Manifest& m, std::string_view fqdn) {
  auto configmgr = configmgr::make_plugin();
  const std::vector<const plugin::Plugin*> plugins{configmgr.get()};
  const plugin::KindRegistry kinds(plugins);
  const model::Resource* system = m.get().find("site_system", fqdn);
  REQUIRE(system != nullptr);
  return model::resolve_references(*system, m.get(), [&](std::string_view kind) { return kinds.schema(kind); });
}

TEST_CASE("proxy_reference parses a resolved proxy once: its name, endpoint and account") {
  Manifest m;
  Json references = references_of(m, "a.test.example");
  auto corp = proxy_reference(&references);
  REQUIRE(corp);
  CHECK(corp->name == "corp");
  CHECK(corp->server == "Proxy.Test.Example");
  CHECK(corp->port == 8080);
  CHECK(corp->account == "TEST\\svc-proxy");
  CHECK(corp->account_site == std::nullopt);  // the account names no site
  CHECK(corp->account_password == Json{{"env", "PROXY_PW"}});
  CHECK(corp->endpoint() == Json{{"server", "Proxy.Test.Example"}, {"port", 8080}, {"account", "TEST\\svc-proxy"}});
  // A server reports names as it likes: server and account compare without case, the port exactly.
  CHECK(corp->matches(Json{{"server", "proxy.test.example"}, {"port", 8080}, {"account", "test\\SVC-PROXY"}}));
  CHECK_FALSE(corp->matches(Json{{"server", "proxy.test.example"}, {"port", 8081}, {"account", "TEST\\svc-proxy"}}));
  CHECK_FALSE(corp->matches(Json{{"server", "proxy.test.example"}, {"port", 8080}, {"account", nullptr}}));

  Json open_references = references_of(m, "b.test.example");
  auto open = proxy_reference(&open_references);
  REQUIRE(open);
  CHECK(open->account == std::nullopt);
  CHECK(open->account_password.is_null());
  CHECK(open->matches(Json{{"server", "OPEN.test.example"}, {"port", 3128}, {"account", nullptr}}));

  Json none = references_of(m, "c.test.example");
  CHECK_FALSE(proxy_reference(&none));
  CHECK_FALSE(proxy_reference(nullptr));
  Json unresolved{{"proxy", {{"name", "gone"}}}};  // named, but not in the manifests when planned
  CHECK_FALSE(proxy_reference(&unresolved));
}

}  // namespace
}  // namespace supctl::plugins::common
