#pragma once
/// What several commands share: loading and validating a manifest directory, finding and opening
/// the state, making the backend, printing plan problems.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cli/app.h"
#include "cli/context.h"
#include "diag/source.h"
#include "manifest/validate.h"
#include "plan/secrets.h"
#include "state/state.h"

namespace supctl::cli {

/// A validated manifest directory and the hash of its files (names and bytes).
struct Loaded {
  diag::SourceSet sources;
  manifest::Validation validation;
  std::string hash;  ///< SHA-256 hex over every file's name and bytes, in name order
};

/// Loads and validates `dir`; prints the diagnostics to stderr. nullopt when it is not valid.
std::optional<Loaded> load_valid(const std::string& dir, const Context& context, Io& io);

/// --state, else SUPCTL_STATE, else DIR/.supctl/state.db: a SQLite file, or a PostgreSQL URL
/// (state/state.h, Location::parse). nullopt after saying why when the URL names no valid state.
std::optional<state::Location> state_location(const std::string& dir, const std::string& option, Io& io);
/// A PostgreSQL state's connection password from the secret `reference` names (hierarchy.
/// state_password: { env } or { file }, as every secret); null: libpq's own (the URL, PGPASSWORD,
/// PGPASSFILE). False after saying why when the secret it names is not there.
bool use_state_password(state::Location& location, const model::Json& reference, const plan::Secrets& secrets, Io& io);
/// The secret reference the manifests name for the PostgreSQL state's password
/// (hierarchy.state_password), or null.
model::Json state_password_reference(const model::Manifest& manifest);

/// The state for a run: opened when it exists (or when `create`, or in PostgreSQL, where a state
/// is made on first use), else nullptr without error; nullptr with `*failed` after saying why it
/// cannot be opened.
std::unique_ptr<state::StateStore> open_state(const state::Location& location, bool create, Io& io, bool* failed);

/// The secret reference the manifests name for the state key (hierarchy.state_key), or null.
model::Json state_key_reference(const model::Manifest& manifest);
/// Gives `store` the run's state key: SUPCTL_STATE_KEY when it is set, else the secret
/// `reference` names (null: none); then checks it against the fingerprints the state holds.
/// False after saying why: the run stops before anything is compared or changed.
bool use_state_key(state::StateStore& store, const model::Json& reference, const plan::Secrets& secrets, Io& io);
/// The state at `location` (state_location) that `state` and `force-unlock` work on, which must
/// exist; nullptr after saying why not.
/// A PostgreSQL state's password is the one DIR's manifests name (hierarchy.state_password) when
/// they are valid, else libpq's own.
std::unique_ptr<state::StateStore> open_existing_state(state::Location location, const std::string& dir, const Context& context,
                                                       Io& io);

/// The backend for a run in `dir`, or nullptr after saying why it cannot be had.
std::unique_ptr<ops::Backend> backend_for(const std::string& dir, bool lab, const Context& context, Io& io);

/// Problems of a plan, pointing into the manifests it was made from, with their source lines.
void print_plan_problems(const diag::Diagnostics& diagnostics, const diag::SourceSet& sources, Io& io);

/// "30s", "5m", "250ms", "1h" or "0"; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace supctl::cli
