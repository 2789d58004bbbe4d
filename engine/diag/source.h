#pragma once
/// The files a run has read, and positions inside them that diagnostics point at.

#include <cstdint>
#include <string>
#include <string_view>
#include <deque>
#include <vector>

namespace supctl::diag {

using FileId = std::uint32_t;
inline constexpr FileId kNoFile = UINT32_MAX;

/// A place in a file.
struct SourcePos {
  std::uint32_t line = 0;    ///< 1-based; 0 only in a default-constructed position
  std::uint32_t column = 0;  ///< 1-based, counted in Unicode code points
  std::uint64_t byte = 0;    ///< 0-based byte offset from the start of the file
  friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

/// A span in one file; `end` is exclusive.
struct SourceRange {
  FileId file = kNoFile;
  SourcePos begin;
  SourcePos end;
};

/// One file's name (as the user should see it) and its bytes, with a line index.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  std::uint32_t line_count() const { return static_cast<std::uint32_t>(line_starts_.size()); }
  /// The text of a 1-based line without its line ending; empty when out of range.
  std::string_view line(std::uint32_t line) const;
  /// A position from a 1-based line and code-point column; the byte offset is computed.
  SourcePos position(std::uint32_t line, std::uint32_t column) const;
  /// The position of a byte offset.
  SourcePos position_of_byte(std::uint64_t byte) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<std::uint64_t> line_starts_;  ///< byte offset of each line's first byte; never empty
};

/// Every file a run has read; FileIds index it and stay valid for its lifetime.
class SourceSet {
 public:
  FileId add(std::string name, std::string text);
  const SourceFile* file(FileId id) const;
  std::size_t size() const { return files_.size(); }

 private:
  std::deque<SourceFile> files_;  ///< a deque, so a file never moves once added
};

}  // namespace supctl::diag
