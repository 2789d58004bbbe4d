#include "backends/powershell/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "backends/powershell/clixml.h"
#include "backends/powershell/protocol.h"

namespace supctl::powershell {
namespace {

using plugin::FailureKind;
using std::chrono::milliseconds;

constexpr std::string_view kClixmlHeader = "#< CLIXML";
/// How much sooner than its idle timeout a process is replaced rather than used (at most): it
/// might end itself while the request is on its way.
constexpr milliseconds kIdleMargin{5000};

std::string seconds(milliseconds duration) {
  return fmt::format("{:g} s", static_cast<double>(duration.count()) / 1000.0);
}

/// Where `line` stands alone on a line of `text` (ended by "\n" or "\r\n"), at or after `from`;
/// npos when it does not (yet).
std::size_t find_line(std::string_view text, std::string_view line, std::size_t from) {
  for (std::size_t at = text.find(line, from); at != std::string_view::npos; at = text.find(line, at + 1)) {
    const std::size_t after = at + line.size();
    const bool starts = at == 0 || text[at - 1] == '\n';
    const bool ends = after < text.size() &&
                      (text[after] == '\n' || (text[after] == '\r' && after + 1 < text.size() && text[after + 1] == '\n'));
    if (starts && ends) return at;
  }
  return std::string_view::npos;
}

/// The end of the line that starts at `at`, after its "\n".
std::size_t after_line(std::string_view text, std::size_t at) { return text.find('\n', at) + 1; }

}  // namespace

Session::Session(Transport& transport, std::string host, SessionSettings settings)
    : transport_(transport), host_(std::move(host)), settings_(settings) {}

Session::~Session() { stop(); }

void Session::stop() {
  if (!channel_) return;
  channel_->close(stop_frame(), settings_.stop_grace);
  channel_.reset();
}

Channel::Status Session::read_response(const std::string& nonce, Clock::time_point deadline, std::string* response) {
  const std::string begin = response_begin(nonce);
  const std::string end = response_end(nonce);
  // Where to look next: only text that came since, and the tail a line could straddle.
  auto tail = [&](std::size_t line, std::size_t floor) {
    return std::max(floor, buffer_.size() > line + 2 ? buffer_.size() - line - 2 : std::size_t{0});
  };
  std::size_t begin_from = 0;
  std::optional<std::size_t> body;  // where the response starts, once its begin line came
  std::size_t end_from = 0;
  bool pid_read = false;            // the process id line after the begin line is behind us
  for (;;) {
    if (!body) {
      if (std::size_t at = find_line(buffer_, begin, begin_from); at != std::string::npos) {
        body = after_line(buffer_, at);
        end_from = *body;
      } else {
        begin_from = tail(begin.size(), 0);
      }
    }
    if (body && !pid_read) {
      pid_read = read_pid(*body);
      end_from = std::max(end_from, *body);
    }
    if (body) {
      if (std::size_t stop = find_line(buffer_, end, end_from); stop != std::string::npos) {
        // The bootstrap puts a line break before the end line; it is not the response's.
        std::size_t body_end = stop > *body && buffer_[stop - 1] == '\n' ? stop - 1 : stop;
        *response = buffer_.substr(*body, body_end - *body);
        buffer_.erase(0, after_line(buffer_, stop));
        return Channel::Status::kOk;
      }
      end_from = tail(end.size(), *body);
    }
    Channel::Status status = channel_->read(buffer_, deadline);
    stderr_ += channel_->take_stderr();
    if (status != Channel::Status::kOk) {
      if (body) response->assign(buffer_, *body);  // what the request wrote before the end
      return status;
    }
  }
}

bool Session::read_pid(std::size_t& body) {
  // The line the bootstrap writes right after the begin line: which process on the far side this
  // is (to end it there after a timeout). False while it has not arrived in full.
  constexpr std::string_view kPid = "--- supctl pid ";
  std::string_view rest = std::string_view(buffer_).substr(body);
  if (rest.size() < kPid.size()) return kPid.starts_with(rest) ? false : true;
  if (!rest.starts_with(kPid)) return true;  // a PowerShell that names no process: nothing to end there
  std::size_t line_end = rest.find('\n');
  if (line_end == std::string_view::npos) return false;
  long pid = std::strtol(buffer_.c_str() + body + kPid.size(), nullptr, 10);
  if (pid > 0) remote_pid_ = pid;
  body += line_end + 1;
  return true;
}

Outcome Session::died(Outcome end) {
  ++deaths_;
  Outcome failed = end;
  if (end.failure == FailureKind::kNone) {
    std::string detail = shortened(std::string(decode_clixml(stderr_ + end.stderr_text)), 4000);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r' || detail.back() == ' ')) detail.pop_back();
    failed = transport_failure(
        FailureKind::kFailed,
        fmt::format("{}: PowerShell on '{}' ended during the request with exit code {}{}", transport_.name(), host_,
                    end.exit_code, detail.empty() ? "" : fmt::format("; stderr: {}", detail)));
  }
  failed.error += deaths_ >= 2 ? "; it has now ended twice in this command, so supctl does not start it again"
                               : "; supctl starts it again for the next request";
  if (deaths_ >= 2) dead_ = failed;
  return failed;
}

Outcome Session::run(std::string_view script, std::string_view json, milliseconds timeout) {
  if (dead_) return *dead_;
  const auto deadline = Clock::now() + timeout;
  const bool spent = settings_.max_requests_per_session > 0 && channel_requests_ >= settings_.max_requests_per_session;
  const milliseconds idle = settings_.idle_timeout;
  const bool stale = Clock::now() + std::min(kIdleMargin, idle / 4) >= last_answer_ + idle;
  if (channel_ && (spent || stale)) stop();

  for (int attempt = 1;; ++attempt) {
    if (!channel_) {
      Outcome failure;
      channel_ = transport_.open(bootstrap_arguments(), deadline, &failure);
      if (!channel_) return failure;
      ++stats_.processes;
      remote_pid_.reset();
      buffer_.clear();
      stderr_.clear();
      channel_requests_ = 0;
      last_answer_ = Clock::now();
    }
    const bool fresh = channel_requests_ == 0;
    const std::string nonce = new_nonce();
    const std::size_t stderr_from = stderr_.size();
    ++stats_.requests;
    ++channel_requests_;
    Channel::Status status = channel_->write(request_frame(nonce, script, json, settings_.idle_timeout.count()), deadline);
    stderr_ += channel_->take_stderr();
    std::string response;
    if (status == Channel::Status::kOk) status = read_response(nonce, deadline, &response);

    if (status == Channel::Status::kOk) {
      last_answer_ = Clock::now();
      Outcome outcome;
      outcome.exit_code = 0;
      outcome.stdout_text = std::move(response);
      outcome.stderr_text = stderr_.substr(stderr_from);
      // PowerShell writes the CLIXML header once per process; an error later in it needs it to decode.
      if (stderr_.starts_with(kClixmlHeader) && !outcome.stderr_text.starts_with(kClixmlHeader))
        outcome.stderr_text.insert(0, std::string(kClixmlHeader) + "\r\n");
      return outcome;
    }
    if (status == Channel::Status::kTimedOut) {
      // Ended on the far side first (over ssh the server keeps a command whose client is gone).
      if (remote_pid_) transport_.end_remote(*remote_pid_, settings_.stop_grace + std::chrono::seconds(10));
      channel_->close({}, milliseconds(0));
      channel_.reset();
      return transport_failure(
          FailureKind::kTimeout,
          fmt::format("{}: the request to PowerShell on '{}' did not finish within {}; supctl ended that PowerShell "
                      "process (the next request starts a new one); check what the script waits for, or allow it "
                      "more time",
                      transport_.name(), host_, seconds(timeout)));
    }
    Outcome end = channel_->end();
    channel_.reset();
    if (end.never_ran && fresh) {
      std::optional<milliseconds> delay = transport_.reconnect_delay(attempt);
      if (delay && Clock::now() + *delay < deadline) {
        std::this_thread::sleep_for(*delay);
        continue;
      }
      if (attempt > 1) end.error += fmt::format(" ({} attempts)", attempt);
      return end;  // nothing ran: not a death of the session
    }
    return died(std::move(end));
  }
}

}  // namespace supctl::powershell
