// The hierarchy: which ConfigMgr generation the manifests describe. It lives in the manifests
// only (no host reads or changes it); the rules read it to know which generation's rules apply.

#include "model/formats.h"
#include "plugins/configmgr/kinds/shared.h"

namespace supctl::plugins::configmgr {
namespace {

using model::AttrType;

class Hierarchy final : public Kind {
 public:
  const model::KindSchema& schema() const override { return schema_; }
  const model::Resource* site_of(const model::Resource&, const model::Manifest&) const override { return nullptr; }

 private:
  model::KindSchema schema_{
      .kind = "hierarchy",
      .plugin = "configmgr",
      .description = "The ConfigMgr hierarchy these manifests describe; one per directory.",
      .singleton = true,
      .attributes = {
          {.name = "configmgr", .type = AttrType::kEnum, .description = "the ConfigMgr generation; it decides which rules apply",
           .required = true, .enum_values = {"current-branch", "2007"}},
          {.name = "name", .type = AttrType::kString, .description = "a name for the hierarchy", .required = true,
           .format = &model::formats::kNonEmpty},
          {.name = "state_key", .type = AttrType::kSecret,
           .description = "a key, never stored, that the state's secret fingerprints are keyed with, so that the state "
                          "alone cannot test password guesses; SUPCTL_STATE_KEY overrides it",
           .sent = false},
          {.name = "state_password", .type = AttrType::kSecret,
           .description = "the password supctl logs in to a PostgreSQL state with (--state postgresql://...); when it "
                          "is named it is used, over the URL's and libpq's PGPASSWORD and PGPASSFILE; never sent to a host",
           .sent = false},
      },
  };
};

}  // namespace

std::unique_ptr<Kind> make_hierarchy() { return std::make_unique<Hierarchy>(); }

}  // namespace supctl::plugins::configmgr
