#include "plugins/host/lab/interpreters.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/base64.h"
#include "plugin/evidence.h"
#include "formats/winhttp.h"

namespace supctl::plugins::host {
namespace {

using plugin::FailureKind;
using model::Json;
using plugin::OperationResult;

using plugin::failed;
using plugin::succeeded;

OperationResult read_log(lab::Estate& estate, const std::string& host, const Json& params) {
  if (!params.is_object() || !params.contains("log") || !params["log"].is_string() || params["log"].get<std::string>().empty()) {
    return failed("logs.read: the parameter 'log' is missing or not a string");
  }
  std::string log = params["log"].get<std::string>();
  if (log.find_first_of("/\\") != std::string::npos || log == "." || log == "..") {
    return failed(fmt::format("logs.read: '{}' is not a log file name", log));
  }
  if (params.value("rolled", false)) log = plugin::rolled_over_name(log);
  const std::int64_t offset = params.value("offset", std::int64_t{0});
  const std::int64_t max_bytes = std::max<std::int64_t>(1, params.value("max_bytes", std::int64_t{8} << 20));
  const std::string all = estate.read_log(host, log, 0);
  const bool exists = !all.empty() || std::filesystem::exists(estate.log_path(host, log));
  const auto size = static_cast<std::int64_t>(all.size());
  Json result{{"exists", exists},
              {"path", exists ? estate.log_path(host, log).string() : std::string()},
              {"size", size},
              {"encoding", all.starts_with("\xFF\xFE") ? "utf-16le" : "utf-8"},
              {"rotated", false},
              {"previous", ""}};
  if (offset < 0) {
    result.update(Json{{"offset", size}, {"next_offset", size}, {"data", ""}});
    return succeeded(std::move(result));
  }
  // The lab never rolls a log over; a log shorter than the offset was reset (lab reset): read it anew.
  std::int64_t from = offset;
  if (from > size) {
    from = 0;
    result["rotated"] = true;
  }
  const std::int64_t count = std::min(max_bytes, size - from);
  result.update(Json{{"offset", from},
                     {"next_offset", from + count},
                     {"data", model::base64_encode(std::string_view(all).substr(static_cast<std::size_t>(from), static_cast<std::size_t>(count)))}});
  return succeeded(std::move(result));
}

OperationResult show_proxy(lab::Estate& estate, const std::string& host, const Json&) {
  auto value = estate.value(host, formats::kWinHttpSettingsKey, formats::kWinHttpSettingsValue);
  formats::WinHttpProxy proxy;  // no value: direct access, as on a fresh Windows
  if (value) {
    if (value->type != "binary" || !value->data.is_string()) {
      return failed("Error querying advanced proxy settings: the WinHttpSettings value is not binary");
    }
    auto blob = model::bytes_of_spaced_hex(value->data.get<std::string>());
    std::string error;
    auto decoded = blob ? formats::decode_winhttp_settings(*blob, &error) : std::nullopt;
    if (!decoded) return failed(fmt::format("Error querying advanced proxy settings. ({})", blob ? error : "not hex"));
    proxy = *decoded;
  }
  return succeeded(Json{{"output", formats::render_netsh_winhttp(proxy)}});
}

}  // namespace

void add_lab_operations(lab::OperationTable& table) {
  table.add("logs.read", read_log);
  table.add("winhttp.show_proxy", show_proxy);
}

}  // namespace supctl::plugins::host
