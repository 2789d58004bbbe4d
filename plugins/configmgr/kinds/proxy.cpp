// A proxy server: manifest data that reaches servers through the site systems (and standalone
// WSUS servers) that name it; nothing on a server is read or changed for the proxy itself.

#include "model/formats.h"
#include "plugins/configmgr/kinds/shared.h"

namespace supctl::plugins::configmgr {
namespace {

using model::AttrType;
namespace attr = model::attr;
namespace formats = model::formats;

class Proxy final : public Kind {
 public:
  const model::KindSchema& schema() const override { return schema_; }
  const model::Resource* site_of(const model::Resource&, const model::Manifest& manifest) const override {
    return top_level_site(manifest);
  }

  plugin::ReadResponse read(const plugin::ReadRequest&) const override { return {}; }

  /// What the manifests say, or last said: its site systems carry it to the servers.
  plugin::ObserveResponse observe(const plugin::ObserveRequest& request) const override {
    plugin::ObserveResponse response;
    if (request.desired) {
      response.observed = model::desired_attributes(*request.desired);
    } else if (request.recorded) {
      model::AttributeMap recorded = *request.recorded;
      recorded.erase("depends_on");
      response.observed = std::move(recorded);
    }
    return response;
  }

  plugin::ApplyResponse apply(const plugin::ApplyRequest&) const override { return {}; }

 private:
  model::KindSchema schema_{
      .kind = "proxy",
      .plugin = "configmgr",
      .description = "A proxy server that site systems use to reach the Internet.",
      .name_format = &formats::kIdentifier,
      .attributes = {
          attr::reference("account", "account", "the site system proxy server account; anonymous access when not written"),
          {.name = "bypass", .type = AttrType::kStringList, .description = "hosts that bypass the proxy (WinHTTP bypass list)",
           .format = &formats::kNonEmpty},
          attr::depends_on(),
          {.name = "port", .type = AttrType::kInteger, .description = "the proxy's TCP port (ConfigMgr resets an unset port to 80)",
           .required = true, .min = 1, .max = 65535},
          {.name = "server", .type = AttrType::kString, .description = "the proxy's host name or IP address", .required = true,
           .format = &formats::kFqdn},
      },
  };
};

}  // namespace

std::unique_ptr<Kind> make_proxy() { return std::make_unique<Proxy>(); }

}  // namespace supctl::plugins::configmgr
