#include "diag/diagnostic.h"

#include <algorithm>
#include <tuple>

namespace supctl::diag {

std::string_view severity_name(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

void Diagnostics::add(Diagnostic diagnostic) {
  if (diagnostic.severity == Severity::kError) ++errors_;
  items_.push_back(std::move(diagnostic));
}

Diagnostic& Diagnostics::error(std::string code, std::string summary) {
  add(Diagnostic{.severity = Severity::kError, .code = std::move(code), .summary = std::move(summary)});
  return items_.back();
}

Diagnostic& Diagnostics::warning(std::string code, std::string summary) {
  add(Diagnostic{.severity = Severity::kWarning, .code = std::move(code), .summary = std::move(summary)});
  return items_.back();
}

void Diagnostics::sort() {
  auto key = [](const Diagnostic& d) {
    FileId file = d.range ? d.range->file : kNoFile;
    std::uint64_t byte = d.range ? d.range->begin.byte : 0;
    return std::tuple(file, byte, d.code, d.summary);
  };
  std::stable_sort(items_.begin(), items_.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
}

void Diagnostics::append(Diagnostics other) {
  for (auto& d : other.items_) add(std::move(d));
}

}  // namespace supctl::diag
