#include "cli/lab_estate.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "diag/render.h"
#include "manifest/checks.h"
#include "manifest/json_schema.h"
#include "manifest/loader.h"
#include "plugins/lab/estate_file.h"
#include "plugins/plugins.h"

namespace supctl::cli {
namespace {

namespace fs = std::filesystem;

manifest::KindTable estate_kinds() {
  std::vector<const model::KindSchema*> kinds;
  for (const model::KindSchema& kind : plugins::lab_estate_kinds()) kinds.push_back(&kind);
  return manifest::KindTable(std::move(kinds));
}

std::string display_name(const std::string& dir) {
  fs::path path = dir == "." || dir.empty() ? fs::path("lab") / "estate.toml" : estate_file_path(dir);
  return path.generic_string();
}

/// The loader speaks of manifests; say what an estate file holds and how to write it.
void explain(const model::Manifest& file, diag::Diagnostics& diagnostics) {
  const model::Resource* lab = file.find("lab", "");
  const model::Attribute* clock = lab ? lab->find("clock") : nullptr;
  const bool clock_unquoted = clock && clock->value.type() == model::Value::Type::kDateTime;
  diag::Diagnostics explained;
  for (diag::Diagnostic d : diagnostics.all()) {
    if (d.code == "unknown-kind") {
      d.summary = fmt::format("unknown table '[{}]' in an estate file", d.key_path);
      if (d.help.empty()) {
        d.help =
            "an estate file holds [lab], [host.\"FQDN\"], [site.CODE], [service.NAME], [registry_key.NAME] and "
            "[registry_value.NAME]";
      }
    } else if (d.code == "wrong-type" && d.key_path == "lab.clock" && clock_unquoted) {
      d.detail = "expected: a UTC time such as '2026-11-21T02:00:00Z', in quotes\nfound: a TOML date-time";
      d.help = "write the time as a string: clock = \"2026-11-21T02:00:00Z\"";
    }
    explained.add(std::move(d));
  }
  diagnostics = std::move(explained);
}

}  // namespace

fs::path estate_file_path(const std::string& dir) { return fs::path(dir) / "lab" / "estate.toml"; }

std::unique_ptr<EstateFile> load_estate_file(const std::string& dir, const model::Manifest& manifest,
                                             std::span<const std::string> machines, Io& io) {
  auto estate = std::make_unique<EstateFile>();
  estate->name = display_name(dir);
  const fs::path path = estate_file_path(dir);
  diag::Diagnostics diagnostics;
  std::error_code ec;
  std::string text;
  auto size = fs::file_size(path, ec);
  if (ec || !fs::is_regular_file(path, ec)) {
    auto& d = diagnostics.error("unreadable-file", fmt::format("cannot read '{}': it is not a file", estate->name));
    d.help =
        "lab/estate.toml describes the lab 'supctl lab init' seeds; make it a TOML file, or remove it to derive the "
        "lab from the manifests";
  } else if (size > manifest::kMaxManifestBytes) {
    auto& d = diagnostics.error("file-too-large",
                                fmt::format("'{}' is {:.1f} MiB; an estate file may be at most {} MiB", estate->name,
                                            static_cast<double>(size) / (1 << 20), manifest::kMaxManifestBytes >> 20));
    d.help = "describe only what differs from the lab the manifests derive";
  } else {
    std::ifstream stream(path, std::ios::binary);
    if (stream) text.assign(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
    if (!stream && !stream.eof()) {
      auto& d = diagnostics.error("unreadable-file", fmt::format("cannot read '{}'", estate->name));
      d.help = "check that you may read it";
    }
  }
  if (!diagnostics.has_errors()) {
    manifest::KindTable kinds = estate_kinds();
    std::vector<model::Resource> resources =
        manifest::load({{estate->name, std::move(text)}}, kinds, estate->sources, diagnostics);
    bool parsed = std::none_of(diagnostics.all().begin(), diagnostics.all().end(), [](const diag::Diagnostic& d) {
      return d.code == "toml-syntax" || d.code == "invalid-utf8";
    });
    manifest::check_attributes(resources, kinds, diagnostics);
    estate->file = model::Manifest(std::move(resources));
    estate->on_manifests = plugins::lab_estate_on_manifests(estate->file);
    if (parsed) plugins::check_lab_estate(estate->file, manifest, machines, diagnostics);
    explain(estate->file, diagnostics);
    diagnostics.sort();
  }
  if (!diagnostics.all().empty())
    io.err << diag::render_text(diagnostics, estate->sources, diag::TextStyle{.color = false});
  if (diagnostics.has_errors()) {
    io.err << fmt::format("The lab estate file '{}' is not valid; the lab estate is unchanged.\n", estate->name);
    return nullptr;
  }
  return estate;
}

std::string estate_json_schema() {
  auto schema = nlohmann::ordered_json::parse(manifest::json_schema(estate_kinds()));
  schema["title"] = "supctl lab estate";
  schema["description"] =
      "DIR/lab/estate.toml: the lab that 'supctl lab init' seeds, on the lab the manifests derive or on an empty one. "
      "Generated from the engine's kind schemas for the estate file; do not edit by hand.";
  schema["definitions"].erase("secret");  // no table of an estate file takes a secret
  return schema.dump(2) + "\n";
}

}  // namespace supctl::cli
