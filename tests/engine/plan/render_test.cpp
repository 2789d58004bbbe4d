#include "plan/render.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace supctl::plan {

namespace testing {
Change change(std::string kind, std::string name, std::string host, Action action, Reason reason);
Plan sample_plan();  // defined in plan_test.cpp
}  // namespace testing

namespace {

using testing::change;
using testing::sample_plan;

constexpr std::string_view kSecret = "hunter2-fake-secret";

std::filesystem::path fixture_path() {
  return std::filesystem::path(SUPCTL_SOURCE_DIR) / "tests/fixtures/plans/sample.json";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Plan creates(int n) {
  Plan plan;
  for (int i = 0; i < n; ++i) {
    Change c =
        change("registry_value", "value" + std::to_string(i), "pr1wsus.contoso.com", Action::kCreate, Reason::kNew);
    c.attributes = {{"path", nullptr, "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate", false},
                    {"value", nullptr, i, false}};
    plan.changes.push_back(c);
  }
  return plan;
}

std::string last_line(const std::string& text) {
  std::string trimmed = text.substr(0, text.size() - 1);
  return trimmed.substr(trimmed.rfind('\n') + 1);
}

TEST_CASE("the text plan reads like terraform's") {
  CHECK(render_text(sample_plan(), {}) == R"t(Drift: objects changed outside supctl

  ~ approval_rule.monthly on pr1wsus.contoso.com
    ~ title_filter = "KB|2025" -> "KB|2024"
  ~ software_update_point.pr1 on pr1sms.contoso.com
    ~ client_connection_type = "InternetAndIntranet" -> "Intranet"
    ~ proxy_password = (sensitive) -> (sensitive)

supctl will perform the following actions:

  # wsus_server.pr1wsus will be created (new) on pr1wsus.contoso.com
  + wsus_server.pr1wsus {
      + content_dir = "D:\\WSUS"
      + languages = ["en","de"]
      + port = 8530
      + use_ssl = false
    }

  # software_update_point.pr1 will be updated in place (drift) on pr1sms.contoso.com
  ~ software_update_point.pr1 {
      ~ client_connection_type = "Intranet" -> "InternetAndIntranet"
      ~ sync_schedule = {"days":7} -> {"days":1}
    }

  # site_system["pr1sup.contoso.com"] will be replaced (changed in manifest) on pr1sms.contoso.com
  # ! needs --allow-destroy or allow_destroy = true
  -/+ site_system["pr1sup.contoso.com"] {
      ~ site_code = "PR1" -> "PR2"
    }

  # approval_rule.legacy will be destroyed (removed from manifest) on pr1wsus.contoso.com
  - approval_rule.legacy {
      - classifications = ["Critical Updates"]
      - enabled = true
    }

  # registry_value.proxy will be forgotten (the host keeps it) (removed from manifest) on pr1wsus.contoso.com
  # adopted: supctl forgets it, the host keeps it
  . registry_value.proxy {
    }

  # site_info.PR1 will be read on pr1sms.contoso.com
  <= site_info.PR1 {
      <= version = "5.00.9128.1000"
    }

  # sup_account.sync will be updated in place (changed in manifest) on pr1sms.contoso.com
  ~ sup_account.sync {
      ~ password = (sensitive) -> (sensitive)
    }

Plan: 2 to add, 2 to change, 2 to destroy.
1 to forget (removed from state; the hosts keep them).
)t");
}

TEST_CASE("the summary line is stable for every kind of plan") {
  CHECK(render_text(Plan{}, {}) == "No changes. The hosts match the manifests.\n");

  Plan replace;
  replace.changes.push_back(change("site_system", "a", "h", Action::kReplace, Reason::kChangedInManifest));
  CHECK(last_line(render_text(replace, {})) == "Plan: 1 to add, 0 to change, 1 to destroy.");

  Plan forget;
  forget.changes.push_back(change("registry_value", "x", "h", Action::kForget, Reason::kRemovedFromManifest));
  std::string text = render_text(forget, {});
  CHECK(text.find("\nPlan: 0 to add, 0 to change, 0 to destroy.\n1 to forget (removed from state; the hosts keep "
                  "them).\n") != std::string::npos);

  Plan update = creates(3);
  update.changes.push_back(change("site", "PR1", "h", Action::kUpdate, Reason::kDrift));
  CHECK(last_line(render_text(update, {})) == "Plan: 3 to add, 1 to change, 0 to destroy.");
  CHECK(render_text(update, {}).find("to forget") == std::string::npos);

  Plan reads;
  reads.changes.push_back(change("site_info", "PR1", "", Action::kRead, Reason::kNone));
  CHECK(render_text(reads, {}) == R"t(supctl will perform the following actions:

  # site_info.PR1 will be read
  <= site_info.PR1 {
    }

No changes. The hosts match the manifests.
)t");
}

TEST_CASE("a refresh-only plan reports drift and proposes nothing") {
  Plan plan = sample_plan();
  plan.refresh_only = true;
  std::string text = render_text(plan, {});
  CHECK(text.find("will perform") == std::string::npos);
  CHECK(last_line(text) == "Drift: 2 resources changed outside supctl.");
  Plan quiet;
  quiet.refresh_only = true;
  CHECK(render_text(quiet, {}) == "No drift. The hosts match what supctl last applied.\n");
  CHECK(render_markdown(quiet, {}) == "### supctl plan\n\n**No drift. The hosts match what supctl last applied.**\n\n");
}

TEST_CASE("a partial plan says so first") {
  Plan plan = creates(1);
  plan.targets = {"registry_value.value0", "site.PR1"};
  std::string text = render_text(plan, {});
  CHECK(text.rfind("Warning: this plan is partial (--target): only registry_value.value0, site.PR1 and what they "
                   "depend on.\n\n",
                   0) == 0);
  CHECK(render_markdown(plan, {}).find("> **Partial plan** (--target): only `registry_value.value0`, `site.PR1` and "
                                       "what they depend on.\n") != std::string::npos);
}

TEST_CASE("colour codes appear only when asked for") {
  Plan plan = sample_plan();
  std::string plain = render_text(plan, {});
  std::string color = render_text(plan, {true});
  CHECK(plain.find('\x1b') == std::string::npos);
  CHECK(color.find("\x1b[32m+\x1b[0m wsus_server.pr1wsus {") != std::string::npos);
  CHECK(color.find("\x1b[33m~\x1b[0m software_update_point.pr1 {") != std::string::npos);
  CHECK(color.find("\x1b[31m-/+\x1b[0m site_system") != std::string::npos);
  CHECK(color.find("\x1b[31m-\x1b[0m approval_rule.legacy {") != std::string::npos);
  CHECK(color.find("\x1b[36m<=\x1b[0m site_info.PR1 {") != std::string::npos);
  CHECK(color.find("\x1b[1mPlan: 2 to add, 2 to change, 2 to destroy.\x1b[0m\n") != std::string::npos);
  CHECK(render_markdown(plan, {}).find('\x1b') == std::string::npos);
  CHECK(render_json(plan).find('\x1b') == std::string::npos);
}

TEST_CASE("the markdown comment keeps the summary banner and drift outside the fold") {
  CHECK(render_markdown(sample_plan(), {}) == R"t(### supctl plan

> [!WARNING]
> **This plan destroys or replaces 2 resources:**
> - `site_system["pr1sup.contoso.com"]` (replace) — needs `--allow-destroy` or `allow_destroy = true`
> - `approval_rule.legacy` (delete)

**Plan: 2 to add, 2 to change, 2 to destroy.**
1 to forget (removed from state; the hosts keep them).

#### Drift

| resource | attribute | last applied | now |
|---|---|---|---|
| `approval_rule.monthly` | `title_filter` | `"KB\|2025"` | `"KB\|2024"` |
| `software_update_point.pr1` | `client_connection_type` | `"InternetAndIntranet"` | `"Intranet"` |
| `software_update_point.pr1` | `proxy_password` | *(sensitive)* | *(sensitive)* |

<details><summary>Show 7 changes</summary>

#### + `wsus_server.pr1wsus` — create (new) on `pr1wsus.contoso.com`

| attribute | before | after |
|---|---|---|
| `content_dir` |  | `"D:\\WSUS"` |
| `languages` |  | `["en","de"]` |
| `port` |  | `8530` |
| `use_ssl` |  | `false` |

#### ~ `software_update_point.pr1` — update (drift) on `pr1sms.contoso.com`

| attribute | before | after |
|---|---|---|
| `client_connection_type` | `"Intranet"` | `"InternetAndIntranet"` |
| `sync_schedule` | `{"days":7}` | `{"days":1}` |

#### -/+ `site_system["pr1sup.contoso.com"]` — replace (changed in manifest) on `pr1sms.contoso.com`

**Needs `--allow-destroy` or `allow_destroy = true`.**

| attribute | before | after |
|---|---|---|
| `site_code` | `"PR1"` | `"PR2"` |

#### - `approval_rule.legacy` — delete (removed from manifest) on `pr1wsus.contoso.com`

| attribute | before | after |
|---|---|---|
| `classifications` | `["Critical Updates"]` |  |
| `enabled` | `true` |  |

#### . `registry_value.proxy` — forget (removed from manifest) on `pr1wsus.contoso.com`

adopted: supctl forgets it, the host keeps it

#### <= `site_info.PR1` — read on `pr1sms.contoso.com`

| attribute | before | after |
|---|---|---|
| `version` |  | `"5.00.9128.1000"` |

#### ~ `sup_account.sync` — update (changed in manifest) on `pr1sms.contoso.com`

| attribute | before | after |
|---|---|---|
| `password` | *(sensitive)* | *(sensitive)* |

</details>
)t");
}

TEST_CASE("a plan with no changes is one sentence in markdown") {
  CHECK(render_markdown(Plan{}, {}) == "### supctl plan\n\n**No changes. The hosts match the manifests.**\n\n");
}

TEST_CASE("a huge plan fits in one comment and says what it left out") {
  Plan plan = creates(5000);
  plan.changes[10].action = Action::kDelete;
  plan.changes[10].destroy_needs_consent = true;
  std::string md = render_markdown(plan, {});
  CHECK(md.size() <= 65000);
  CHECK(md.size() > 60000);
  CHECK(md.find("**Plan: 4999 to add, 0 to change, 1 to destroy.**\n") != std::string::npos);
  CHECK(md.find("> **This plan destroys or replaces 1 resource:**\n> - `registry_value.value10` (delete)") !=
        std::string::npos);
  CHECK(md.find("more changes not shown (the comment limit is 65,000 characters); run `supctl plan` for the whole "
                "plan._\n\n</details>\n") != std::string::npos);
  CHECK(md.find("<details><summary>Show ") != std::string::npos);
  CHECK(md.substr(md.size() - 11) == "</details>\n");
}

TEST_CASE("the comment never exceeds its limit and drops details first") {
  Plan plan = sample_plan();
  std::string full = render_markdown(plan, {});
  for (std::size_t max : {std::size_t{0}, std::size_t{10}, std::size_t{200}, std::size_t{700}, std::size_t{1500},
                          full.size() - 1, full.size()}) {
    std::string md = render_markdown(plan, {max});
    INFO(max);
    CHECK(md.size() <= max);
  }
  CHECK(render_markdown(plan, {full.size()}) == full);

  std::string shorter = render_markdown(plan, {full.size() - 1});
  CHECK(shorter.find("<details><summary>Show 6 of 7 changes</summary>") != std::string::npos);
  CHECK(shorter.find("_1 more change not shown (the comment limit is ") != std::string::npos);
  CHECK(shorter.find("`sup_account.sync` — update") == std::string::npos);
  CHECK(shorter.find("| `software_update_point.pr1` | `proxy_password` |") != std::string::npos);

  std::string tight = render_markdown(plan, {1000});
  CHECK(tight.find("**Plan: 2 to add, 2 to change, 2 to destroy.**") != std::string::npos);
  CHECK(tight.find("> **This plan destroys or replaces 2 resources:**") != std::string::npos);
  CHECK(tight.find("_7 more changes not shown (the comment limit is 1,000 characters)") != std::string::npos);
}

TEST_CASE("secrets never reach any rendering") {
  Plan plan = sample_plan();
  CHECK(render_text(plan, {}).find(kSecret) == std::string::npos);
  CHECK(render_text(plan, {true}).find(kSecret) == std::string::npos);
  CHECK(render_json(plan).find(kSecret) == std::string::npos);
  CHECK(render_markdown(plan, {}).find(kSecret) == std::string::npos);

  // Not flagged sensitive, but under a secret-like name: masked all the same, references kept.
  Plan unflagged;
  Change c = change("sup_account", "x", "h", Action::kUpdate, Reason::kChangedInManifest);
  c.attributes = {{"password", std::string(kSecret), Json{{"env", "X"}}, false}};
  unflagged.changes.push_back(c);
  std::string text = render_text(unflagged, {});
  CHECK(text.find("~ password = (sensitive) -> {\"env\":\"X\"}\n") != std::string::npos);
  CHECK(text.find(kSecret) == std::string::npos);
  CHECK(render_markdown(unflagged, {}).find(kSecret) == std::string::npos);
  CHECK(render_json(unflagged).find(kSecret) == std::string::npos);
}

TEST_CASE("the JSON rendering matches the sample fixture") {
  std::string json = render_json(sample_plan());
  if (const char* update = std::getenv("SUPCTL_UPDATE_FIXTURES"); update && std::string(update) == "1") {
    std::filesystem::create_directories(fixture_path().parent_path());
    std::ofstream(fixture_path(), std::ios::binary) << json;
  }
  CHECK(json == read_file(fixture_path()));
  CHECK(json.back() == '\n');
  CHECK(json.rfind("{\n  \"format_version\": 3,\n  \"plugin_api_version\": 1,\n", 0) == 0);
}

}  // namespace
}  // namespace supctl::plan
