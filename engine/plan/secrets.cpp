#include "plan/secrets.h"

#include <fmt/format.h>

#include <fstream>

#include "model/attributes.h"

namespace supctl::plan {

std::optional<std::string> EnvFileSecrets::resolve(const model::Json& reference, std::string* error) const {
  if (!model::is_secret_reference(reference)) {
    *error = "not a secret reference: expected { env = \"VARIABLE\" } or { file = \"PATH\" }";
    return std::nullopt;
  }
  if (reference.contains("env")) {
    std::string name = reference["env"].get<std::string>();
    auto value = getenv_ ? getenv_(name) : std::nullopt;
    if (!value || value->empty()) {
      *error = fmt::format("the environment variable '{}' is not set", name);
      return std::nullopt;
    }
    return value;
  }
  std::string path = reference["file"].get<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format("cannot read the secret file '{}'", path);
    return std::nullopt;
  }
  std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) {
    *error = fmt::format("the secret file '{}' is empty", path);
    return std::nullopt;
  }
  return value;
}

}  // namespace supctl::plan
