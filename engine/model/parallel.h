#pragma once
/// Work spread over threads: the hosts a plan reads, the files a directory of manifests parses,
/// the records a state holds.

#include <cstddef>
#include <functional>

namespace supctl::model {

/// Runs `work(i)` for i in [0, count) on up to `parallelism` threads (the calling one when it is
/// 1 or `count` is), each taking the next index; returns when all are done. `work` must not throw.
void parallel_for(std::size_t count, int parallelism, const std::function<void(std::size_t)>& work);

/// The threads worth using for work that only computes: the machine's cores, at least 1.
int cores();

}  // namespace supctl::model
