#include "generate.h"

#include <fmt/format.h>

#include <algorithm>

namespace supctl::bench {

std::vector<manifest::ManifestFile> generate_hierarchy(std::size_t resources, std::size_t files) {
  files = std::max<std::size_t>(files, 1);
  std::vector<std::string> texts(files);
  std::size_t count = 0;
  auto emit = [&](std::string text) { texts[count++ % files] += text; };

  texts[0] += "[hierarchy]\nname = \"bench\"\nconfigmgr = \"current-branch\"\n";
  emit("[site.CAS]\ntype = \"cas\"\nserver = \"cas.bench.example\"\n");
  emit("[software_update_point.\"cassup.bench.example\"]\nsite = \"CAS\"\nwsus_ssl = true\n");
  emit("[sync.CAS]\nsource = \"microsoft_update\"\nschedule = \"daily 02:00\"\n"
       "classifications = [\"Security Updates\", \"Critical Updates\"]\nproducts = [\"Windows Server 2022\"]\n");
  // One primary with a SUP per 200 resources (at most 25 under a CAS), the rest on their hosts.
  std::size_t primaries = std::clamp<std::size_t>(resources / 200, 1, 25);
  std::vector<std::string> hosts;
  for (std::size_t p = 0; p < primaries; ++p) {
    std::string code = fmt::format("P{:02}", p);
    std::string host = fmt::format("p{:02}sup.bench.example", p);
    hosts.push_back(host);
    emit(fmt::format("[site.{}]\ntype = \"primary\"\nparent = \"CAS\"\nserver = \"p{:02}site.bench.example\"\n", code, p));
    emit(fmt::format("[site_system.\"{}\"]\nsite = \"{}\"\n", host, code));
    emit(fmt::format("[wsus_server.\"{}\"]\ncontent_dir = 'D:\\WSUS'\ndatabase = \"wid\"\nversion = \"10.0.20348\"\n", host));
    emit(fmt::format("[software_update_point.\"{}\"]\nsite = \"{}\"\nwsus_iis_port = 8530\nwsus_iis_ssl_port = 8531\nwsus_ssl = true\n",
                     host, code));
  }
  for (std::size_t i = 0; count < resources; ++i) {
    const std::string& host = hosts[i % hosts.size()];
    if (i % 4 == 3) {
      emit(fmt::format("[service.s{}]\nhost = \"{}\"\nname = \"Svc{}\"\nstartup = \"automatic\"\nstate = \"running\"\n", i, host, i));
    } else {
      emit(fmt::format("[registry_value.v{}]\nhost = \"{}\"\nkey = 'HKLM\\SOFTWARE\\Bench\\K{}'\nname = \"V{}\"\n"
                       "type = \"dword\"\ndata = {}\ndepends_on = ['wsus_server[\"{}\"]']\n",
                       i, host, i % 97, i, i, host));
    }
  }
  std::vector<manifest::ManifestFile> out;
  for (std::size_t f = 0; f < files; ++f) out.push_back({fmt::format("bench{:03}.toml", f), std::move(texts[f])});
  return out;
}

}  // namespace supctl::bench
