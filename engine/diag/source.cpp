#include "diag/source.h"

#include <algorithm>

namespace supctl::diag {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (std::uint64_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

std::string_view SourceFile::line(std::uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  std::uint64_t begin = line_starts_[line - 1];
  std::uint64_t end = line < line_starts_.size() ? line_starts_[line] - 1 : text_.size();
  std::string_view text(text_);
  std::string_view result = text.substr(begin, end - begin);
  if (!result.empty() && result.back() == '\r') result.remove_suffix(1);
  return result;
}

SourcePos SourceFile::position(std::uint32_t line_number, std::uint32_t column) const {
  SourcePos pos{line_number, column, 0};
  if (line_number == 0 || line_number > line_starts_.size()) return pos;
  std::uint64_t byte = line_starts_[line_number - 1];
  std::uint32_t col = 1;
  while (col < column && byte < text_.size() && text_[byte] != '\n') {
    ++byte;
    while (byte < text_.size() && is_continuation(static_cast<unsigned char>(text_[byte]))) ++byte;
    ++col;
  }
  pos.byte = byte;
  return pos;
}

SourcePos SourceFile::position_of_byte(std::uint64_t byte) const {
  byte = std::min<std::uint64_t>(byte, text_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), byte);
  auto line_number = static_cast<std::uint32_t>(it - line_starts_.begin());
  std::uint32_t column = 1;
  for (std::uint64_t i = line_starts_[line_number - 1]; i < byte; ++i) {
    if (!is_continuation(static_cast<unsigned char>(text_[i]))) ++column;
  }
  return SourcePos{line_number, column, byte};
}

FileId SourceSet::add(std::string name, std::string text) {
  files_.emplace_back(std::move(name), std::move(text));
  return static_cast<FileId>(files_.size() - 1);
}

const SourceFile* SourceSet::file(FileId id) const {
  return id < files_.size() ? &files_[id] : nullptr;
}

}  // namespace supctl::diag
