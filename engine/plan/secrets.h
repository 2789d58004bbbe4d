#pragma once
/// Resolving secret references ({ env = "VAR" } or { file = "PATH" }) to their values, behind an
/// interface so that tests use a fake. A value is held only as long as a step needs it.

#include <functional>
#include <optional>
#include <string>

#include "plugin/operation.h"

namespace supctl::plan {

class Secrets {
 public:
  virtual ~Secrets() = default;
  /// The secret a reference names, or nullopt with `*error` saying what is missing.
  virtual std::optional<std::string> resolve(const model::Json& reference, std::string* error) const = 0;
};

/// Reads environment variables (through `getenv`) and files (trailing newlines dropped).
class EnvFileSecrets final : public Secrets {
 public:
  using Getenv = std::function<std::optional<std::string>(const std::string&)>;
  explicit EnvFileSecrets(Getenv getenv) : getenv_(std::move(getenv)) {}
  std::optional<std::string> resolve(const model::Json& reference, std::string* error) const override;

 private:
  Getenv getenv_;
};

}  // namespace supctl::plan
