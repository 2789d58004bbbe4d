// The secrets a resource's apply sends: its own, and those its passes_secrets references carry.

#include "model/attributes.h"
#include "plugin/plugin.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace supctl::model {
namespace {

KindSchema server_schema() {
  return KindSchema{
      .kind = "server",
      .attributes = {{.name = "admin_password", .type = AttrType::kSecret},
                     {.name = "mail", .type = AttrType::kReference, .ref_kind = "account", .passes_secrets = true},
                     {.name = "owner", .type = AttrType::kReference, .ref_kind = "account"},
                     {.name = "password", .type = AttrType::kSecret},
                     {.name = "proxy", .type = AttrType::kReference, .ref_kind = "proxy", .passes_secrets = true}},
  };
}

Json account(std::string_view name, std::string_view variable) {
  return Json{{"kind", "account"},
              {"name", name},
              {"attributes", {{"user", "DOMAIN\\" + std::string(name)}, {"password", {{"env", variable}}}}},
              {"secrets", {"password"}}};
}

/// A server that writes one secret of its own, names a mail account, an owner account (not
/// passed) and a proxy whose account is nested below it.
struct Example {
  AttributeMap desired{{"password", Json{{"env", "OWN"}}}, {"mail", "smtp"}, {"owner", "boss"}, {"proxy", "edge"}};
  Json references{{"mail", account("smtp", "SMTP")},
                  {"owner", account("boss", "BOSS")},
                  {"proxy",
                   {{"kind", "proxy"},
                    {"name", "edge"},
                    {"attributes", {{"server", "edge.test"}, {"port", 3128}, {"account", "proxy_user"}}},
                    {"references", {{"account", account("proxy_user", "PROXY")}}}}}};
};

std::vector<std::string> names_of(const std::vector<SentSecret>& sent) {
  std::vector<std::string> names;
  for (const SentSecret& s : sent) names.push_back(s.name);
  return names;
}

TEST_CASE("secrets_sent lists the resource's own secrets then those its passing references carry") {
  Example e;
  auto sent = secrets_sent(server_schema(), e.desired, e.references);
  // admin_password is not written; owner is a reference that does not pass its secrets.
  CHECK(names_of(sent) == std::vector<std::string>{"password", "mail.password", "proxy.account.password"});
  REQUIRE(sent.size() == 3);
  CHECK(*sent[0].reference == Json{{"env", "OWN"}});
  CHECK(*sent[1].reference == Json{{"env", "SMTP"}});
  CHECK(*sent[2].reference == Json{{"env", "PROXY"}});
}

TEST_CASE("secrets_sent skips a reference the resource does not write or that did not resolve") {
  Example e;
  e.desired.erase("mail");
  e.references.erase("proxy");
  CHECK(names_of(secrets_sent(server_schema(), e.desired, e.references)) == std::vector<std::string>{"password"});
  CHECK(names_of(secrets_sent(server_schema(), e.desired, Json(nullptr))) == std::vector<std::string>{"password"});
}

TEST_CASE("secrets_sent takes only the attributes a reference lists as secrets") {
  Example e;
  e.references["mail"].erase("secrets");  // a reference resolved before references listed them
  e.references["proxy"]["references"]["account"]["secrets"] = Json::array({"user", "missing"});
  CHECK(names_of(secrets_sent(server_schema(), e.desired, e.references)) ==
        std::vector<std::string>{"password", "proxy.account.user"});
}

TEST_CASE("sent_secret finds each sent secret again by its name") {
  Example e;
  for (const SentSecret& s : secrets_sent(server_schema(), e.desired, e.references)) {
    INFO(s.name);
    CHECK(sent_secret(e.desired, e.references, s.name) == s.reference);
  }
  CHECK(sent_secret(e.desired, e.references, "admin_password") == nullptr);
  CHECK(sent_secret(e.desired, e.references, "proxy.password") == nullptr);
  CHECK(sent_secret(e.desired, e.references, "proxy.nothing.password") == nullptr);
  CHECK(sent_secret(e.desired, e.references, "nothing.password") == nullptr);
  CHECK(sent_secret(e.desired, Json(nullptr), "mail.password") == nullptr);
}

TEST_CASE("attribute_root is a diff entry's attribute") {
  CHECK(attribute_root("proxy.account.password") == "proxy");
  CHECK(attribute_root("password") == "password");
  CHECK(attribute_root("") == "");
}

TEST_CASE("plugin::generic_diff sends a resource again when a secret its reference passes was rotated") {
  Example e;
  KindSchema schema = server_schema();
  AttributeMap observed{{"mail", "smtp"}, {"owner", "boss"}, {"proxy", "edge"}};
  std::vector<std::string> rotated{"proxy.account.password"};
  plugin::DiffResponse diff = plugin::generic_diff(plugin::DiffRequest{Address{"server", "a"}, &schema, &e.desired, &observed, rotated, &e.references});
  CHECK(diff.action == plugin::Action::kUpdate);
  REQUIRE(diff.attributes.size() == 1);
  CHECK(diff.attributes[0].name == "proxy.account.password");
  CHECK(diff.attributes[0].sensitive);
  CHECK(diff.attributes[0].after == Json{{"env", "PROXY"}});

  // Nothing rotated: nothing to do. Being created: the resource is sent everything anyway.
  CHECK(plugin::generic_diff(plugin::DiffRequest{Address{"server", "a"}, &schema, &e.desired, &observed, {}, &e.references}).action ==
        plugin::Action::kNoOp);
  plugin::DiffResponse create = plugin::generic_diff(plugin::DiffRequest{Address{"server", "a"}, &schema, &e.desired, nullptr, rotated, &e.references});
  CHECK(create.action == plugin::Action::kCreate);
  for (const plugin::AttributeDiff& a : create.attributes) CHECK(a.name != "proxy.account.password");

  // A proxy the manifest no longer writes passes nothing.
  e.desired.erase("proxy");
  observed.erase("proxy");
  CHECK(plugin::generic_diff(plugin::DiffRequest{Address{"server", "a"}, &schema, &e.desired, &observed, rotated, &e.references}).action ==
        plugin::Action::kNoOp);
}

}  // namespace
}  // namespace supctl::model
