#include "manifest/loader.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <toml++/toml.h>

#include "diag/redact.h"
#include "diag/suggest.h"
#include "model/parallel.h"

namespace supctl::manifest {
namespace {

namespace fs = std::filesystem;
using diag::Diagnostics;
using diag::FileId;
using diag::SourceFile;
using diag::SourceRange;
using model::Value;

constexpr int kMaxDepth = 16;  // no attribute nests deeper than 3; deeper input is refused

std::string display_name(const fs::path& dir, const fs::path& file) {
  if (dir == "." || dir.empty()) return file.filename().generic_string();
  return (dir / file.filename()).generic_string();
}

// The first byte that is not valid UTF-8, or npos.
std::size_t invalid_utf8_offset(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || (length == 2 && c < 0xC2) || i + length > text.size()) return i;
    std::uint32_t cp = length == 1 ? c : c & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((length == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (length == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

std::string lower_first(std::string text) {
  if (!text.empty() && std::isupper(static_cast<unsigned char>(text[0])) &&
      !(text.size() > 1 && std::isupper(static_cast<unsigned char>(text[1])))) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

class FileLoader {
 public:
  FileLoader(FileId file, const SourceFile& source, const KindTable& kinds, Diagnostics& out,
             std::map<model::Address, SourceRange>& seen, std::vector<model::Resource>& resources)
      : file_(file), source_(source), kinds_(kinds), out_(out), seen_(seen), resources_(resources) {}

  void run(const toml::table& root) {
    std::vector<std::string_view> kind_names;
    for (const auto* kind : kinds_.all()) kind_names.push_back(kind->kind);
    for (auto&& [key, node] : root) {
      const model::KindSchema* kind = kinds_.find(key.str());
      if (!kind) {
        auto& d = out_.error("unknown-kind", fmt::format("unknown resource kind '{}'", key.str()));
        d.range = key_range(key);
        d.key_path = std::string(key.str());
        d.detail = fmt::format("expected one of: {}", fmt::join(kind_names, ", "));
        d.help = diag::did_you_mean(key.str(), kind_names);
        continue;
      }
      if (kind->singleton) {
        if (const auto* table = node.as_table()) {
          add_resource(*kind, std::string(), key, *table);
        } else {
          not_a_table(key, node, fmt::format("a table [{}]", kind->kind), std::string(key.str()));
        }
        continue;
      }
      const auto* names = node.as_table();
      if (!names) {
        not_a_table(key, node, fmt::format("tables such as [{}.NAME]", kind->kind), std::string(key.str()));
        continue;
      }
      for (auto&& [name, body] : *names) {
        const auto* table = body.as_table();
        if (!table) {
          not_a_table(name, body, fmt::format("a table such as [{}.NAME]", kind->kind),
                      fmt::format("{}.{}", kind->kind, name.str()));
          continue;
        }
        add_resource(*kind, std::string(name.str()), name, *table);
      }
    }
  }

 private:
  SourceRange range_of(const toml::source_region& region) const {
    SourceRange range{file_, source_.position(region.begin.line, region.begin.column),
                      source_.position(region.end.line, region.end.column)};
    if (range.end.line == 0 || range.end.byte < range.begin.byte) range.end = range.begin;
    return range;
  }

  SourceRange key_range(const toml::key& key) const {
    SourceRange range = range_of(key.source());
    if (range.end.byte <= range.begin.byte) {
      // toml++ gives a key's start only; its end is the start plus its text (and quotes).
      std::string_view rest = std::string_view(source_.text()).substr(range.begin.byte);
      std::size_t length = key.str().size();
      if (!rest.empty() && (rest[0] == '"' || rest[0] == '\'')) {
        std::size_t close = rest.find(rest[0], 1);
        length = close == std::string_view::npos ? rest.size() : close + 1;
      }
      range.end = source_.position_of_byte(range.begin.byte + length);
    }
    return range;
  }

  void not_a_table(const toml::key& key, const toml::node& node, std::string expected, std::string path) {
    auto& d = out_.error("wrong-type", fmt::format("'{}' is not a resource table", path));
    d.range = key_range(key);
    d.key_path = std::move(path);
    Value value = convert(node, 0);
    d.detail = diag::looks_sensitive(key.str())
                   ? fmt::format("expected: {}\nfound: a {} (not shown)", expected, model::type_name(value.type()))
                   : fmt::format("expected: {}\nfound: {} {}", expected, model::type_name(value.type()), model::display(value));
    d.help = "declare each resource as a table of its own, e.g. [software_update_point.\"pr1wsus.contoso.com\"]";
  }

  void add_resource(const model::KindSchema& kind, std::string name, const toml::key& key, const toml::table& table) {
    model::Resource resource;
    resource.address = model::Address{std::string(kind.kind), std::move(name)};
    resource.range = key_range(key);
    if (!kind.singleton && kind.name_format) check_name(kind, key, resource.address);

    const std::string address = resource.address.str();
    resource.attributes.reserve(table.size());
    for (auto&& [attr_key, attr_node] : table) {
      resource.attributes.push_back(model::Attribute{std::string(attr_key.str()), key_range(attr_key),
                                                     convert(attr_node, 1, address + "." + std::string(attr_key.str()))});
    }
    std::sort(resource.attributes.begin(), resource.attributes.end(),
              [](const model::Attribute& a, const model::Attribute& b) { return a.name < b.name; });

    auto [it, inserted] = seen_.emplace(resource.address, resource.range);
    if (!inserted) {
      auto& d = out_.error("duplicate-resource", fmt::format("{} is defined twice", resource.address.str()));
      d.range = resource.range;
      d.address = resource.address.str();
      d.key_path = d.address;
      d.detail = "a resource is declared once, in one file";
      d.help = "remove one of the two definitions, or give one of them another name";
      d.notes.push_back(diag::Note{"first defined here", it->second});
      return;
    }
    resources_.push_back(std::move(resource));
  }

  void check_name(const model::KindSchema& kind, const toml::key& key, const model::Address& address) {
    auto error = kind.name_format->check(key.str(), nullptr);
    if (!error) return;
    SourceRange range = key_range(key);
    std::string_view text(source_.text());
    std::size_t quote = range.begin.byte < text.size() && (text[range.begin.byte] == '"' || text[range.begin.byte] == '\'') ? 1 : 0;
    if (error->offset < key.str().size()) {
      range.begin = source_.position_of_byte(range.begin.byte + quote + error->offset);
    }
    auto& d = out_.error("invalid-name", fmt::format("invalid name '{}' for a {}", key.str(), kind.kind));
    d.range = range;
    d.address = address.str();
    d.key_path = address.str();
    d.detail = fmt::format("expected: {}\nfound: '{}': {}", kind.name_format->description, key.str(), error->message);
    d.help = error->help;
  }

  // `path` is the key path of `node`, for the one diagnostic that needs it.
  Value convert(const toml::node& node, int depth, const std::string& path = {}) {
    SourceRange range = range_of(node.source());
    if (depth > kMaxDepth) {
      if (!deep_reported_) {
        auto& d = out_.error("too-deep", fmt::format("values are nested more than {} levels deep", kMaxDepth));
        d.range = range;
        d.key_path = path;
        d.detail = "no attribute takes values nested this deep";
        deep_reported_ = true;
      }
      return Value(model::Table{}, range);
    }
    if (const auto* s = node.as_string()) return Value(s->get(), range);
    if (const auto* i = node.as_integer()) return Value(i->get(), range);
    if (const auto* f = node.as_floating_point()) return Value(f->get(), range);
    if (const auto* b = node.as_boolean()) return Value(b->get(), range);
    if (const auto* a = node.as_array()) {
      model::Array items;
      items.reserve(a->size());
      for (std::size_t i = 0; i < a->size(); ++i) items.push_back(convert((*a)[i], depth + 1, fmt::format("{}[{}]", path, i)));
      return Value(std::move(items), range);
    }
    if (const auto* t = node.as_table()) {
      model::Table fields;
      for (auto&& [k, v] : *t) {
        fields.push_back(model::Field{std::string(k.str()), key_range(k), convert(v, depth + 1, path + "." + std::string(k.str()))});
      }
      return Value(std::move(fields), range);
    }
    std::string text;
    if (const auto* d = node.as_date()) text = fmt::format("{:04}-{:02}-{:02}", d->get().year, d->get().month, d->get().day);
    else if (const auto* t = node.as_time()) text = fmt::format("{:02}:{:02}:{:02}", t->get().hour, t->get().minute, t->get().second);
    else text = "date-time";
    return Value(model::DateTimeText{text}, range);
  }

  FileId file_;
  const SourceFile& source_;
  const KindTable& kinds_;
  Diagnostics& out_;
  std::map<model::Address, SourceRange>& seen_;
  std::vector<model::Resource>& resources_;
  bool deep_reported_ = false;
};

}  // namespace

KindTable::KindTable(std::vector<const model::KindSchema*> kinds) : kinds_(std::move(kinds)) {
  std::sort(kinds_.begin(), kinds_.end(), [](auto* a, auto* b) { return a->kind < b->kind; });
}

const model::KindSchema* KindTable::find(std::string_view kind) const {
  auto it = std::lower_bound(kinds_.begin(), kinds_.end(), kind, [](auto* k, std::string_view n) { return k->kind < n; });
  return it != kinds_.end() && (*it)->kind == kind ? *it : nullptr;
}

std::vector<ManifestFile> read_directory(const fs::path& dir, Diagnostics& out) {
  std::vector<ManifestFile> files;
  std::error_code ec;
  auto status = fs::status(dir, ec);
  if (ec || !fs::exists(status)) {
    auto& d = out.error("no-directory", fmt::format("directory '{}' does not exist", dir.generic_string()));
    d.help = "pass the directory that holds your *.toml manifests";
    return files;
  }
  if (!fs::is_directory(status)) {
    auto& d = out.error("no-directory", fmt::format("'{}' is not a directory", dir.generic_string()));
    d.help = "pass the directory that holds the file, not the file itself";
    return files;
  }
  std::vector<fs::path> paths;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".toml" && it->is_regular_file(ec)) paths.push_back(it->path());
  }
  if (ec) {
    auto& d = out.error("unreadable-file", fmt::format("cannot list directory '{}': {}", dir.generic_string(), ec.message()));
    d.help = "check that the directory exists and that you may read it";
    return files;
  }
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) {
    auto& d = out.error("no-manifests", fmt::format("no manifests in '{}'", dir.generic_string()));
    d.detail = "supctl reads every *.toml file directly in the directory (not in its sub-directories)";
    d.help = "pass the directory that holds your manifests, or create one such as 'hierarchy.toml'";
    return files;
  }
  for (const fs::path& path : paths) {
    std::string name = display_name(dir, path);
    auto size = fs::file_size(path, ec);
    if (!ec && size > kMaxManifestBytes) {
      auto& d = out.error("file-too-large", fmt::format("'{}' is {:.1f} MiB; a manifest may be at most {} MiB", name,
                                                        static_cast<double>(size) / (1 << 20), kMaxManifestBytes >> 20));
      d.help = "split the resources over several *.toml files in the same directory";
      continue;
    }
    std::ifstream stream(path, std::ios::binary);
    std::string text;
    if (stream) text.assign(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
    if (!stream && !stream.eof()) {
      auto& d = out.error("unreadable-file", fmt::format("cannot read '{}'", name));
      d.help = "check that the file exists and that you may read it";
      continue;
    }
    files.push_back(ManifestFile{std::move(name), std::move(text)});
  }
  return files;
}

std::vector<model::Resource> load(std::vector<ManifestFile> files, const KindTable& kinds, diag::SourceSet& sources,
                                  Diagnostics& out) {
  // Files parse on every core at once; what they declare is then taken in file order, so that
  // duplicates and diagnostics come out as they would one file at a time.
  struct Parsed {
    FileId id = diag::kNoFile;
    bool utf16 = false;
    std::size_t bad_byte = std::string_view::npos;  ///< the first byte that is not UTF-8
    std::optional<toml::table> root;
    std::optional<toml::parse_error> error;
  };
  std::vector<Parsed> parsed(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) parsed[i].id = sources.add(std::move(files[i].name), std::move(files[i].text));
  model::parallel_for(parsed.size(), model::cores(), [&](std::size_t i) {
    Parsed& file = parsed[i];
    const SourceFile& source = *sources.file(file.id);
    std::string_view text(source.text());
    file.utf16 = text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF");
    if (!file.utf16) file.bad_byte = invalid_utf8_offset(text);
    if (file.utf16 || file.bad_byte != std::string_view::npos) return;
    try {
      file.root = toml::parse(text, std::string_view(source.name()));
    } catch (const toml::parse_error& e) {
      file.error = e;
    }
  });

  std::vector<model::Resource> resources;
  std::map<model::Address, SourceRange> seen;
  for (Parsed& file : parsed) {
    FileId id = file.id;
    const SourceFile& source = *sources.file(id);
    if (file.utf16) {
      auto& d = out.error("invalid-utf8", fmt::format("'{}' is UTF-16; manifests are UTF-8", source.name()));
      d.range = SourceRange{id, {}, {}};
      d.help = "save the file as UTF-8";
      continue;
    }
    if (std::size_t bad = file.bad_byte; bad != std::string_view::npos) {
      auto& d = out.error("invalid-utf8", fmt::format("invalid UTF-8 byte 0x{:02X}", static_cast<unsigned char>(source.text()[bad])));
      d.range = SourceRange{id, source.position_of_byte(bad), source.position_of_byte(bad + 1)};
      d.detail = "manifests are UTF-8 text";
      d.help = "save the file as UTF-8";
      continue;
    }
    if (const std::optional<toml::parse_error>& e = file.error) {
      std::string description(e->description());
      std::string detail;
      if (description.starts_with("Error while parsing ")) {
        auto colon = description.find(": ");
        if (colon != std::string::npos) {
          detail = "while parsing " + description.substr(20, colon - 20);
          description = description.substr(colon + 2);
        }
      }
      auto& d = out.error("toml-syntax", "invalid TOML: " + lower_first(description));
      SourceRange range{id, source.position(e->source().begin.line, e->source().begin.column), {}};
      range.end = source.position_of_byte(range.begin.byte + 1);
      d.range = range;
      d.detail = detail;
      continue;
    }
    FileLoader(id, source, kinds, out, seen, resources).run(*file.root);
    file.root.reset();  // done with: its nodes go before the next file's resources are made
  }
  return resources;
}

std::string content_hash(const diag::SourceSet& sources) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  for (diag::FileId id = 0; id < sources.size(); ++id) {
    const diag::SourceFile* file = sources.file(id);
    std::string name = std::filesystem::path(file->name()).filename().string();
    std::string header = fmt::format("{}\n{}\n", name, file->text().size());
    EVP_DigestUpdate(ctx.get(), header.data(), header.size());
    EVP_DigestUpdate(ctx.get(), file->text().data(), file->text().size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}


}  // namespace supctl::manifest
