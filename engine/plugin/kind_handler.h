#pragma once
/// One kind's part of a plugin: its schema, and how a resource of it is read, observed, diffed and
/// changed. A plugin with several kinds keeps one handler per kind, each in its own file, and
/// dispatches through KindHandlers instead of testing the kind's name in every verb.

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "plugin/plugin.h"

namespace supctl::plugin {

class KindHandler {
 public:
  virtual ~KindHandler() = default;

  virtual const model::KindSchema& schema() const = 0;
  /// The defaults report that the kind cannot be read or changed (as Plugin's do): a kind with no
  /// host of its own, such as the hierarchy, is never asked.
  virtual ReadResponse read(const ReadRequest& request) const;
  virtual ObserveResponse observe(const ObserveRequest& request) const;
  /// generic_diff by default.
  virtual DiffResponse diff(const DiffRequest& request) const;
  virtual ApplyResponse apply(const ApplyRequest& request) const;
};

/// A plugin's handlers by kind, in the order its kinds() lists them.
class KindHandlers {
 public:
  explicit KindHandlers(std::vector<std::unique_ptr<KindHandler>> handlers);

  /// Every handler's schema, in order: what Plugin::kinds() returns.
  std::span<const model::KindSchema> schemas() const { return schemas_; }
  /// The handler of `kind`; nullptr when the plugin has none.
  const KindHandler* find(std::string_view kind) const;
  std::span<const std::unique_ptr<KindHandler>> all() const { return handlers_; }

  /// Each verb sent to the handler of the request's kind; an error naming `plugin` for a kind it
  /// does not own.
  ReadResponse read(std::string_view plugin, const ReadRequest& request) const;
  ObserveResponse observe(std::string_view plugin, const ObserveRequest& request) const;
  DiffResponse diff(std::string_view plugin, const DiffRequest& request) const;
  ApplyResponse apply(std::string_view plugin, const ApplyRequest& request) const;

 private:
  std::vector<std::unique_ptr<KindHandler>> handlers_;
  std::vector<model::KindSchema> schemas_;
};

}  // namespace supctl::plugin
