#include "cli/common.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <cctype>

#include "diag/render.h"
#include "manifest/loader.h"
#include "model/attributes.h"

namespace supctl::cli {

std::optional<Loaded> load_valid(const std::string& dir, const Context& context, Io& io) {
  Loaded loaded;
  loaded.validation = manifest::validate_directory(dir, context.plugins, loaded.sources);
  const diag::Diagnostics& diagnostics = loaded.validation.diagnostics;
  if (!diagnostics.all().empty()) io.err << diag::render_text(diagnostics, loaded.sources, diag::TextStyle{.color = false});
  if (diagnostics.has_errors()) {
    io.err << fmt::format("The manifests in '{}' are not valid: run 'supctl validate {}' for the details.\n", dir, dir);
    return std::nullopt;
  }
  loaded.hash = manifest::content_hash(loaded.sources);
  return loaded;
}

namespace {

/// The secret reference the hierarchy gives `attribute` (state_key, state_password), or null.
model::Json hierarchy_reference(const model::Manifest& manifest, std::string_view attribute) {
  const model::Resource* hierarchy = manifest.find("hierarchy", "");
  if (!hierarchy) return nullptr;
  model::AttributeMap attributes = model::desired_attributes(*hierarchy);
  auto reference = attributes.find(std::string(attribute));
  return reference == attributes.end() ? model::Json(nullptr) : reference->second;
}

}  // namespace

model::Json state_key_reference(const model::Manifest& manifest) { return hierarchy_reference(manifest, "state_key"); }

model::Json state_password_reference(const model::Manifest& manifest) { return hierarchy_reference(manifest, "state_password"); }

bool use_state_key(state::StateStore& store, const model::Json& reference, const plan::Secrets& secrets, Io& io) {
  std::optional<std::string> key = io.getenv ? io.getenv("SUPCTL_STATE_KEY") : std::nullopt;
  if ((!key || key->empty()) && !reference.is_null()) {
    std::string error;
    key = secrets.resolve(reference, &error);
    if (!key) {
      io.err << fmt::format("error: hierarchy.state_key: {}\n  = set it, or SUPCTL_STATE_KEY; nothing was compared or changed\n", error);
      return false;
    }
  }
  const bool made = store.set_state_key(key ? std::optional<std::string_view>(*key) : std::nullopt);
  if (key) OPENSSL_cleanse(key->data(), key->size());
  if (!made) {
    io.err << "error: cannot make the state key's check value: OpenSSL's scrypt failed; nothing was compared or changed\n";
    return false;
  }
  if (auto problem = store.state_key_problem()) {
    io.err << fmt::format("error: {}\n  = nothing was compared or changed\n", *problem);
    return false;
  }
  return true;
}

std::optional<state::Location> state_location(const std::string& dir, const std::string& option, Io& io) {
  std::string text = option;
  if (text.empty()) {
    if (auto env = io.getenv ? io.getenv("SUPCTL_STATE") : std::nullopt; env) text = *env;
  }
  if (text.empty()) return state::Location{.path = std::filesystem::path(dir) / ".supctl" / "state.db"};
  std::string error;
  auto location = state::Location::parse(text, &error);
  if (!location) {
    io.err << fmt::format("error: {}\n  = name the state with state=NAME in the URL (--state or SUPCTL_STATE); nothing was read or changed\n",
                          error);
  }
  return location;
}

bool use_state_password(state::Location& location, const model::Json& reference, const plan::Secrets& secrets, Io& io) {
  if (!location.is_postgres() || reference.is_null()) return true;
  std::string error;
  auto password = secrets.resolve(reference, &error);
  if (!password) {
    io.err << fmt::format("error: hierarchy.state_password: {}\n  = set it, or give the password as libpq reads it (PGPASSWORD, "
                          "PGPASSFILE); nothing was read or changed\n",
                          error);
    return false;
  }
  location.password = std::move(*password);  // kept for the connection; the store never keeps it
  return true;
}

std::unique_ptr<state::StateStore> open_state(const state::Location& location, bool create, Io& io, bool* failed) {
  *failed = false;
  std::error_code ec;
  if (!create && !location.is_postgres() && !std::filesystem::exists(location.path, ec)) return nullptr;
  std::string error;
  bool missing = false;
  auto store = state::StateStore::open(location, &error, create, &missing);
  if (missing) return nullptr;  // a PostgreSQL state not made yet: as a file not there
  if (!store) {
    io.err << fmt::format("error: {}\n", error);
    if (location.is_postgres()) {
      io.err << "  = check the URL (--state or SUPCTL_STATE), that the server is up, and the password: in the URL, "
                "PGPASSWORD, PGPASSFILE or the hierarchy's state_password; nothing was read or changed\n";
    }
    *failed = true;
  }
  return store;
}

std::unique_ptr<state::StateStore> open_existing_state(state::Location location, const std::string& dir, const Context& context,
                                                       Io& io) {
  if (location.is_postgres()) {
    // The password the manifests of DIR name, when they are there and valid; else libpq's own.
    diag::SourceSet sources;
    manifest::Validation validation = manifest::validate_directory(dir, context.plugins, sources);
    plan::EnvFileSecrets secrets(io.getenv);
    if (!validation.diagnostics.has_errors() &&
        !use_state_password(location, state_password_reference(validation.manifest), secrets, io)) {
      return nullptr;
    }
  }
  bool failed = false;
  auto store = open_state(location, false, io, &failed);  // nullptr without failing: not there
  if (!store && !failed) {
    io.err << fmt::format("error: there is no state at {}\n  = supctl apply creates it; --state or SUPCTL_STATE point elsewhere\n",
                          location.display());
  }
  return store;
}

std::unique_ptr<ops::Backend> backend_for(const std::string& dir, bool lab, const Context& context, Io& io) {
  std::string error;
  auto backend = context.make_backend(dir, lab, &error);
  if (!backend) io.err << "error: " << error << "\n";
  return backend;
}

void print_plan_problems(const diag::Diagnostics& diagnostics, const diag::SourceSet& sources, Io& io) {
  io.err << diag::render_text(diagnostics, sources, diag::TextStyle{.color = false});
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  long long value = std::stoll(std::string(text.substr(0, digits)));
  std::string_view unit = text.substr(digits);
  if (unit == "ms") return std::chrono::milliseconds(value);
  if (unit == "s") return std::chrono::milliseconds(value * 1000);
  if (unit == "m") return std::chrono::milliseconds(value * 60'000);
  if (unit == "h") return std::chrono::milliseconds(value * 3'600'000);
  return std::nullopt;
}

}  // namespace supctl::cli
