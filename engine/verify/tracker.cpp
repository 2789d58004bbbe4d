#include "verify/tracker.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <set>

#include "model/base64.h"
#include "model/text.h"
#include "formats/log.h"

namespace supctl::verify {
namespace {

using formats::LogEncoding;
using formats::LogEntry;
using formats::LogReader;
using model::Json;
using plugin::LogSource;

constexpr std::size_t kQuotedLines = 3;  ///< a failure is quoted with the lines just before it

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// Whether the message holds one of the signs (without case) as whole words: "Installed service"
/// is not a sign of "Deinstalled service", nor "..._PR1WSUS" of "..._PR1WSUS2".
bool contains_any(const std::string& message_lower, const std::vector<std::string>& signs) {
  for (const std::string& sign : signs) {
    const std::string wanted = model::lower(sign);
    if (wanted.empty()) continue;
    for (auto at = message_lower.find(wanted); at != std::string::npos; at = message_lower.find(wanted, at + 1)) {
      const bool starts = at == 0 || !word_char(wanted.front()) || !word_char(message_lower[at - 1]);
      const std::size_t end = at + wanted.size();
      const bool ends = end == message_lower.size() || !word_char(wanted.back()) || !word_char(message_lower[end]);
      if (starts && ends) return true;
    }
  }
  return false;
}

bool in_source(const plugin::Milestone& milestone, const LogSource& source) {
  return milestone.source == source || std::find(milestone.also_in.begin(), milestone.also_in.end(), source) != milestone.also_in.end();
}

std::string duration_text(std::chrono::milliseconds d) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (seconds < 60) return fmt::format("{}s", seconds);
  if (seconds % 60 == 0) return fmt::format("{}m", seconds / 60);
  return fmt::format("{}m{}s", seconds / 60, seconds % 60);
}

/// "a, b and c"
std::string join_words(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

}  // namespace

std::string Sighting::str() const {
  std::string where = line > 0 ? fmt::format("{} {}:{}", host, log, line) : fmt::format("{} {}", host, log);
  return time.empty() ? fmt::format("{} {}", where, message) : fmt::format("{} [{}] {}", where, time, message);
}

std::string_view track_outcome_name(TrackOutcome outcome) {
  switch (outcome) {
    case TrackOutcome::kSucceeded: return "succeeded";
    case TrackOutcome::kFailed: return "failed";
    case TrackOutcome::kTimedOut: return "timed out";
  }
  return "timed out";
}

std::string TrackReport::summary() const {
  switch (outcome) {
    case TrackOutcome::kSucceeded: {
      std::vector<std::string> logs;
      for (const auto& s : seen) {
        if (s && std::find(logs.begin(), logs.end(), s->log) == logs.end()) logs.push_back(s->log);
      }
      return fmt::format("{}: proven by {} milestone{} in {}", subject, milestones.size(), milestones.size() == 1 ? "" : "s",
                         join_words(logs));
    }
    case TrackOutcome::kFailed: {
      std::string step = failed_step && *failed_step < milestones.size() ? milestones[*failed_step] : "an unknown step";
      std::string message = quoted.empty() ? std::string("a failure") : quoted.back().message;
      std::string where = quoted.empty() ? std::string() : fmt::format(" ({} on {})", quoted.back().log, quoted.back().host);
      return fmt::format("{}: failed at '{}'{}: {}", subject, step, where, message);
    }
    case TrackOutcome::kTimedOut: {
      std::vector<std::string> missing;
      for (std::size_t i = 0; i < milestones.size(); ++i) {
        if (!seen[i] && !implied[i]) missing.push_back(fmt::format("'{}'", milestones[i]));
      }
      const bool nothing = std::none_of(seen.begin(), seen.end(), [](const auto& s) { return s.has_value(); });
      if (on_demand && nothing) return fmt::format("{}: not in the logs: none of its {} milestones is there", subject, milestones.size());
      const std::string what = missing.empty() ? std::string("conclusion") : join_words(missing);
      if (on_demand && waited < std::chrono::seconds(60)) return fmt::format("{}: not proven by the logs: no {}", subject, what);
      return fmt::format("{}: not proven after {}: no {} yet", subject, duration_text(waited), what);
    }
  }
  return subject;
}

std::vector<std::string> TrackReport::details() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < milestones.size(); ++i) {
    if (seen[i]) {
      out.push_back(fmt::format("ok       {}: {}", milestones[i], seen[i]->str()));
    } else if (implied[i]) {
      out.push_back(fmt::format("implied  {}: no longer in the logs (rolled over); a later milestone shows it happened", milestones[i]));
    } else if (failed_step && *failed_step == i) {
      out.push_back(fmt::format("FAILED   {}", milestones[i]));
    } else {
      out.push_back(fmt::format("missing  {}", milestones[i]));
    }
  }
  for (const Sighting& line : quoted) out.push_back("  | " + line.str());
  for (const std::string& error : read_errors) out.push_back("cannot read " + error);
  if (outcome != TrackOutcome::kSucceeded && !hint.empty()) out.push_back("what to do: " + hint);
  return out;
}

struct Tracker::Impl {
  struct Failure {
    std::size_t step = 0;
    std::vector<Sighting> quoted;
    std::string hint;
  };

  /// One log on one host, read on from `offset`.
  struct Source {
    LogSource where;
    bool line_known = false;      ///< read from the file's start, so line numbers are the file's
    std::optional<Failure> failure;  ///< the earliest step this log shows failing, in its latest attempt
    bool rolled = false;          ///< this is the rolled-over copy (.lo_) read first on demand
    std::int64_t offset = -1;     ///< -1: not marked yet
    bool done_rolled = false;     ///< on demand: the .lo_ copy has been read to its end
    std::unique_ptr<LogReader> reader;
    std::deque<Sighting> recent;  ///< the last lines, for quoting a failure
    std::string error;            ///< the last read error, cleared by a good read
    bool missing = false;         ///< the last read found no such log
  };

  plugin::InstallChain chain;
  ops::Backend& backend;
  ops::Clock& clock;
  TargetOf target_of;
  TrackOptions options;
  Progress progress;

  std::vector<std::unique_ptr<Source>> sources;
  std::vector<std::optional<Sighting>> seen;

  /// The cause: the earliest step any log shows failing (the first log's on a tie).
  const Failure* failure() const {
    const Failure* found = nullptr;
    for (const auto& source : sources) {
      if (source->failure && (!found || source->failure->step < found->step)) found = &*source->failure;
    }
    return found;
  }
  std::vector<std::size_t> fresh_;  ///< milestones reached during this poll, for progress

  Impl(plugin::InstallChain c, ops::Backend& b, ops::Clock& k, TargetOf t, TrackOptions o, Progress p)
      : chain(std::move(c)), backend(b), clock(k), target_of(std::move(t)), options(o), progress(std::move(p)) {
    seen.resize(chain.milestones.size());
    std::vector<LogSource> unique;
    auto add = [&](const LogSource& s) {
      if (std::find(unique.begin(), unique.end(), s) == unique.end()) unique.push_back(s);
    };
    for (const auto& m : chain.milestones) {
      add(m.source);
      for (const LogSource& other : m.also_in) add(other);
    }
    for (const auto& f : chain.failures) add(f.source);
    for (const LogSource& where : unique) {
      auto source = std::make_unique<Source>();
      source->where = where;
      if (options.on_demand) {
        source->offset = 0;
        source->line_known = true;
      }
      source->reader = make_reader(*source, LogEncoding::kDetect);
      sources.push_back(std::move(source));
    }
  }

  std::unique_ptr<LogReader> make_reader(Source& source, LogEncoding encoding) {
    return std::make_unique<LogReader>([this, &source](LogEntry&& entry) { take(source, std::move(entry)); }, encoding);
  }

  static bool same_log(const LogSource& a, const LogSource& b) { return a == b; }

  /// One entry of one log: milestones reached, failures seen.
  void take(Source& source, LogEntry&& entry) {
    Sighting sighting{source.where.host, source.rolled ? plugin::rolled_over_name(source.where.log) : source.where.log, source.line_known ? entry.line : 0,
                      entry.time ? entry.time->str() : std::string(), entry.message};
    source.recent.push_back(sighting);
    if (source.recent.size() > kQuotedLines) source.recent.pop_front();
    const std::string message = model::lower(entry.message);
    for (std::size_t i = 0; i < chain.milestones.size(); ++i) {
      const plugin::Milestone& milestone = chain.milestones[i];
      if (!in_source(milestone, source.where) || !contains_any(message, milestone.signs)) continue;
      if (milestone.starts_attempt) {
        // A new attempt: what this log showed from this step on no longer counts.
        for (std::size_t j = i; j < chain.milestones.size(); ++j) {
          if (in_source(chain.milestones[j], source.where)) seen[j].reset();
        }
        source.failure.reset();
      }
      bool fresh = !seen[i];
      seen[i] = sighting;
      // The failed step succeeding later in the same log is a retry that worked (WCM retries hourly).
      if (source.failure && source.failure->step == i) source.failure.reset();
      if (fresh) fresh_.push_back(i);
    }
    for (const plugin::FailureSign& sign : chain.failures) {
      if (!same_log(sign.source, source.where) || !contains_any(message, sign.signs)) continue;
      if (!sign.about.empty() && !contains_any(message, sign.about)) continue;
      // The earliest step that failed is the cause; what fails after it follows from it.
      if (!source.failure || sign.step < source.failure->step) {
        source.failure = Failure{sign.step, std::vector<Sighting>(source.recent.begin(), source.recent.end()), sign.hint};
      }
      break;
    }
  }

  plugin::Operation read_operation(const Source& source, bool rolled) const {
    Json params{{"log", source.where.log}, {"component", source.where.component}, {"offset", source.offset},
                {"max_bytes", options.max_read_bytes}};
    if (rolled) params["rolled"] = true;
    return plugin::Operation{"logs.read", std::move(params)};
  }

  /// Progress: the milestones this poll reached, in the chain's order (the logs of several hosts
  /// arrive in any order).
  void report_progress() {
    std::sort(fresh_.begin(), fresh_.end());
    fresh_.erase(std::unique(fresh_.begin(), fresh_.end()), fresh_.end());
    for (std::size_t i : fresh_) {
      if (!progress || options.on_demand || !seen[i]) continue;
      const Sighting& s = *seen[i];
      progress(fmt::format("{} on {}: {}{}", s.log, s.host, chain.milestones[i].name, s.time.empty() ? std::string() : fmt::format(" ({})", s.time)));
    }
    fresh_.clear();
  }

  /// Reads every log on from where it was; true when some log has more to read right away.
  bool poll() {
    std::map<std::string, std::vector<Source*>> by_host;
    for (auto& source : sources) by_host[source->where.host].push_back(source.get());
    bool more = false;
    for (auto& [host, list] : by_host) {
      std::vector<plugin::Operation> batch;
      std::vector<Source*> order;
      for (Source* source : list) {
        bool rolled = options.on_demand && !source->done_rolled;
        source->rolled = rolled;
        batch.push_back(read_operation(*source, rolled));
        order.push_back(source);
      }
      auto results = backend.run(target_of(host), batch);
      for (std::size_t i = 0; i < order.size(); ++i) {
        Source& source = *order[i];
        if (i >= results.size() || !results[i].ok()) {
          source.error = fmt::format("{} on {}: {}", source.where.log, host, i < results.size() ? results[i].error : "no result");
          continue;
        }
        source.error.clear();
        more |= absorb(source, results[i].value);
      }
    }
    return more;
  }

  /// One logs.read result; true when the log has more bytes than this read returned.
  bool absorb(Source& source, const Json& result) {
    const std::int64_t size = result.value("size", std::int64_t{0});
    source.missing = !source.rolled && !result.value("exists", true);
    if (source.missing) {
      // Mid-read, a log that vanished is being rolled over: wait for the new one, keep the place.
      if (source.offset > 0) return false;
    }
    const std::string encoding = result.value("encoding", std::string());
    const LogEncoding known = encoding == "utf-16le" ? LogEncoding::kUtf16Le : encoding == "utf-8" ? LogEncoding::kUtf8 : LogEncoding::kDetect;
    if (source.offset < 0) {  // marking: note the end, read nothing
      source.offset = size;
      source.line_known = size == 0;
      source.reader = make_reader(source, size > 0 ? known : LogEncoding::kDetect);
      return false;
    }
    auto bytes = [&](const char* field) {
      auto decoded = model::base64_decode(result.value(field, std::string()));
      return decoded ? *decoded : std::string();
    };
    if (result.value("rotated", false)) {
      // The log rolled over since the last read: the rest of the old one is in .lo_.
      source.reader->feed(bytes("previous"));
      source.reader->finish();
      source.reader = make_reader(source, LogEncoding::kDetect);
      source.offset = 0;
      source.line_known = true;
    }
    std::string data = bytes("data");
    source.reader->feed(data);
    const std::int64_t before = source.offset;
    source.offset = result.value("next_offset", source.offset + static_cast<std::int64_t>(data.size()));
    // More to read at once only when this read moved on (a read that carries nothing never loops).
    const bool more = source.offset < size && (source.offset > before || !data.empty());
    if (source.rolled && !more) {
      // On demand, the rolled-over copy is read first and then the log itself, from its start.
      source.reader->finish();
      source.reader = make_reader(source, LogEncoding::kDetect);
      source.done_rolled = true;
      source.rolled = false;
      source.offset = 0;
      return true;
    }
    return more;
  }

  bool all_seen() const {
    return std::all_of(seen.begin(), seen.end(), [](const auto& s) { return s.has_value(); });
  }

  /// On demand: milestones up to the last one seen count as implied.
  std::vector<bool> implied() const {
    std::vector<bool> out(seen.size(), false);
    if (!options.on_demand) return out;
    std::optional<std::size_t> last;
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (seen[i]) last = i;
    }
    for (std::size_t i = 0; last && i < *last; ++i) out[i] = !seen[i];
    return out;
  }

  TrackReport report(TrackOutcome outcome, std::chrono::milliseconds waited) const {
    TrackReport r;
    r.outcome = outcome;
    r.subject = chain.subject;
    for (const auto& m : chain.milestones) r.milestones.push_back(m.name);
    r.seen = seen;
    r.implied = implied();
    r.waited = waited;
    r.on_demand = options.on_demand;
    if (const Failure* cause = failure(); outcome == TrackOutcome::kFailed && cause) {
      r.failed_step = cause->step;
      r.quoted = cause->quoted;
      r.hint = cause->hint;
    } else if (outcome == TrackOutcome::kTimedOut) {
      r.hint = chain.timeout_hint;
    }
    for (const auto& source : sources) {
      if (!source->error.empty()) r.read_errors.push_back(source->error);
      // A log that is not there matters when a milestone it alone proves never came.
      bool needed = false;
      for (std::size_t i = 0; i < chain.milestones.size(); ++i) {
        needed |= !seen[i] && chain.milestones[i].source == source->where;
      }
      if (source->missing && needed && outcome != TrackOutcome::kSucceeded) {
        r.read_errors.push_back(fmt::format("{} on {}: there is no such log", source->where.log, source->where.host));
      }
    }
    return r;
  }

  bool proven() const {
    if (failure()) return false;
    if (!options.on_demand) return all_seen();
    if (seen.empty() || !seen.back()) return false;  // on demand the last milestone must show
    return true;
  }

  void finish_readers() {
    for (auto& source : sources) source->reader->finish();
  }
};

Tracker::Tracker(plugin::InstallChain chain, ops::Backend& backend, ops::Clock& clock, TargetOf target_of, TrackOptions options,
                 Progress progress)
    : impl_(std::make_unique<Impl>(std::move(chain), backend, clock, std::move(target_of), options, std::move(progress))) {}

Tracker::~Tracker() = default;

void Tracker::mark() {
  if (impl_->options.on_demand) return;
  impl_->poll();
}

TrackReport Tracker::wait() {
  Impl& in = *impl_;
  const auto start = in.clock.now();
  const auto deadline = start + in.options.timeout;
  while (true) {
    bool more = in.poll();
    in.report_progress();
    // Read on at once (before judging) while the logs hold more than one round trip carried; a
    // read that moved nothing never counts as more, so this ends.
    if (more) continue;
    if (in.failure()) return in.report(TrackOutcome::kFailed, in.clock.now() - start);
    if (in.proven()) return in.report(TrackOutcome::kSucceeded, in.clock.now() - start);
    const auto now = in.clock.now();
    if (now >= deadline) {
      // The logs end here: a partial last line is all there will be within the time given.
      in.finish_readers();
      if (in.failure()) return in.report(TrackOutcome::kFailed, now - start);
      if (in.proven()) return in.report(TrackOutcome::kSucceeded, now - start);
      return in.report(TrackOutcome::kTimedOut, now - start);
    }
    in.clock.sleep(std::min<std::chrono::milliseconds>(in.options.interval, deadline - now));
  }
}

}  // namespace supctl::verify
