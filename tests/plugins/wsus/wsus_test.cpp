// The wsus plugin over the lab: its lab interpreters on their own, then whole plan -> apply ->
// plan cycles through the real planner and applier, and the parity of lab and PowerShell.

#include <unistd.h>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "plugins/powershell_lint.h"
#include "plugins/lab_harness.h"
#include "plugins/lab_report.h"
#include "apply/applier.h"
#include "backends/lab/backend.h"
#include "backends/lab/estate.h"
#include "diag/render.h"
#include "manifest/validate.h"
#include "plan/planner.h"
#include "plugins/common/products.h"
#include "plugins/configmgr/lab/interpreters.h"
#include "plugins/configmgr/plugin.h"
#include "plugins/registry/lab/interpreters.h"
#include "plugins/registry/plugin.h"
#include "plugins/service/lab/interpreters.h"
#include "plugins/service/plugin.h"
#include "plugins/wsus/lab/interpreters.h"
#include "plugins/wsus/plugin.h"
#include "state/state.h"

namespace supctl::plugins::wsus {
namespace {

using test::lint_powershell;

using test::changes_of;
using test::steps_of;

using model::Json;

constexpr const char* kHost = "h1.test";
constexpr const char* kAddress = "wsus_server[\"h1.test\"]";
constexpr const char* kSetupKey = "HKLM\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup";
constexpr const char* kCritical = "E6CF1350-C01B-414D-A61F-263D14D133B4";
constexpr const char* kDefinition = "E0789628-CE08-4437-BE74-2495B842F43B";
constexpr const char* kSecurity = "0FA1201D-4330-4FA8-8AE9-B877473B6441";
// Products and families of the catalog (plugins/common/products_data.inc).
constexpr const char* kServer21H2 = "71718F13-7324-4B0F-8F9E-2CA9DC978E53";  // Microsoft Server operating system-21H2
constexpr const char* kServer22H2 = "2C7888B6-F9E9-4EE9-87AF-A77705193893";
constexpr const char* kServer23H2 = "607EFB8D-FEED-48A0-930E-14D0CF2DA71F";
constexpr const char* kServer24H2 = "B256987D-4693-4C87-955D-DBB9341205EB";
constexpr const char* kDefender = "8C3FCC84-7410-4A95-8B89-A166A0190486";  // Microsoft Defender Antivirus
constexpr const char* kWindows11 = "72E7624A-5B00-45D2-B92F-E561C0A6A160";
constexpr const char* kAdminCenterFamily = "A871EE2D-7499-6719-3781-8C63A1642990";  // Windows Admin Center, twice
constexpr const char* kAdminCenterProduct = "B1B8F641-1FF2-4AE6-B247-4FE7503787BE";



test::PluginLab::Plugins wsus_registry_and_service() {
  test::PluginLab::Plugins plugins;
  plugins.push_back(make_plugin());
  plugins.push_back(registry::make_plugin());
  plugins.push_back(service::make_plugin());
  return plugins;
}

/// The WSUS, registry and service plugins over a temporary lab (tests/plugins/lab_harness.h).
class Lab : public test::PluginLab {
 public:
  explicit Lab(const std::string& name, lab::HostInfo host = lab::HostInfo{.name = kHost})
      : PluginLab("wsus-" + name, wsus_registry_and_service(),
                  {&add_lab_operations, &registry::add_lab_operations, &service::add_lab_operations}, std::move(host)) {}

  Json document() const { return estate->document(kHost, "wsus", "server").value_or(Json(nullptr)); }
};

/// The same with the ConfigMgr plugin too, whose `proxy` and `account` kinds a wsus_server names.
class ProxyLab : public test::PluginLab {
 public:
  explicit ProxyLab(const std::string& name)
      : PluginLab("wsus-" + name, with_configmgr(), {&add_lab_operations, &configmgr::add_lab_operations}, lab::HostInfo{.name = kHost}) {}
  Json document() const { return estate->document(kHost, "wsus", "server").value_or(Json(nullptr)); }

 private:
  static test::PluginLab::Plugins with_configmgr() {
    test::PluginLab::Plugins plugins;
    plugins.push_back(make_plugin());
    plugins.push_back(configmgr::make_plugin());
    return plugins;
  }
};

constexpr const char* kWithProxy = R"(
[hierarchy]
name = "test"
configmgr = "current-branch"

[account.proxy_user]
user = 'TEST\svc-proxy'
password = { env = "PROXY_PW" }

[account.mail]
user = "mail@test.example"
password = { env = "SMTP_PW" }

[proxy.edge]
server = "edge.test"
port = 3128
account = "proxy_user"

[wsus_server."h1.test"]
proxy = "edge"
smtp_host_name = "smtp.test.example"
email_server_account = "mail"
)";

/// kWithProxy loaded, with both accounts' passwords set.
void load_with_passwords(ProxyLab& lab) {
  lab.env["PROXY_PW"] = "proxy-secret-1";
  lab.env["SMTP_PW"] = "smtp-secret-1";
  lab.load(kWithProxy);
}

/// Someone points WSUS's proxy at port 8080 out of band; the plan that follows, without errors.
plan::PlanResult plan_with_proxy_port_moved(ProxyLab& lab) {
  Json document = lab.document();
  document["configuration"]["proxy"]["port"] = 8080;
  lab.estate->put_document(kHost, "wsus", "server", document);
  auto drifted = lab.plan();
  REQUIRE_FALSE(drifted.diagnostics.has_errors());
  return drifted;
}

const plan::Change& change_of(const plan::Plan& plan, std::string_view address) {
  for (const plan::Change& change : plan.changes) {
    if (change.address.str() == address) return change;
  }
  FAIL("the plan has no change for " << address);
  throw;
}

std::string attribute_names(const plan::Change& change) {
  std::string out;
  for (const auto& a : change.attributes) out += (out.empty() ? "" : ",") + a.name;
  return out;
}

std::optional<Json> setup_value(const Lab& lab, std::string_view name) {
  auto value = lab.estate->value(kHost, kSetupKey, name);
  return value ? std::optional<Json>(value->data) : std::nullopt;
}

constexpr const char* kInstallOnly = R"(
[wsus_server."h1.test"]
content_dir = 'D:\WSUS'
database = "wid"
)";

TEST_CASE("wsus: install from nothing, then nothing to do") {
  Lab lab("install");
  lab.load(kInstallOnly);
  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  const plan::Change& change = change_of(planned.plan, kAddress);
  CHECK(change.action == plugin::Action::kCreate);
  CHECK(attribute_names(change) == "content_dir,database");
  lab.converge();

  CHECK(lab.estate->features(kHost) == std::vector<std::string>{"UpdateServices-API", "UpdateServices-Services",
                                                                "UpdateServices-UI", "UpdateServices-WidDB"});
  CHECK(setup_value(lab, "ContentDir") == Json("D:\\WSUS"));
  CHECK(setup_value(lab, "SqlServerName") == Json("MICROSOFT##WID"));
  CHECK(setup_value(lab, "SqlDatabaseName") == Json("SUSDB"));
  auto service = lab.estate->service(kHost, "WsusService");
  REQUIRE(service);
  CHECK(service->startup == "automatic");
  CHECK(service->state == "running");
  Json document = lab.document();
  CHECK(document["installed"] == true);
  CHECK(document["version"] == "10.0.20348");
  CHECK(document["content_dir"] == "D:\\WSUS");
  CHECK(document["database"] == "wid");
  lab.require_converged();
}

TEST_CASE("wsus: a SQL Server database installs UpdateServices-DB, and the version follows the OS") {
  Lab lab("sql", lab::HostInfo{.name = kHost, .os = "Windows Server 2019", .os_version = "10.0.17763"});
  lab.load(R"(
[wsus_server."h1.test"]
content_dir = 'E:\WSUS'
database = 'SQL01\WSUS'
version = "10.0.17763"
)");
  lab.converge();
  CHECK(lab.estate->features(kHost) == std::vector<std::string>{"UpdateServices-API", "UpdateServices-DB",
                                                                "UpdateServices-Services", "UpdateServices-UI"});
  CHECK(setup_value(lab, "SqlServerName") == Json("SQL01\\WSUS"));
  CHECK(lab.document()["version"] == "10.0.17763");
  lab.require_converged();
}

TEST_CASE("wsus: the WSUS version of each Windows Server version") {
  CHECK(wsus_version_of("10.0.20348") == "10.0.20348");
  CHECK(wsus_version_of("10.0.17763") == "10.0.17763");
  CHECK(wsus_version_of("10.0.14393") == "10.0.14393");
  CHECK(wsus_version_of("6.3.9600") == "6.3");
  CHECK(wsus_version_of("6.2.9200") == "6.2");
  CHECK(wsus_version_of("6.3") == "6.3");
}

TEST_CASE("wsus: a standalone server's configuration and subscription converge") {
  Lab lab("configure");
  lab.load(fmt::format(R"(
[wsus_server."h1.test"]
content_dir = 'D:\WSUS'
database = "wid"
classifications = ["{}", "{}"]
products = ["Microsoft Server operating system-21H2"]
languages = {{ include = ["en", "de"] }}
synchronize_automatically = true
synchronize_automatically_time_of_day = "02:00"
synchronizations_per_day = 2
client_targeting_mode = "server"
update_improvement_program = false
download_express_packages = false
)",
                       kCritical, kSecurity));
  lab.converge();
  Json document = lab.document();
  CHECK(document["subscription"]["classifications"] == Json::array({kSecurity, kCritical}));
  CHECK(document["subscription"]["products"] == Json::array({kServer21H2}));
  CHECK(document["subscription"]["synchronize_automatically"] == true);
  CHECK(document["subscription"]["synchronize_automatically_time_of_day"] == "02:00");
  CHECK(document["subscription"]["synchronizations_per_day"] == 2);
  CHECK(document["configuration"]["languages"] == Json::array({"de", "en"}));
  CHECK(document["configuration"]["client_targeting_mode"] == "server");
  CHECK(document["configuration"]["update_improvement_program"] == false);
  lab.require_converged();

  SECTION("a language the server has beyond the included ones is left alone") {
    Json changed = lab.document();
    changed["configuration"]["languages"] = Json::array({"de", "en", "fr"});
    lab.estate->put_document(kHost, "wsus", "server", changed);
    lab.require_converged();
  }

  SECTION("a change in the manifest sends only the changed settings") {
    lab.load(fmt::format(R"(
[wsus_server."h1.test"]
content_dir = 'D:\WSUS'
database = "wid"
classifications = ["{}", "{}"]
products = ["Microsoft Server operating system-21H2"]
languages = {{ include = ["en"], exclude = ["de"] }}
synchronize_automatically = true
synchronize_automatically_time_of_day = "02:00"
synchronizations_per_day = 4
client_targeting_mode = "server"
update_improvement_program = false
download_express_packages = false
)",
                         kCritical, kDefinition));
    auto planned = lab.plan();
    REQUIRE_FALSE(planned.diagnostics.has_errors());
    const plan::Change& change = change_of(planned.plan, kAddress);
    CHECK(change.action == plugin::Action::kUpdate);
    CHECK(attribute_names(change) == "classifications,languages,synchronizations_per_day");
    auto report = lab.apply(planned.plan);
    INFO(steps_of(report));
    REQUIRE(report.ok());
    Json after = lab.document();
    CHECK(after["subscription"]["classifications"] == Json::array({kDefinition, kCritical}));
    CHECK(after["configuration"]["languages"] == Json::array({"en"}));
    CHECK(after["subscription"]["synchronizations_per_day"] == 4);
    lab.require_converged();
  }
}

/// The estate's subscribed products (GUIDs).
Json subscribed(const Lab& lab) { return lab.document()["subscription"].value("products", Json(nullptr)); }

/// Replaces the estate's subscribed products behind supctl's back.
void subscribe_out_of_band(Lab& lab, const Json& guids) {
  Json document = lab.document();
  document["subscription"]["products"] = guids;
  lab.estate->put_document(kHost, "wsus", "server", document);
}

constexpr const char* kGlobs = R"(
[wsus_server."h1.test"]
content_dir = 'D:\WSUS'
products = ["Microsoft Server Operating System-2?H2", "microsoft defender antivirus"]
)";

TEST_CASE("wsus: product globs resolve to the catalog's GUIDs and the next plan has nothing to do") {
  Lab lab("globs");
  lab.load(kGlobs);
  auto planned = lab.plan();
  INFO(lab.text(planned.diagnostics));
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  CHECK(change_of(planned.plan, kAddress).action == plugin::Action::kCreate);
  lab.apply_ok(planned.plan);
  // WSUS keeps categories, not titles: the glob selected four products, the title one (sorted by GUID).
  CHECK(subscribed(lab) == Json::array({kServer22H2, kServer23H2, kServer21H2, kDefender, kServer24H2}));
  lab.require_converged();

  // What wsus.get reports: titles and GUIDs in the same order, and the catalog when asked.
  auto got = lab.run("wsus.get", Json{{"catalog", true}});
  REQUIRE(got.ok());
  CHECK(got.value["subscription"]["products"] ==
        Json::array({"Microsoft Defender Antivirus", "Microsoft Server Operating System-22H2", "Microsoft Server Operating System-23H2",
                     "Microsoft Server Operating System-24H2", "Microsoft Server operating system-21H2"}));
  CHECK(got.value["subscription"]["product_ids"] == Json::array({kDefender, kServer22H2, kServer23H2, kServer24H2, kServer21H2}));
  // The lab server offers supctl's catalog (plugins/common/products_data.inc), families included.
  REQUIRE(got.value["catalog"].size() > 300);
  CHECK(got.value["catalog"][0] == Json{{"title", ".NET 5.0"}, {"id", "B8267FAE-89AB-4540-B17D-21FFD5986E3A"}, {"family", false}});
  CHECK(std::count(got.value["catalog"].begin(), got.value["catalog"].end(),
                   Json{{"title", "Windows Admin Center"}, {"id", kAdminCenterFamily}, {"family", true}}) == 1);
  CHECK_FALSE(lab.run("wsus.get", Json::object()).value.contains("catalog"));
}

TEST_CASE("wsus: the plugin asks for the catalog only when the manifest declares products") {
  auto plugin = make_plugin();
  model::Resource without{model::Address{"wsus_server", kHost}, {}, {}};
  CHECK(plugin->read(plugin::ReadRequest{without.address, &without, nullptr, nullptr, nullptr}).operations[0].params == Json::object());
  model::AttributeMap recorded{{"products", Json::array({"Windows 11"})}};
  auto reread = plugin->read(plugin::ReadRequest{without.address, nullptr, &recorded, nullptr, nullptr});
  CHECK(reread.operations[0].name == "wsus.get");
  CHECK(reread.operations[0].params == Json{{"catalog", true}});
}

TEST_CASE("wsus: a misspelt product is an error at plan time on an installed server") {
  Lab lab("unknown-product");
  install_in_lab(*lab.estate, kHost, "D:\\WSUS", "wid");
  lab.load(R"(
[wsus_server."h1.test"]
products = ["Microsoft Defender Antivirus", "Windows Server 2022"]
)");
  auto planned = lab.plan();
  REQUIRE(planned.diagnostics.error_count() == 1);
  const diag::Diagnostic& d = planned.diagnostics.all()[0];
  CHECK(d.code == "unknown-product");
  CHECK(d.key_path == "wsus_server[\"h1.test\"].products");
  CHECK(d.summary == "no product or product family in the WSUS catalog of 'h1.test' matches 'Windows Server 2022'");
  CHECK(lab.text(planned.diagnostics) ==
        R"(error[unknown-product]: no product or product family in the WSUS catalog of 'h1.test' matches 'Windows Server 2022'
  --> main.toml:5:45
   |
 5 | products = ["Microsoft Defender Antivirus", "Windows Server 2022"]
   |                                             ^^^^^^^^^^^^^^^^^^^^^
   = at: wsus_server["h1.test"].products
   = expected a title of a product or product family the server offers (GetUpdateCategories()), a glob of product titles with '*' and '?', or a category GUID
   = help: did you mean 'Microsoft Server operating system-21H2', the WSUS title for 'Windows Server 2022'?

)");
}

TEST_CASE("wsus: a misspelt product is an error at plan time before WSUS is installed") {
  Lab lab("unknown-product-create");
  lab.load(R"(
[wsus_server."h1.test"]
content_dir = 'D:\WSUS'
products = { include = ["Windows Sever*"], exclude = ["Windows 11"] }
)");
  auto planned = lab.plan();
  REQUIRE(planned.diagnostics.error_count() == 1);
  const diag::Diagnostic& d = planned.diagnostics.all()[0];
  CHECK(d.code == "unknown-product");
  CHECK(d.key_path == "wsus_server[\"h1.test\"].products");
  CHECK(lab.text(planned.diagnostics) ==
        R"(error[unknown-product]: no product or product family in supctl's WSUS catalog matches 'Windows Sever*'
  --> main.toml:6:25
   |
 6 | products = { include = ["Windows Sever*"], exclude = ["Windows 11"] }
   |                         ^^^^^^^^^^^^^^^^
   = at: wsus_server["h1.test"].products
   = WSUS is not installed on 'h1.test' yet, so the products are checked against supctl's catalog of WSUS products rather than the server's
   = help: did you mean 'Windows Server*'?

)");
  CHECK(lab.document().is_null());
}

TEST_CASE("wsus: products changed on the server show as titles and apply repairs them") {
  Lab lab("product-drift");
  lab.load(kGlobs);
  lab.converge();
  subscribe_out_of_band(lab, Json::array({kDefender, kWindows11, kServer21H2}));

  auto planned = lab.plan();
  INFO(lab.text(planned.diagnostics));
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  const plan::Change& change = change_of(planned.plan, kAddress);
  CHECK(change.action == plugin::Action::kUpdate);
  CHECK(change.reason == plan::Reason::kDrift);
  REQUIRE(attribute_names(change) == "products");
  CHECK(change.attributes[0].before ==
        Json::array({"Microsoft Defender Antivirus", "Microsoft Server operating system-21H2", "Windows 11"}));
  CHECK(change.attributes[0].after ==
        Json::array({"Microsoft Server Operating System-2?H2", "microsoft defender antivirus"}));
  REQUIRE(planned.plan.drift.size() == 1);
  CHECK(planned.plan.drift[0].attributes[0].name == "products");
  lab.apply_ok(planned.plan);
  CHECK(subscribed(lab) == Json::array({kServer22H2, kServer23H2, kServer21H2, kDefender, kServer24H2}));
  lab.require_converged();
}

TEST_CASE("wsus: include requires and exclude forbids products and the rest is left alone") {
  Lab lab("product-include");
  REQUIRE(lab.run("wsus.install", Json{{"content_dir", "D:\\WSUS"}, {"database", "wid"}}).ok());
  REQUIRE(lab.run("wsus.configure", Json{{"subscription", {{"products", Json::array({"Windows 11", kServer24H2})}}}}).ok());
  lab.load(R"(
[wsus_server."h1.test"]
products = { include = ["Microsoft Server Operating System-2?H2"], exclude = ["Microsoft Server Operating System-24H2"] }
)");
  auto planned = lab.plan();
  INFO(lab.text(planned.diagnostics));
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  const plan::Change& change = change_of(planned.plan, kAddress);
  REQUIRE(attribute_names(change) == "products");
  CHECK(change.attributes[0].before == Json::array({"Microsoft Server Operating System-24H2", "Windows 11"}));
  lab.apply_ok(planned.plan);
  // The glob's other products are added, the excluded one removed, Windows 11 kept.
  CHECK(subscribed(lab) == Json::array({kServer22H2, kServer23H2, kServer21H2, kWindows11}));
  lab.require_converged();

  SECTION("a product beyond the included ones is not a change") {
    subscribe_out_of_band(lab, Json::array({kServer22H2, kServer23H2, kServer21H2, kWindows11, kDefender}));
    lab.require_converged();
  }
  SECTION("an excluded product that comes back is removed") {
    subscribe_out_of_band(lab, Json::array({kServer22H2, kServer23H2, kServer21H2, kServer24H2}));
    auto drifted = lab.plan();
    REQUIRE_FALSE(drifted.diagnostics.has_errors());
    CHECK(attribute_names(change_of(drifted.plan, kAddress)) == "products");
    lab.apply_ok(drifted.plan);
    CHECK(subscribed(lab) == Json::array({kServer22H2, kServer23H2, kServer21H2}));
    lab.require_converged();
  }
  SECTION("an included product that is missing is added") {
    subscribe_out_of_band(lab, Json::array({kServer22H2, kServer21H2}));
    auto drifted = lab.plan();
    REQUIRE_FALSE(drifted.diagnostics.has_errors());
    CHECK(change_of(drifted.plan, kAddress).attributes[0].before ==
          Json::array({"Microsoft Server Operating System-22H2", "Microsoft Server operating system-21H2"}));
    lab.apply_ok(drifted.plan);
    CHECK(subscribed(lab) == Json::array({kServer22H2, kServer23H2, kServer21H2}));
  }
}

TEST_CASE("wsus: products named by GUID converge") {
  Lab lab("product-guids");
  lab.load(fmt::format(R"(
[wsus_server."h1.test"]
content_dir = 'D:\WSUS'
products = ["{{{}}}", "Microsoft Defender Antivirus"]
)",
                       "72e7624a-5b00-45d2-b92f-e561c0a6a160"));
  lab.converge();
  CHECK(subscribed(lab) == Json::array({kWindows11, kDefender}));
  lab.require_converged();

  subscribe_out_of_band(lab, Json::array({kDefender}));
  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  CHECK(change_of(planned.plan, kAddress).attributes[0].before == Json::array({"Microsoft Defender Antivirus"}));

  lab.load(R"(
[wsus_server."h1.test"]
content_dir = 'D:\WSUS'
products = ["00000000-0000-0000-0000-000000000000"]
)");
  auto unknown = lab.plan();
  REQUIRE(unknown.diagnostics.error_count() == 1);
  CHECK(unknown.diagnostics.all()[0].summary ==
        "no product or product family in the WSUS catalog of 'h1.test' matches '00000000-0000-0000-0000-000000000000'");
}

TEST_CASE("wsus: a title that a product and a family share selects both") {
  Lab lab("product-twins");
  lab.load(R"(
[wsus_server."h1.test"]
content_dir = 'D:\WSUS'
products = ["Windows Admin Center"]
)");
  lab.converge();
  CHECK(subscribed(lab) == Json::array({kAdminCenterFamily, kAdminCenterProduct}));
  lab.require_converged();

  // Only one of the two: the plan says which, since the titles alone would read the same.
  subscribe_out_of_band(lab, Json::array({kAdminCenterProduct}));
  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  const plan::Change& change = change_of(planned.plan, kAddress);
  REQUIRE(attribute_names(change) == "products");
  CHECK(change.attributes[0].before == Json::array({fmt::format("Windows Admin Center ({})", kAdminCenterProduct)}));
  lab.apply_ok(planned.plan);
  CHECK(subscribed(lab) == Json::array({kAdminCenterFamily, kAdminCenterProduct}));
  lab.require_converged();
}

/// wsus.get's result for an installed server with `catalog`, subscribed to `ids`.
plugin::OperationResult reported(const Json& catalog, const Json& ids, const Json& titles) {
  return {plugin::FailureKind::kNone,
          Json{{"installed", true}, {"subscription", {{"products", titles}, {"product_ids", ids}}}, {"catalog", catalog}},
          {}};
}

TEST_CASE("wsus: products resolve against the catalog the server reports and not supctl's") {
  auto plugin = make_plugin();
  model::AttributeMap recorded{{"products", Json::array({"Windows 1?"})}};
  Json catalog = Json::array({Json{{"title", "Windows 10"}, {"id", "A3C2375D-0C8A-42F9-BCE0-28333E198407"}, {"family", false}},
                              Json{{"title", "Windows Contoso"}, {"id", "0D0D0D0D-0000-4000-8000-000000000001"}, {"family", false}}});
  auto observe = [&](const model::AttributeMap& written, const plugin::OperationResult& result) {
    std::vector<plugin::OperationResult> results{result};
    return plugin->observe(plugin::ObserveRequest{{"wsus_server", kHost}, nullptr, results, &written, nullptr});
  };
  // Read back after apply: the server's catalog has Windows 10 only.
  auto seen = observe(recorded, reported(catalog, Json::array({"a3c2375d-0c8a-42f9-bce0-28333e198407"}), Json::array({"Windows 10"})));
  REQUIRE_FALSE(seen.diagnostics.has_errors());
  REQUIRE(seen.observed);
  CHECK(seen.observed->at("products") == Json::array({"Windows 1?"}));

  // A product that only this server offers.
  model::AttributeMap local{{"products", Json::array({"Windows Contoso"})}};
  CHECK_FALSE(observe(local, reported(catalog, Json::array(), Json::array())).diagnostics.has_errors());

  // Windows 11 is in supctl's catalog but not in this server's.
  model::AttributeMap eleven{{"products", Json::array({"Windows 11"})}};
  auto missing = observe(eleven, reported(catalog, Json::array(), Json::array()));
  REQUIRE(missing.diagnostics.error_count() == 1);
  CHECK(missing.diagnostics.all()[0].summary == "no product or product family in the WSUS catalog of 'h1.test' matches 'Windows 11'");

  // Before its first synchronization a server offers nothing.
  auto empty = observe(eleven, reported(Json::array(), Json::array(), Json::array()));
  REQUIRE(empty.diagnostics.error_count() == 1);
  CHECK(empty.diagnostics.all()[0].detail == "the server offers no products: WSUS has not synchronized its update categories yet");
}

TEST_CASE("wsus: plan time and the lab server select the same products for a pattern") {
  // The plugin resolves against the catalog wsus.get reports (match_categories); the lab server
  // resolves wsus.configure's patterns with common::match_products, as the PowerShell does with -like.
  Lab lab("product-parity");
  REQUIRE(lab.run("wsus.install", Json{{"content_dir", "D:\\WSUS"}, {"database", "wid"}}).ok());
  auto got = lab.run("wsus.get", Json{{"catalog", true}});
  REQUIRE(got.ok());
  std::vector<Category> catalog;
  for (const Json& c : got.value["catalog"]) catalog.push_back(Category{c["title"], c["id"], c["family"]});
  for (std::string_view pattern : {"Windows*", "windows", "Windows Admin Center", "*server operating system-2?H2", "office 20??",
                                   "{f702a48c-919b-45d6-9aef-ca4248d50397}", "Windows Server 2019",
                                   "Windows Server Manager ? Windows Server Update Services (WSUS) Dynamic Installer", "*"}) {
    INFO(pattern);
    REQUIRE(lab.run("wsus.configure", Json{{"subscription", {{"products", Json::array({pattern})}}}}).ok());
    std::vector<std::string> found;
    for (const Category* c : match_categories(pattern, catalog)) found.push_back(c->id);
    std::sort(found.begin(), found.end());
    CHECK_FALSE(found.empty());
    CHECK(subscribed(lab) == Json(found));
  }
  CHECK(match_categories("Windows Sever 2022", catalog).empty());
  CHECK(common::glob_match("Windows Server 2022*", "windows server 2022 hotpatch"));
  CHECK(common::glob_match("Office 20??", "Office 2016"));
  CHECK_FALSE(common::glob_match("Windows Server 2022*", "Windows 11"));
}

TEST_CASE("wsus: drift made on the server is detected and repaired") {
  Lab lab("drift");
  lab.load(fmt::format(R"(
[wsus_server."h1.test"]
content_dir = 'D:\WSUS'
database = "wid"
classifications = ["{}"]
synchronize_automatically = true
synchronizations_per_day = 1
client_targeting_mode = "client"
)",
                       kCritical));
  lab.converge();
  Json drifted = lab.document();
  drifted["subscription"]["classifications"] = Json::array({kCritical, kDefinition});
  drifted["subscription"]["synchronizations_per_day"] = 6;
  drifted["configuration"]["client_targeting_mode"] = "server";
  lab.estate->put_document(kHost, "wsus", "server", drifted);

  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  const plan::Change& change = change_of(planned.plan, kAddress);
  CHECK(change.action == plugin::Action::kUpdate);
  CHECK(change.reason == plan::Reason::kDrift);
  CHECK(attribute_names(change) == "classifications,client_targeting_mode,synchronizations_per_day");
  REQUIRE(planned.plan.drift.size() == 1);
  auto report = lab.apply(planned.plan);
  INFO(steps_of(report));
  REQUIRE(report.ok());
  CHECK(lab.document()["subscription"]["classifications"] == Json::array({kCritical}));
  CHECK(lab.document()["configuration"]["client_targeting_mode"] == "client");
  lab.require_converged();
}

TEST_CASE("wsus: content_dir and database of an installed server are errors, not updates") {
  Lab lab("content-dir");
  install_in_lab(*lab.estate, kHost, "D:\\WSUS", "wid");
  lab.load(R"(
[wsus_server."h1.test"]
content_dir = 'E:\WSUS'
database = 'SQL01\WSUS'
)");
  auto planned = lab.plan();
  INFO(lab.text(planned.diagnostics));
  REQUIRE(planned.diagnostics.error_count() == 2);
  const diag::Diagnostic& content = planned.diagnostics.all()[0];
  CHECK(content.code == "install-setting-changed");
  CHECK(content.key_path == "wsus_server[\"h1.test\"].content_dir");
  CHECK(content.summary ==
        "content_dir is set at install by wsusutil postinstall; supctl does not move WSUS content: the server has "
        "'D:\\WSUS', "
        "the manifest says 'E:\\WSUS'");
  const diag::Diagnostic& database = planned.diagnostics.all()[1];
  CHECK(database.key_path == "wsus_server[\"h1.test\"].database");
  CHECK(database.summary ==
        "database is set at install by wsusutil postinstall; supctl does not move WSUS to another database: the server "
        "has 'wid', "
        "the manifest says 'SQL01\\WSUS'");
}

TEST_CASE("wsus: a version that differs is an error naming both") {
  Lab lab("version");
  install_in_lab(*lab.estate, kHost, "D:\\WSUS", "wid");
  lab.load(R"(
[wsus_server."h1.test"]
content_dir = 'D:\WSUS'
version = "10.0.17763"
)");
  auto planned = lab.plan();
  INFO(lab.text(planned.diagnostics));
  REQUIRE(planned.diagnostics.error_count() == 1);
  const diag::Diagnostic& d = planned.diagnostics.all()[0];
  CHECK(d.code == "wsus-version-mismatch");
  CHECK(d.key_path == "wsus_server[\"h1.test\"].version");
  CHECK(d.summary == "wsus_server[\"h1.test\"] runs WSUS 10.0.20348; the manifest says version = '10.0.17763'");
}

TEST_CASE("wsus: installing a version other than the manifest's fails the step clearly") {
  Lab lab("install-version");
  lab.load(R"(
[wsus_server."h1.test"]
content_dir = 'D:\WSUS'
version = "10.0.17763"
)");
  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  auto report = lab.apply(planned.plan);
  REQUIRE(report.steps.size() == 1);
  CHECK(report.steps[0].status == apply::StepStatus::kFailed);
  CHECK(report.steps[0].message ==
        "not converged after apply: wsus_server[\"h1.test\"] runs WSUS 10.0.20348; the manifest says version = "
        "'10.0.17763'");
}

TEST_CASE("wsus: a failed install fails its step, and a re-run converges") {
  Lab lab("fault");
  lab.load(fmt::format(R"(
[wsus_server."h1.test"]
content_dir = 'D:\WSUS'
database = "wid"
classifications = ["{}"]
)",
                       kCritical));
  lab.estate->add_fault(lab::Fault{.host = kHost,
                                   .operation = "wsus.install",
                                   .kind = "failed",
                                   .message = "wsusutil postinstall failed (exit code 1)",
                                   .remaining = 1});
  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  auto report = lab.apply(planned.plan);
  INFO(steps_of(report));
  REQUIRE_FALSE(report.ok());
  REQUIRE(report.steps.size() == 1);
  CHECK(report.steps[0].status == apply::StepStatus::kFailed);
  CHECK(report.steps[0].message.find("wsusutil postinstall failed (exit code 1)") != std::string::npos);
  CHECK(lab.document().is_null());
  CHECK(lab.estate->features(kHost).empty());

  lab.converge();
  CHECK(lab.document()["subscription"]["classifications"] == Json::array({kCritical}));
  lab.require_converged();
}

TEST_CASE("wsus: a standalone server gets the proxy and e-mail account it names with their passwords") {
  ProxyLab lab("proxy");
  load_with_passwords(lab);
  auto planned = lab.plan();
  INFO(lab.text(planned.diagnostics));
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  std::string saved = plan::to_json(planned.plan).dump();
  CHECK(saved.find("proxy-secret-1") == std::string::npos);
  CHECK(saved.find("smtp-secret-1") == std::string::npos);
  lab.apply_ok(planned.plan);
  Json configuration = lab.document()["configuration"];
  CHECK(configuration["proxy"] ==
        Json{{"server", "edge.test"}, {"port", 3128}, {"account", "TEST\\svc-proxy"}, {"has_password", true}});
  CHECK(configuration["email_server_account"] == "mail@test.example");
  CHECK(lab.estate->document(kHost, "wsus", "server")->dump().find("secret-1") == std::string::npos);
  lab.require_converged();

  // Out of band, someone points WSUS at another port: drift, repaired by the next apply.
  auto drifted = plan_with_proxy_port_moved(lab);
  const plan::Change& change = change_of(drifted.plan, kAddress);
  CHECK(attribute_names(change) == "proxy");
  CHECK(change.attributes[0].after == "edge");
  lab.apply_ok(drifted.plan);
  CHECK(lab.document()["configuration"]["proxy"]["port"] == 3128);
  lab.require_converged();
}

/// The wsus.configure parameters the wsus plugin sends for one planned change.
Json configure_sent(const plan::Change& change) {
  auto plugin = make_plugin();
  plugin::ApplyRequest request{change.address, change.action, &change.desired,
                              change.observed ? &*change.observed : nullptr, change.attributes, &change.references};
  plugin::ApplyResponse response = plugin->apply(request);
  REQUIRE_FALSE(response.diagnostics.has_errors());
  REQUIRE(response.operations.size() == 1);
  CHECK(response.operations[0].name == "wsus.configure");
  return response.operations[0].params;
}

TEST_CASE("wsus: a rotated proxy or e-mail account password is sent to WSUS again") {
  ProxyLab lab("rotate");
  load_with_passwords(lab);
  lab.converge();
  lab.require_converged();
  auto record = lab.state->resource(model::Address{"wsus_server", kHost});
  REQUIRE(record);
  CHECK(record->fingerprints.contains("proxy.account.password"));
  CHECK(record->fingerprints.contains("email_server_account.password"));

  // The proxy account's password changes: the account and the WSUS server that keeps it change.
  lab.env["PROXY_PW"] = "proxy-secret-2";
  auto rotated = lab.plan();
  INFO(lab.text(rotated.diagnostics));
  REQUIRE_FALSE(rotated.diagnostics.has_errors());
  CHECK(attribute_names(change_of(rotated.plan, "account.proxy_user")) == "password");
  const plan::Change& server = change_of(rotated.plan, kAddress);
  CHECK(attribute_names(server) == "proxy.account.password");
  CHECK(server.action == plugin::Action::kUpdate);
  CHECK(server.reason == plan::Reason::kChangedInManifest);
  CHECK(server.attributes[0].sensitive);
  std::string saved = plan::to_json(rotated.plan).dump();
  CHECK(saved.find("proxy-secret") == std::string::npos);
  // Only the proxy goes out again, with its account and the password as a placeholder.
  CHECK(configure_sent(server) ==
        Json{{"configuration",
              {{"proxy",
                {{"server", "edge.test"}, {"port", 3128}, {"user", "TEST\\svc-proxy"}, {"password", {{"$secret", {{"env", "PROXY_PW"}}}}}}}}}});
  lab.apply_ok(rotated.plan);
  lab.require_converged();

  // The SMTP account's password changes: the e-mail account goes out again, and only it.
  lab.env["SMTP_PW"] = "smtp-secret-2";
  auto mail = lab.plan();
  REQUIRE_FALSE(mail.diagnostics.has_errors());
  const plan::Change& mailed = change_of(mail.plan, kAddress);
  CHECK(attribute_names(mailed) == "email_server_account.password");
  CHECK(configure_sent(mailed) ==
        Json{{"configuration",
              {{"email_server_account", {{"user", "mail@test.example"}, {"password", {{"$secret", {{"env", "SMTP_PW"}}}}}}}}}});
  lab.apply_ok(mail.plan);
  lab.require_converged();

  // The proxy drifted on the server and its password was rotated: the proxy goes out once.
  lab.env["PROXY_PW"] = "proxy-secret-3";
  auto drifted = plan_with_proxy_port_moved(lab);
  const plan::Change& twice = change_of(drifted.plan, kAddress);
  CHECK(attribute_names(twice) == "proxy,proxy.account.password");
  CHECK(configure_sent(twice)["configuration"].size() == 1);
  lab.apply_ok(drifted.plan);
  lab.require_converged();
}

TEST_CASE("wsus: a rotated password that cannot be read is an error at the WSUS server too") {
  ProxyLab lab("rotate-missing");
  load_with_passwords(lab);
  lab.converge();
  lab.env.erase("PROXY_PW");
  auto planned = lab.plan();
  std::string text = lab.text(planned.diagnostics);
  INFO(text);
  CHECK(planned.diagnostics.has_errors());
  CHECK(text.find("wsus_server[\"h1.test\"].proxy.account.password") != std::string::npos);
  CHECK(text.find("set PROXY_PW in the environment of this run") != std::string::npos);
}

TEST_CASE("wsus: a proxy without an account is anonymous and still converges") {
  ProxyLab lab("anonymous-proxy");
  lab.load(R"(
[hierarchy]
name = "test"
configmgr = "current-branch"

[proxy.edge]
server = "edge.test"
port = 80

[wsus_server."h1.test"]
proxy = "edge"
)");
  lab.converge();
  CHECK(lab.document()["configuration"]["proxy"] == Json{{"server", "edge.test"}, {"port", 80}, {"account", nullptr}, {"has_password", false}});
  lab.require_converged();
}

TEST_CASE("wsus: a proxy on a SUP's WSUS that differs from the site system's is reported with the WCM.log hint") {
  ProxyLab lab("sup-proxy");
  lab.load(R"(
[hierarchy]
name = "test"
configmgr = "current-branch"

[site.CAS]
type = "cas"
server = "h1.test"

[proxy.corp]
server = "proxy.test"
port = 8080

[site_system."h1.test"]
site = "CAS"
proxy = "corp"

[wsus_server."h1.test"]
content_dir = 'D:\WSUS'

[software_update_point."h1.test"]
site = "CAS"
use_proxy = true
)");
  auto plugin = make_plugin();
  const model::Resource* wsus = lab.manifest().find("wsus_server", kHost);
  REQUIRE(wsus);
  auto observe_with = [&](Json proxy) {
    Json document{{"installed", true}, {"version", "10.0.20348"}, {"content_dir", "D:\\WSUS"}, {"database", "wid"},
                  {"configuration", Json{{"proxy", proxy}}}, {"subscription", Json::object()}};
    std::vector<plugin::OperationResult> results{{plugin::FailureKind::kNone, document, {}}};
    return plugin->observe(plugin::ObserveRequest{{"wsus_server", kHost}, wsus, results, nullptr, nullptr, &lab.manifest()});
  };
  CHECK(observe_with(Json{{"server", "PROXY.test"}, {"port", 8080}}).diagnostics.all().empty());
  CHECK(observe_with(nullptr).diagnostics.all().empty());  // before the role installs, WSUS has none
  auto differs = observe_with(Json{{"server", "other.test"}, {"port", 3128}});
  REQUIRE(differs.diagnostics.all().size() == 1);
  const diag::Diagnostic& d = differs.diagnostics.all()[0];
  CHECK(d.severity == diag::Severity::kWarning);
  CHECK(d.code == "wsus-proxy-differs");
  CHECK(d.summary == "wsus_server[\"h1.test\"] uses proxy other.test:3128, but its software update point uses the site system's proxy "
                     "proxy.test:8080");
  CHECK(d.help.find("WCM.log on h1.test") != std::string::npos);
}

TEST_CASE("wsus: an apply without what the plan resolved for the proxy is refused") {
  auto plugin = make_plugin();
  model::AttributeMap desired{{"proxy", "corp"}};
  model::AttributeMap observed{{"content_dir", "C:\\WSUS"}};
  std::vector<plugin::AttributeDiff> diffs{{"proxy", nullptr, "corp", false}};
  auto applied = plugin->apply(plugin::ApplyRequest{{"wsus_server", kHost}, plugin::Action::kUpdate, &desired, &observed, diffs, nullptr});
  REQUIRE(applied.diagnostics.has_errors());
  CHECK(applied.diagnostics.all()[0].summary ==
        "cannot change wsus_server[\"h1.test\"]: the proxy 'corp' it names was not resolved at plan time; plan again");
  CHECK(applied.operations.empty());
}

TEST_CASE("wsus: a read that fails names the resource and the failure") {
  Lab lab("read-fault");
  lab.load(kInstallOnly);
  lab.estate->add_fault(lab::Fault{.host = kHost, .operation = "wsus.get", .kind = "timeout", .remaining = 1});
  auto planned = lab.plan();
  REQUIRE(planned.diagnostics.error_count() == 1);
  const diag::Diagnostic& d = planned.diagnostics.all()[0];
  CHECK(d.code == "read-failed");
  CHECK(d.summary == "cannot read wsus_server[\"h1.test\"]: wsus.get (timeout): the operation timed out");
}

TEST_CASE("wsus: the lab interpreters on their own") {
  Lab lab("ops");
  auto absent = lab.run("wsus.get", Json::object());
  REQUIRE(absent.ok());
  CHECK(absent.value == Json{{"installed", false}});

  auto early = lab.run("wsus.configure", Json{{"configuration", {{"update_improvement_program", true}}}});
  CHECK_FALSE(early.ok());
  CHECK(early.error ==
        "WSUS is not installed on 'h1.test': Get-WsusServer finds no update server (run wsus.install first)");

  auto bad = lab.run("wsus.install", Json{{"content_dir", "D:\\WSUS"}});
  CHECK_FALSE(bad.ok());
  CHECK(bad.error == "wsus.install: the parameter 'database' is missing or not a non-empty string");

  REQUIRE(lab.run("wsus.install", Json{{"content_dir", "D:\\WSUS"}, {"database", "wid"}}).ok());
  auto configured = lab.run(
      "wsus.configure",
      Json{
          {"configuration",
           {{"proxy",
             {{"server", "proxy.contoso.com"}, {"port", 8080}, {"user", "CONTOSO\\proxy"}, {"password", "s3cret"}}}}}});
  REQUIRE(configured.ok());
  auto got = lab.run("wsus.get", Json::object());
  REQUIRE(got.ok());
  CHECK(got.value["configuration"]["proxy"] ==
        Json{{"server", "proxy.contoso.com"}, {"port", 8080}, {"account", "CONTOSO\\proxy"}, {"has_password", true}});
  CHECK(lab.document().dump().find("s3cret") == std::string::npos);
  CHECK(got.value["features"] ==
        Json::array({"UpdateServices-API", "UpdateServices-Services", "UpdateServices-UI", "UpdateServices-WidDB"}));
  CHECK(got.value["subscription"] == Json{{"products", Json::array()}, {"product_ids", Json::array()}});
  CHECK_FALSE(got.value.contains("catalog"));

  auto bad_catalog = lab.run("wsus.get", Json{{"catalog", "yes"}});
  CHECK_FALSE(bad_catalog.ok());
  CHECK(bad_catalog.error == "wsus.get: 'catalog' must be true or false; found \"yes\"");

  auto unknown = lab.run("wsus.configure", Json{{"subscription", {{"products", Json::array({"Windows 11", "Windows Sever 2022"})}}}});
  CHECK_FALSE(unknown.ok());
  CHECK(unknown.error == "no product or product family in the WSUS catalog of 'h1.test' matches 'Windows Sever 2022'");
  auto excluded = lab.run("wsus.configure", Json{{"subscription", {{"products", {{"exclude", Json::array({"Windows 12"})}}}}}});
  CHECK_FALSE(excluded.ok());
  CHECK(excluded.error == "no product or product family in the WSUS catalog of 'h1.test' matches 'Windows 12'");
  auto malformed = lab.run("wsus.configure", Json{{"subscription", {{"products", "Windows 11"}}}});
  CHECK_FALSE(malformed.ok());
  CHECK(malformed.error == "wsus.configure: 'products' must be an array of strings or {include, exclude}; found \"Windows 11\"");
  CHECK(lab.document()["subscription"].value("products", Json::array()).empty());
}

TEST_CASE("wsus: seeding gives a SUP host with no wsus_server an installed WSUS") {
  Lab lab("seed", lab::HostInfo{.name = kHost, .os = "Windows Server 2016", .os_version = "10.0.14393"});
  lab.estate->add_host(lab::HostInfo{.name = "h2.test"});
  model::Resource sup1{model::Address{"software_update_point", kHost}, {}, {}};
  model::Resource sup2{model::Address{"software_update_point", "h2.test"}, {}, {}};
  model::Resource wsus2{model::Address{"wsus_server", "h2.test"}, {}, {}};
  model::Resource sup3{model::Address{"software_update_point", "missing.test"}, {}, {}};
  model::Manifest manifest({sup1, sup2, wsus2, sup3});
  seed_lab(manifest, *lab.estate);
  Json document = lab.document();
  CHECK(document["installed"] == true);
  CHECK(document["version"] == "10.0.14393");
  CHECK(document["database"] == "wid");
  CHECK(lab.estate->service(kHost, "WsusService"));
  CHECK_FALSE(lab.estate->document("h2.test", "wsus", "server"));
  CHECK_FALSE(lab.estate->document("missing.test", "wsus", "server"));
}

TEST_CASE("wsus: every operation has a lab interpreter and a powershell fragment") {
  lab::OperationTable table;
  add_lab_operations(table);
  CHECK(table.duplicates().empty());
  std::vector<std::string> fragments;
  for (const plugin::ScriptFragment& fragment : powershell_fragments()) {
    fragments.emplace_back(fragment.operation);
    INFO(fragment.operation);
    CHECK(lint_powershell(fragment.script) == "");
    CHECK(fragment.script.find("return ") != std::string_view::npos);
    CHECK(fragment.script.find("$p.") != std::string_view::npos);  // parameters come from $p
    // Values come from $p, never spliced into the script text.
    CHECK(fragment.script.find("Invoke-Expression") == std::string_view::npos);
  }
  CHECK(table.names() == fragments);
  CHECK(fragments == std::vector<std::string>{"wsus.configure", "wsus.get", "wsus.install"});
}

}  // namespace
}  // namespace supctl::plugins::wsus
