#pragma once
/// A problem found in the user's input or environment, as a value.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "diag/source.h"

namespace supctl::diag {

enum class Severity { kError, kWarning };

std::string_view severity_name(Severity severity);

/// A related place, e.g. where a duplicate was first defined.
struct Note {
  std::string message;
  std::optional<SourceRange> range;
};

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;      ///< stable rule id such as "unknown-attribute"; never empty
  std::string summary;   ///< one lowercase line; user values in single quotes
  std::string detail;    ///< expected versus found, or why; may be empty
  std::string address;   ///< resource address; empty when no single resource is at fault
  std::string key_path;  ///< address plus attribute path; empty for file-level problems
  std::optional<SourceRange> range;
  std::string help;  ///< what to do, e.g. "did you mean 'wsus_iis_port'?"; may be empty
  std::vector<Note> notes;
};

/// A rule a diagnostic can come from; the SARIF rule table and the README list these.
struct RuleInfo {
  std::string_view code;
  std::string_view description;
};

/// Collects diagnostics in the order they are found and counts them.
class Diagnostics {
 public:
  void add(Diagnostic diagnostic);
  Diagnostic& error(std::string code, std::string summary);
  Diagnostic& warning(std::string code, std::string summary);

  const std::vector<Diagnostic>& all() const { return items_; }
  std::vector<Diagnostic>& mutable_all() { return items_; }  ///< to add detail; never to change severities
  std::size_t error_count() const { return errors_; }
  std::size_t warning_count() const { return items_.size() - errors_; }
  bool has_errors() const { return errors_ > 0; }
  /// Orders by file, position, then code, so output never depends on discovery order.
  void sort();
  void append(Diagnostics other);

 private:
  std::vector<Diagnostic> items_;
  std::size_t errors_ = 0;
};

}  // namespace supctl::diag
