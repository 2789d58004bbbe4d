#pragma once
// An in-memory fake plugin and the fake estate it reads and changes, for engine tests and the
// benchmark: `fake_file` (a file-like resource with every attribute type), `fake_role` (a role
// whose deletion needs consent, depending on the fake_file of its host) and `fake_site` (read-only).

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "plugin/plugin.h"
#include "ops/recording_backend.h"

namespace supctl::test {

/// The hosts and what is on them. Thread-safe; also checks one mutation at a time per host.
class FakeEstate {
 public:
  plugin::OperationResult handle(const std::string& host, const plugin::Operation& op);

  void put(const std::string& host, const std::string& address, model::Json attributes);
  std::optional<model::Json> get(const std::string& host, const std::string& address) const;
  void erase(const std::string& host, const std::string& address);
  /// Puts to this address fail (an install failure).
  void fail_puts_to(const std::string& address, bool fail = true);
  /// Every secret value the estate has received, to prove none leaks elsewhere.
  std::set<std::string> secrets_seen() const;
  int max_concurrent_mutations_per_host() const { return max_concurrent_; }
  /// Writes the estate to `path` after every change (so another process can read what a killed one did).
  void persist_to(const std::filesystem::path& path);
  /// Replaces the estate with what `path` holds; false when it cannot be read.
  bool load_from(const std::filesystem::path& path);
  /// The mutation after the first `count` ones calls `on_hold` first (once); for tests that
  /// need an apply held or killed mid-way.
  void hold_mutations_after(int count, std::function<void()> on_hold);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, model::Json>> hosts_;
  std::set<std::string> failing_;
  std::set<std::string> secrets_;
  std::map<std::string, int> in_flight_;
  int max_concurrent_ = 0;
  std::filesystem::path persist_path_;
  int hold_after_ = -1;
  int mutations_ = 0;
  std::function<void()> on_hold_;
  void save_locked() const;
};

class FakePlugin final : public plugin::Plugin {
 public:
  std::string_view name() const override { return "fake"; }
  std::span<const model::KindSchema> kinds() const override;
  std::span<const diag::RuleInfo> rules() const override { return {}; }
  void check(const model::Manifest&, diag::Diagnostics&) const override {}

  std::vector<plugin::Edge> edges(const model::Manifest& manifest) const override;
  plugin::ReadResponse read(const plugin::ReadRequest& request) const override;
  plugin::ObserveResponse observe(const plugin::ObserveRequest& request) const override;
  plugin::ApplyResponse apply(const plugin::ApplyRequest& request) const override;
};

/// A backend over a fake estate that counts round trips.
inline ops::RecordingBackend fake_backend(FakeEstate& estate) {
  return ops::RecordingBackend([&estate](const std::string& host, const plugin::Operation& op) { return estate.handle(host, op); });
}

}  // namespace supctl::test
