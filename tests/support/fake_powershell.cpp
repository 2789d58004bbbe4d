/// A stand-in for powershell.exe on the far side of a transport, for tests: it speaks supctl's
/// session protocol (engine/backends/powershell/protocol.h) the way the bootstrap does.
///
/// It accepts only `-NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand <base64 of
/// UTF-16LE text>` (exit 64 otherwise), then reads request frames from stdin until a stop frame or
/// the end of stdin (exit 0), or until the idle timeout of the last request passes (exit 0). A
/// header that is not a frame is exit 65. Each request is answered between the begin and end lines
/// of its nonce with, by default, a JSON object of the byte counts, the request's number in this
/// process and the process id; and:
///   FAKE_POWERSHELL_LOG=FILE           appends "start <pid>", "request <pid> <n>" and
///                                      "exit <pid> <stop|eof|idle>" lines to FILE;
///   FAKE_POWERSHELL_RECORD=FILE        writes what the last request received to FILE (below);
///   FAKE_POWERSHELL_SLEEP=SECONDS      waits that long before answering, or until nobody reads
///                                      its stdout any more;
///   FAKE_POWERSHELL_REPLY_STDOUT=FILE  answers with FILE's bytes;
///   FAKE_POWERSHELL_REPLY_STDERR=FILE  writes FILE's bytes to stderr before answering;
///   FAKE_POWERSHELL_REPLY_EXIT=FILE    dies mid-request: writes the begin line and the answer,
///                                      then exits with the number in FILE (when it holds one);
///   FAKE_POWERSHELL_REPLY_SEQUENCE=DIR answers request N (counted in DIR/count, across
///                                      processes) with DIR/N (1, 2, ...).
/// A script line "fake: sleep S", "fake: exit N" (as FAKE_POWERSHELL_REPLY_EXIT), "fake: echo"
/// (answer with the JSON) or "fake: stdout TEXT" (answer with TEXT) does the same for one request.
/// A reply file that is named but missing is an error (exit 66).
///
/// The record, byte-exact: "fake_powershell record\n", then "arguments <n>\n" and one argument per
/// line, then the sections "bootstrap", "script", "json" (the decoded -EncodedCommand text as
/// UTF-8, and the request's two parts) each as "<name> <byte count>\n<bytes>\n", then
/// "request <n>\n".

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int kUsage = 64;    // sysexits' EX_USAGE: the command line is not what a transport sends
constexpr int kDataErr = 65;  // EX_DATAERR: stdin has no sentinel
constexpr int kNoInput = 66;  // EX_NOINPUT: a reply file is missing
constexpr std::size_t kHeaderSize = 75;
constexpr std::string_view kExpected[] = {"-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
                                          "-EncodedCommand"};

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "fake_powershell: %s\n", message.c_str());
  return code;
}

/// Strict base64 (RFC 4648 alphabet, padded, no blanks).
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int padding = 0;
    unsigned bits = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      char c = text[i + j];
      if (c == '=' && last && j >= 2) {
        ++padding;
        bits <<= 6;
        continue;
      }
      int v = value(c);
      if (v < 0 || padding > 0) return std::nullopt;
      bits = (bits << 6) | static_cast<unsigned>(v);
    }
    out += static_cast<char>((bits >> 16) & 0xFF);
    if (padding < 2) out += static_cast<char>((bits >> 8) & 0xFF);
    if (padding < 1) out += static_cast<char>(bits & 0xFF);
  }
  return out;
}

void append_utf8(std::string& out, unsigned code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

/// UTF-16LE to UTF-8; nullopt for an odd byte count or an unpaired surrogate.
std::optional<std::string> utf16le_to_utf8(std::string_view bytes) {
  if (bytes.size() % 2 != 0) return std::nullopt;
  std::string out;
  auto unit = [&](std::size_t i) {
    return static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) |
           (static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8);
  };
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    unsigned u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 4 > bytes.size()) return std::nullopt;
      unsigned low = unit(i + 2);
      if (low < 0xDC00 || low > 0xDFFF) return std::nullopt;
      append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
      i += 2;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return std::nullopt;
    } else {
      append_utf8(out, u);
    }
  }
  return out;
}

/// Exactly `size` bytes of stdin, waiting at most `idle_ms` for each part (-1: no limit); nullopt
/// at the end of input or when the wait is over (`*idle` then says which).
std::optional<std::string> read_exact(std::size_t size, int idle_ms, bool* idle) {
  std::string data;
  char buffer[65536];
  while (data.size() < size) {
    pollfd in{STDIN_FILENO, POLLIN, 0};
    int ready = ::poll(&in, 1, idle_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      *idle = true;
      return std::nullopt;
    }
    ssize_t n = ::read(STDIN_FILENO, buffer, std::min(sizeof buffer, size - data.size()));
    if (n > 0) {
      data.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return std::nullopt;
    }
  }
  return data;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Sleeps, but stops early when stdout is a pipe whose reader has gone (POLLERR), as when the
/// transport that started it was stopped.
void sleep_while_read(double seconds) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return;
    pollfd out{STDOUT_FILENO, 0, 0};
    int ready = ::poll(&out, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready > 0 && (out.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return;
  }
}

std::string section(std::string_view name, std::string_view bytes) {
  return std::string(name) + " " + std::to_string(bytes.size()) + "\n" + std::string(bytes) + "\n";
}


void log_line(const std::string& line) {
  if (const char* path = std::getenv("FAKE_POWERSHELL_LOG")) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << line << "\n";
  }
}

/// The value of the script line "fake: <name> VALUE", or nullopt.
std::optional<std::string> directive(std::string_view script, std::string_view name) {
  const std::string prefix = "fake: " + std::string(name);
  for (std::size_t at = 0; at < script.size();) {
    std::size_t end = script.find('\n', at);
    std::string_view line = script.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    if (line.starts_with(prefix) && (line.size() == prefix.size() || line[prefix.size()] == ' ')) {
      return std::string(line.substr(std::min(line.size(), prefix.size() + 1)));
    }
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return std::nullopt;
}

int finish(const std::string& pid, std::string_view reason) {
  log_line("exit " + pid + " " + std::string(reason));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string got;
  for (const std::string& arg : args) got += " '" + arg + "'";
  if (args.size() != 6 || !std::equal(std::begin(kExpected), std::end(kExpected), args.begin())) {
    return fail(kUsage,
                "expected -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand <base64>, got" + got);
  }
  std::optional<std::string> utf16 = base64_decode(args[5]);
  if (!utf16) return fail(kUsage, "the -EncodedCommand argument is not valid base64");
  std::optional<std::string> bootstrap = utf16le_to_utf8(*utf16);
  if (!bootstrap) return fail(kUsage, "the -EncodedCommand argument is not base64 of UTF-16LE text");

  const std::string pid = std::to_string(::getpid());
  log_line("start " + pid);
  int idle_ms = 15 * 60 * 1000;
  for (int number = 1;; ++number) {
    bool idle = false;
    std::optional<std::string> header = read_exact(kHeaderSize, idle_ms, &idle);
    if (!header) return finish(pid, idle ? "idle" : "eof");
    // "SUPCTL R <nonce> <script bytes> <json bytes> <idle seconds>\n"
    if (!header->starts_with("SUPCTL ") || header->back() != '\n') return fail(kDataErr, "stdin holds no request frame");
    if ((*header)[7] != 'R') return finish(pid, "stop");
    const std::string nonce = header->substr(9, 32);
    const std::size_t script_size = std::stoul(header->substr(42, 10));
    const std::size_t json_size = std::stoul(header->substr(53, 10));
    idle_ms = static_cast<int>(std::min(std::stol(header->substr(64, 10)) * 1000L, 2147483647L));
    std::optional<std::string> script = read_exact(script_size, -1, &idle);
    std::optional<std::string> json = read_exact(json_size, -1, &idle);
    if (!script || !json) return finish(pid, "eof");
    log_line("request " + pid + " " + std::to_string(number));

    if (const char* record_path = std::getenv("FAKE_POWERSHELL_RECORD")) {
      std::string record = "fake_powershell record\narguments " + std::to_string(args.size()) + "\n";
      for (const std::string& arg : args) record += arg + "\n";
      record += section("bootstrap", *bootstrap) + section("script", *script) + section("json", *json);
      record += "request " + std::to_string(number) + "\n";
      std::string partial = std::string(record_path) + ".partial";
      {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        out << record;
        if (!out) return fail(kNoInput, "cannot write the record to '" + partial + "'");
      }
      if (std::rename(partial.c_str(), record_path) != 0) return fail(kNoInput, "cannot rename the record");
    }

    if (const char* sleep = std::getenv("FAKE_POWERSHELL_SLEEP")) sleep_while_read(std::atof(sleep));
    if (auto sleep = directive(*script, "sleep")) sleep_while_read(std::atof(sleep->c_str()));

    std::string reply_out = "{\"fake_powershell\":true,\"script_bytes\":" + std::to_string(script->size()) +
                            ",\"json_bytes\":" + std::to_string(json->size()) + ",\"request\":" +
                            std::to_string(number) + ",\"pid\":" + pid + "}";
    std::optional<int> exit_code;
    if (const char* path = std::getenv("FAKE_POWERSHELL_REPLY_STDOUT")) {
      auto text = read_file(path);
      if (!text) return fail(kNoInput, std::string("no reply file '") + path + "'");
      reply_out = *text;
    }
    if (const char* dir = std::getenv("FAKE_POWERSHELL_REPLY_SEQUENCE")) {
      const std::string count_path = std::string(dir) + "/count";
      auto count = read_file(count_path.c_str());
      int n = (count ? std::atoi(count->c_str()) : 0) + 1;
      std::FILE* out = std::fopen(count_path.c_str(), "wb");
      if (!out) return fail(kNoInput, "cannot write " + count_path);
      std::fputs(std::to_string(n).c_str(), out);
      std::fclose(out);
      const std::string path = std::string(dir) + "/" + std::to_string(n);
      auto text = read_file(path.c_str());
      if (!text) return fail(kNoInput, "no reply file '" + path + "'");
      reply_out = *text;
    }
    if (directive(*script, "echo")) reply_out = *json;
    if (auto text = directive(*script, "stdout")) reply_out = *text;
    if (const char* path = std::getenv("FAKE_POWERSHELL_REPLY_STDERR")) {
      auto text = read_file(path);
      if (!text) return fail(kNoInput, std::string("no reply file '") + path + "'");
      write_all(STDERR_FILENO, *text);
    }
    if (const char* path = std::getenv("FAKE_POWERSHELL_REPLY_EXIT")) {
      auto text = read_file(path);
      if (!text) return fail(kNoInput, std::string("no reply file '") + path + "'");
      if (!text->empty()) exit_code = std::atoi(text->c_str());
    }
    if (auto code = directive(*script, "exit")) exit_code = std::atoi(code->c_str());

    write_all(STDOUT_FILENO, "\n--- supctl response " + nonce + " begin ---\n" + reply_out);
    if (exit_code) {
      log_line("exit " + pid + " died");
      return *exit_code;
    }
    write_all(STDOUT_FILENO, "\n--- supctl response " + nonce + " end ---\n");
  }
}
