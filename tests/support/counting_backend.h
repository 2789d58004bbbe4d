#pragma once
// Counts the requests a command sends to each host: a backend that passes every batch on to
// another and notes it, the install tracker's log reads apart (they are polls, not changes).

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <span>
#include <vector>

#include "cli/context.h"
#include "model/text.h"
#include "ops/backend.h"

namespace supctl::test {

struct RequestCounts {
  std::map<std::string, int> requests;  ///< by lower-case host: every batch but the tracker's
  std::map<std::string, int> polls;     ///< by lower-case host: batches of logs.read alone
  std::mutex mutex;
};

class CountingBackend final : public ops::Backend {
 public:
  CountingBackend(std::unique_ptr<ops::Backend> inner, RequestCounts& counts) : inner_(std::move(inner)), counts_(counts) {}

  std::vector<plugin::OperationResult> run(const ops::HostTarget& host, std::span<const plugin::Operation> batch) override {
    if (!batch.empty()) {
      bool poll = true;
      for (const plugin::Operation& op : batch) poll &= op.name == "logs.read";
      std::lock_guard lock(counts_.mutex);
      ++(poll ? counts_.polls : counts_.requests)[model::lower(host.name)];
    }
    return inner_->run(host, batch);
  }
  ops::Clock* clock() override { return inner_->clock(); }

 private:
  std::unique_ptr<ops::Backend> inner_;
  RequestCounts& counts_;
};

/// The real program's context, every backend it makes wrapped to count into `counts`.
inline cli::Context counting_context(RequestCounts& counts) {
  cli::Context context = cli::default_context();
  context.make_backend = [&counts, make = context.make_backend](const std::filesystem::path& dir, bool lab,
                                                                std::string* error) -> std::unique_ptr<ops::Backend> {
    auto inner = make(dir, lab, error);
    return inner ? std::make_unique<CountingBackend>(std::move(inner), counts) : nullptr;
  };
  return context;
}

}  // namespace supctl::test
