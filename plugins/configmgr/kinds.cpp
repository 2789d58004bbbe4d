#include "plugins/configmgr/kinds.h"

#include <algorithm>
#include <array>

#include "plugins/configmgr/kinds/shared.h"

namespace supctl::plugins::configmgr {
namespace {

plugin::KindHandlers make_handlers() {
  std::vector<std::unique_ptr<plugin::KindHandler>> all;
  all.push_back(make_hierarchy());
  all.push_back(make_site());
  all.push_back(make_account());
  all.push_back(make_proxy());
  all.push_back(make_site_system());
  all.push_back(make_software_update_point());
  all.push_back(make_sync());
  return plugin::KindHandlers(std::move(all));
}

}  // namespace

const plugin::KindHandlers& handlers() {
  static const plugin::KindHandlers all = make_handlers();
  return all;
}

const Kind* kind_of(std::string_view kind) {
  // Every handler in the table is a Kind (make_handlers holds nothing else).
  return static_cast<const Kind*>(handlers().find(kind));
}

std::span<const model::KindSchema> kinds() { return handlers().schemas(); }

bool top_level_only(std::string_view sync_attribute) {
  static constexpr std::array<std::string_view, 3> kPerSite{"depends_on", "reporting_events", "update_file_languages"};
  return std::find(kPerSite.begin(), kPerSite.end(), sync_attribute) == kPerSite.end();
}

bool configmgr_2007_only(std::string_view sup_attribute) {
  static constexpr std::array<std::string_view, 3> k2007{"active", "nlb_virtual_ip", "public_virtual_ip"};
  return std::find(k2007.begin(), k2007.end(), sup_attribute) != k2007.end();
}

}  // namespace supctl::plugins::configmgr
