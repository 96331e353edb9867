// A small parallel-for for the trainers: splits [0, n) into `threads` contiguous
// chunks and runs work(begin, end) on each, the first chunk on the calling thread.
// Callers that need results independent of the thread count write per-index (or
// per fixed shard) outputs and combine them in index order afterwards.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace chatrec::model {

template <typename Fn>
void ParallelFor(size_t n, int threads, Fn work) {
  threads = std::max(1, threads);
  if (n == 0) return;
  std::vector<std::thread> pool;
  const size_t chunk = (n + threads - 1) / threads;
  for (int t = 1; t < threads; ++t) {
    const size_t b = t * chunk, e = std::min(n, b + chunk);
    if (b < e) pool.emplace_back(work, b, e);
  }
  work(size_t{0}, std::min(n, chunk));
  for (auto& th : pool) th.join();
}

}  // namespace chatrec::model
