// supctl_bench_logs: how fast the log reader reads, and in how much memory. Generates a CMTrace
// log of --mib MiB (WCM.log-like lines, every 50th entry spanning four lines) in 64 KiB chunks,
// in UTF-8 and in UTF-16LE, feeds it to formats::LogReader, and prints one JSON object per encoding.

#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "formats/log.h"

namespace {

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::string entry(std::size_t i) {
  std::string message = i % 50 == 0 ? fmt::format("Subscribed Update Categories <?xml version=\"1.0\" ?>\r\n<Categories>\r\n <Category Id=\"Product:{}\"/>\r\n</Categories>", i)
                                     : fmt::format("There are no unhealthy WSUS Server components on WSUS Server SUP{:05}.CONTOSO.COM", i % 100000);
  return fmt::format("<![LOG[{}]LOG]!><time=\"08:{:02}:{:02}.{:03}+000\" date=\"11-21-2026\" component=\"SMS_WSUS_CONFIGURATION_MANAGER\" "
                     "context=\"\" type=\"1\" thread=\"5080\" file=\"wsyncmgr.cpp:2207\">\r\n",
                     message, (i / 60) % 60, i % 60, i % 1000);
}

std::string utf16le(const std::string& ascii) {
  std::string out;
  out.reserve(ascii.size() * 2);
  for (char c : ascii) {
    out += c;
    out += '\0';
  }
  return out;
}

void run(std::size_t mib, bool wide) {
  std::size_t entries = 0, max_buffered = 0;
  supctl::formats::LogReader reader([&](supctl::formats::LogEntry&&) { ++entries; });
  const std::size_t total = mib << 20;
  std::size_t fed = 0, generated = 0;
  std::string chunk = wide ? std::string("\xFF\xFE", 2) : std::string();
  double seconds = 0;
  const long rss_before = peak_rss_kib();
  while (fed < total) {
    while (chunk.size() < (64u << 10)) chunk += wide ? utf16le(entry(generated++)) : entry(generated++);
    auto start = std::chrono::steady_clock::now();
    reader.feed(chunk);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    max_buffered = std::max(max_buffered, reader.buffered());
    fed += chunk.size();
    chunk.clear();
  }
  reader.finish();
  std::cout << fmt::format(
      "{{\"encoding\": \"{}\", \"mib\": {:.1f}, \"entries\": {}, \"seconds\": {:.3f}, \"mib_per_second\": {:.0f}, "
      "\"max_buffered_bytes\": {}, \"peak_rss_growth_kib\": {}}}\n",
      wide ? "utf-16le" : "utf-8", fed / 1048576.0, entries, seconds, fed / 1048576.0 / seconds, max_buffered, peak_rss_kib() - rss_before);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t mib = 200;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mib") == 0 && i + 1 < argc) {
      mib = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::cerr << "usage: supctl_bench_logs [--mib N]\n";
      return 1;
    }
  }
  run(mib, false);
  run(mib, true);
  return 0;
}
