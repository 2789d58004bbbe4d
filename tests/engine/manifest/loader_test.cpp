#include "manifest/loader.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "support.h"

namespace supctl::manifest {
namespace {

using test::validate;

TEST_CASE("invalid UTF-8 is located to the byte") {
  auto v = validate(std::string("[hierarchy]\nname = \"ab\xff\"\n"));
  CHECK(v->text() ==
        "error[invalid-utf8]: invalid UTF-8 byte 0xFF\n"
        "  --> main.toml:2:11\n"
        "   |\n"
        " 2 | name = \"ab\xff\"\n"
        "   |           ^\n"
        "   = manifests are UTF-8 text\n"
        "   = help: save the file as UTF-8\n\n");
}

TEST_CASE("overlong and surrogate encodings are not UTF-8") {
  CHECK(validate(std::string("a = \"\xC0\xAF\"\n"))->codes() == std::vector<std::string>{"invalid-utf8"});
  CHECK(validate(std::string("a = \"\xED\xA0\x80\"\n"))->codes() == std::vector<std::string>{"invalid-utf8"});
  CHECK(validate(std::string("a = \"\xF4\x90\x80\x80\"\n"))->codes() == std::vector<std::string>{"invalid-utf8"});
}

TEST_CASE("a UTF-16 file is named as such") {
  auto v = validate(std::string("\xFF\xFE[\0h\0", 6));
  CHECK(v->codes() == std::vector<std::string>{"invalid-utf8"});
  CHECK(v->result.diagnostics.all()[0].summary == "'main.toml' is UTF-16; manifests are UTF-8");
}

TEST_CASE("a UTF-8 byte order mark and CRLF line endings are accepted") {
  std::string text = "\xEF\xBB\xBF" + test::kPrimary;
  std::string crlf;
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto v = validate(crlf);
  CHECK(v->text() == "");
  CHECK(v->result.manifest.resources().size() == 3);
}

TEST_CASE("TOML syntax errors are located and later rules wait") {
  auto v = validate({{"a.toml", "[site.PR1]\ntype = \n"}, {"b.toml", test::kPrimary}});
  REQUIRE(v->result.diagnostics.all().size() == 1);
  const auto& d = v->result.diagnostics.all()[0];
  CHECK(d.code == "toml-syntax");
  CHECK(d.range->begin.line == 2);
  CHECK(d.summary.starts_with("invalid TOML: "));
}

TEST_CASE("a resource defined in two files names both places") {
  auto v = validate({{"a.toml", test::kPrimary}, {"b.toml", "\n[site.PR1]\ntype = \"primary\"\nserver = \"x.contoso.com\"\n"}});
  CHECK(v->text() ==
        "error[duplicate-resource]: site.PR1 is defined twice\n"
        "  --> b.toml:2:7\n"
        "   |\n"
        " 2 | [site.PR1]\n"
        "   |       ^^^\n"
        "   = at: site.PR1\n"
        "   = a resource is declared once, in one file\n"
        "   = help: remove one of the two definitions, or give one of them another name\n"
        "note: first defined here\n"
        "  --> a.toml:6:7\n"
        "   |\n"
        " 6 | [site.PR1]\n"
        "   |       ^^^\n\n");
}

TEST_CASE("files parsed at once report in file order, and a duplicate names the first file") {
  // More files than cores: each one's errors in its own place, the duplicate's first definition
  // in the file that comes first, whichever thread parsed it.
  std::vector<ManifestFile> files;
  for (int i = 0; i < 12; ++i) {
    std::string text = i % 4 == 1 ? "[site.PR1]\ntype = \n" : fmt::format("[registry_key.k{}]\nhost = \"h.lab\"\nkey = 'HKLM\\S\\K{}'\n", i, i);
    files.push_back({fmt::format("f{:02}.toml", i), text});
  }
  files.push_back({"f12.toml", "[registry_key.k0]\nhost = \"h.lab\"\nkey = 'HKLM\\S\\K0'\n"});
  files.push_back({"f13.toml", "[hierarchy]\nname = \"lab\"\nconfigmgr = \"current-branch\"\n[host.\"h.lab\"]\ntransport = \"lab\"\n"});
  auto v = validate(files);
  std::vector<std::string> places;
  for (const auto& d : v->result.diagnostics.all()) places.push_back(fmt::format("{} {}", d.code, v->sources.file(d.range->file)->name()));
  CHECK(places == std::vector<std::string>{"toml-syntax f01.toml", "toml-syntax f05.toml", "toml-syntax f09.toml",
                                            "duplicate-resource f12.toml"});
  files.erase(std::remove_if(files.begin(), files.end(), [](const auto& f) { return f.text.starts_with("[site"); }), files.end());
  v = validate(files);
  INFO(v->text());
  REQUIRE(v->result.diagnostics.all().size() == 1);
  CHECK(v->text().find("--> f12.toml:1:15") != std::string::npos);
  CHECK(v->text().find("first defined here\n  --> f00.toml:1:15") != std::string::npos);
}

TEST_CASE("ten thousand nested tables are refused without a crash") {
  std::string header = "[site.PR1";
  for (int i = 0; i < 10000; ++i) header += ".x";
  header += "]\nz = 1\n";
  auto v = validate(test::kPrimary + header);
  auto codes = v->codes();
  CHECK(std::count(codes.begin(), codes.end(), "too-deep") == 1);
  CHECK(std::count(codes.begin(), codes.end(), "unknown-attribute") == 1);

  std::string kinds = "[a";
  for (int i = 0; i < 10000; ++i) kinds += ".a";
  kinds += "]\n";
  CHECK(validate(kinds)->codes() == std::vector<std::string>{"unknown-kind"});

  std::string inline_tables;
  for (int i = 0; i < 10000; ++i) inline_tables += "a = {";
  CHECK(validate(inline_tables)->codes() == std::vector<std::string>{"toml-syntax"});
}

TEST_CASE("ten thousand resources load and validate") {
  std::string text = test::kPrimary;
  for (int i = 0; i < 10000; ++i) {
    text += fmt::format("[registry_value.v{}]\nhost = \"pr1site.contoso.com\"\nkey = 'HKLM\\SOFTWARE\\Contoso'\nname = \"n{}\"\n"
                        "type = \"dword\"\ndata = {}\n",
                        i, i, i);
  }
  auto v = validate(text);
  CHECK(v->result.diagnostics.all().empty());
  CHECK(v->result.manifest.resources().size() == 10003);
}

TEST_CASE("output does not depend on the order of files or resources") {
  std::vector<std::string> blocks{
      "[site.PR1]\ntype = \"primary\"\nserver = \"pr1site.contoso.com\"\n",
      "[site.SE1]\ntype = \"secondary\"\nparent = \"PR1\"\nserver = \"se1.contoso.com\"\nmode = \"native\"\n",
      "[software_update_point.\"a.contoso.com\"]\nsite = \"PR1\"\nuse_proxy = true\nwsus_iis_port = 80\n",
      "[software_update_point.\"b.contoso.com\"]\nsite = \"SE1\"\nwsus_iis_ssl_port = 80\nwsus_iis_port = 80\n",
      "[software_update_point.\"c.contoso.com\"]\nsite = \"SE1\"\nconnection_account = \"nobody\"\n",
      "[service.s]\nhost = \"nowhere.contoso.com\"\nname = \"W3SVC\"\nstartup = \"disabled\"\nstate = \"running\"\n",
  };
  auto render = [&](const std::vector<std::string>& order) {
    std::vector<ManifestFile> files{{"0.toml", "[hierarchy]\nname = \"t\"\nconfigmgr = \"current-branch\"\n"}};
    for (std::size_t i = 0; i < order.size(); ++i) files.push_back({fmt::format("{}.toml", i + 1), order[i]});
    auto v = validate(files);
    // File names differ with the order; the findings must not.
    std::vector<std::string> lines;
    for (const auto& d : v->result.diagnostics.all()) lines.push_back(d.code + " " + d.summary + " " + d.key_path);
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  auto expected = render(blocks);
  CHECK(expected.size() >= 6);
  std::mt19937 rng(42);
  for (int i = 0; i < 5; ++i) {
    std::shuffle(blocks.begin(), blocks.end(), rng);
    CHECK(render(blocks) == expected);
  }
  // One file, resources in another order: byte-identical rendering.
  std::string forward, backward;
  for (const auto& b : blocks) forward += b + "\n";
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) backward += *it + "\n";
  auto header = std::string("[hierarchy]\nname = \"t\"\nconfigmgr = \"current-branch\"\n");
  auto a = validate(header + forward);
  auto b = validate(header + backward);
  std::vector<std::string> sa, sb;
  for (const auto& d : a->result.diagnostics.all()) sa.push_back(d.code + d.summary);
  for (const auto& d : b->result.diagnostics.all()) sb.push_back(d.code + d.summary);
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  CHECK(sa == sb);
}

TEST_CASE("a 50 MB manifest is read - and one over the limit is refused with a clear error") {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("supctl-large-{}", ::getpid());
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "large.toml", std::ios::binary);
    out << test::kPrimary;
    std::string comment = "# " + std::string(1000, 'x') + "\n";
    for (int i = 0; i < 50 * 1024; ++i) out << comment;
  }
  CHECK(std::filesystem::file_size(dir / "large.toml") > 50'000'000);
  auto result = test::run_cli({"validate", dir.string()});
  CHECK(result.code == 0);
  CHECK(result.out.find("are valid: 1 file, 3 resources") != std::string::npos);

  std::filesystem::resize_file(dir / "large.toml", kMaxManifestBytes + 1);
  result = test::run_cli({"validate", dir.string()});
  CHECK(result.code == 1);
  CHECK(result.out.find("error[file-too-large]: '" + (dir / "large.toml").generic_string() + "' is 64.0 MiB; a manifest may be at most 64 MiB") !=
        std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the manifests' content hash covers each file's name and bytes, not its directory") {
  auto hash = [](std::vector<std::pair<std::string, std::string>> files) {
    diag::SourceSet sources;
    for (auto& [name, text] : files) sources.add(std::move(name), std::move(text));
    return content_hash(sources);
  };
  const std::string base = hash({{"/a/main.toml", "x = 1\n"}, {"/a/sites.toml", "y = 2\n"}});
  // SHA-256 of "main.toml\n6\nx = 1\nsites.toml\n6\ny = 2\n", by `printf ... | sha256sum`.
  CHECK(base == "31e1b87d347e7f3efeaa7d1eb665214152f897e7a14173566d94ea384759946d");
  CHECK(hash({{"/elsewhere/main.toml", "x = 1\n"}, {"/elsewhere/sites.toml", "y = 2\n"}}) == base);
  CHECK(hash({{"/a/main.toml", "x = 2\n"}, {"/a/sites.toml", "y = 2\n"}}) != base);
  CHECK(hash({{"/a/other.toml", "x = 1\n"}, {"/a/sites.toml", "y = 2\n"}}) != base);
  // The boundary between files counts: moving a line from one file to the next changes the hash.
  CHECK(hash({{"/a/main.toml", "x = 1\ny = 2\n"}, {"/a/sites.toml", ""}}) != base);
}

}  // namespace
}  // namespace supctl::manifest
