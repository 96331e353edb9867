// Internal helpers shared by the baseline-ISA kernel sources (item_matrix.cc, topk.cc,
// quantized.cc): alignment, the bounded top-k selector and the chunked, multi-threaded scan driver.
// Never include this from scan_avx2.cc / scan_avx512.cc: its inline functions must only ever be
// compiled for the baseline ISA (see types.h).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <thread>
#include <vector>

#include "libs/kernels/kernels.h"

namespace chatrec::kernels::internal {

// The start-up ISA: `detected`, lowered to CHATREC_KERNEL_ISA's value (env, may be null) if that
// names a level the CPU has; anything else logs a warning and keeps `detected`.
Isa IsaFromEnv(const char* env, Isa detected);

// Software prefetch pays only when the scan streams from DRAM: it brought the 1M x 64 fp32 scan
// from ~85% to ~95% of a plain streaming read, but costs ~13% when the matrix sits in L3
// (100k x 64 = 26 MB), where the extra prefetch instructions compete with the loads.
inline constexpr int64_t kPrefetchMinBytes = int64_t{64} << 20;
inline bool ShouldPrefetch(int64_t scan_bytes) { return scan_bytes >= kPrefetchMinBytes; }

inline int64_t RoundUp(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// 64-byte aligned (2 MB and MADV_HUGEPAGE from 2 MB up); release with AlignedFree.
void* AlignedAlloc(size_t bytes);

// A zero-padded, 64-byte aligned copy of a query vector, as the fp32 kernels read it.
class PaddedQuery {
 public:
  PaddedQuery(absl::Span<const float> w, int64_t stride)
      : data_(static_cast<float*>(AlignedAlloc(sizeof(float) * stride))) {
    std::fill_n(data_.get(), stride, 0.0f);
    std::copy(w.begin(), w.end(), data_.get());
  }
  const float* data() const { return data_.get(); }

 private:
  std::unique_ptr<float, AlignedFree> data_;
};

// The result order: higher score first, then smaller row. A function object (not a function
// pointer) so std::sort / nth_element inline it.
struct BetterFn {
  bool operator()(const ScoredItem& a, const ScoredItem& b) const {
    return a.score > b.score || (a.score == b.score && a.row < b.row);
  }
};
inline constexpr BetterFn Better{};

// Keeps the k best items pushed so far (by Better). Items go into a buffer of up to 2k; when it
// fills, nth_element cuts it back to the k best. That is O(1) amortised per item, where a binary
// heap pays two O(log k) sifts per accepted item (dominant for the quantised pass, k' = 400).
class TopKSelector {
 public:
  explicit TopKSelector(int64_t k) : k_(std::max<int64_t>(k, 0)) {
    items_.reserve(static_cast<size_t>(std::min<int64_t>(2 * k_, int64_t{1} << 16)));
  }

  // For scans in increasing row order: a score <= threshold() cannot enter (a tie loses to the
  // smaller row already kept). -inf until k items have been kept.
  float threshold() const {
    return full_ ? worst_.score : -std::numeric_limits<float>::infinity();
  }

  void Push(const ScoredItem& x) {
    if (k_ == 0 || (full_ && !Better(x, worst_))) return;
    items_.push_back(x);
    if (static_cast<int64_t>(items_.size()) >= 2 * k_) Shrink();
  }

  // The k best, best first.
  std::vector<ScoredItem> TakeSorted() {
    Shrink();
    std::sort(items_.begin(), items_.end(), Better);
    return std::move(items_);
  }

  // The k best in no particular order (for candidates that get rescored anyway).
  std::vector<ScoredItem> TakeUnsorted() {
    Shrink();
    return std::move(items_);
  }

 private:
  void Shrink() {
    if (k_ == 0 || static_cast<int64_t>(items_.size()) < k_) return;
    std::nth_element(items_.begin(), items_.begin() + (k_ - 1), items_.end(), Better);
    items_.resize(static_cast<size_t>(k_));
    // items_[k-1] is now the worst kept item (everything before it is better).
    worst_ = items_[static_cast<size_t>(k_ - 1)];
    full_ = true;
  }

  int64_t k_;
  bool full_ = false;
  ScoredItem worst_{0, 0.0f};
  std::vector<ScoredItem> items_;
};

// Threads to use for a scan of n rows (see kParallelMinRows).
inline int ResolveThreads(int requested, int64_t n) {
  const int64_t blocks = RoundUp(n, ItemMatrix::kRowBlock) / ItemMatrix::kRowBlock;
  int64_t t = requested;
  if (t <= 0) {
    t = n < kParallelMinRows ? 1 : std::max(1u, std::thread::hardware_concurrency());
  }
  return static_cast<int>(std::max<int64_t>(1, std::min(t, blocks)));
}

// Runs `scan(begin, end, threshold, hits) -> hit count` over [0, n) in chunks small enough for the
// hits buffer to stay in L1/L2, feeding hits into per-thread selectors; returns the best k overall,
// sorted by Better unless `sorted` is false. Thread ranges start at multiples of 16 rows, as the
// kernels require.
template <typename ScanFn>
std::vector<ScoredItem> ParallelTopK(int64_t n, int64_t k, int num_threads, const ScanFn& scan,
                                     bool sorted = true) {
  // Until k items are kept the threshold is -inf and every row is a hit, so start with small
  // chunks (the threshold then rises early) and grow to the steady-state size.
  constexpr int64_t kFirstChunkRows = 256, kChunkRows = 2048;
  const int threads = ResolveThreads(num_threads, n);
  auto scan_range = [&](int64_t begin, int64_t end, TopKSelector& top) {
    std::vector<ScoredItem> hits(static_cast<size_t>(std::min(kChunkRows, end - begin)));
    int64_t chunk = kFirstChunkRows;
    for (int64_t b = begin; b < end; b += chunk, chunk = std::min(2 * chunk, kChunkRows)) {
      const int64_t e = std::min(b + chunk, end);
      const int64_t got = scan(b, e, top.threshold(), hits.data());
      for (int64_t i = 0; i < got; ++i) top.Push(hits[i]);
    }
  };
  if (threads == 1) {
    TopKSelector top(k);
    scan_range(0, n, top);
    return sorted ? top.TakeSorted() : top.TakeUnsorted();
  }
  const int64_t per_thread = RoundUp((n + threads - 1) / threads, ItemMatrix::kRowBlock);
  std::vector<TopKSelector> tops(threads, TopKSelector(k));
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) {
    const int64_t begin = std::min(n, t * per_thread);
    const int64_t end = std::min(n, begin + per_thread);
    workers.emplace_back([&, t, begin, end] { scan_range(begin, end, tops[t]); });
  }
  scan_range(0, std::min(n, per_thread), tops[0]);
  for (std::thread& worker : workers) worker.join();
  TopKSelector merged(k);
  for (TopKSelector& top : tops) {
    for (const ScoredItem& item : top.TakeUnsorted()) merged.Push(item);
  }
  return sorted ? merged.TakeSorted() : merged.TakeUnsorted();
}

}  // namespace chatrec::kernels::internal
