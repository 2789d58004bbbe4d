#include "model/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace supctl::model {

void parallel_for(std::size_t count, int parallelism, const std::function<void(std::size_t)>& work) {
  std::size_t threads = std::min<std::size_t>(count, static_cast<std::size_t>(std::max(1, parallelism)));
  if (threads <= 1) {
    for (std::size_t i = 0; i < count; ++i) work(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  auto drain = [&] {
    for (std::size_t i = next++; i < count; i = next++) work(i);
  };
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(drain);
  drain();  // the calling thread is one of them
  for (std::thread& thread : pool) thread.join();
}

int cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

}  // namespace supctl::model
