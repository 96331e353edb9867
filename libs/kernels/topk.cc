// Exact fp32 top-k over the whole matrix (fused scan + selection) and over candidate subsets (gather).
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/kernels/internal.h"
#include "libs/kernels/kernels.h"
#include "libs/kernels/simd_kernels.h"

namespace chatrec::kernels {
namespace {

internal::Fp32View ViewOf(const ItemMatrix& m) {
  return internal::Fp32View{m.row_data(0), m.stride(), m.bias_data(),
                            internal::ShouldPrefetch(m.scan_bytes())};
}

// Gathered scores for ids (any order, all valid), in chunks so the score buffer stays small.
template <typename Sink>
void ScoreIds(const ItemMatrix& m, const float* padded_w, absl::Span<const int32_t> ids,
              const Sink& sink) {
  constexpr size_t kChunk = 1024;
  const internal::KernelTable& kernels = internal::ActiveKernels();
  const internal::Fp32View view = ViewOf(m);
  float scores[kChunk];
  for (size_t i = 0; i < ids.size(); i += kChunk) {
    const size_t len = std::min(kChunk, ids.size() - i);
    kernels.gather_fp32(view, padded_w, ids.data() + i, static_cast<int64_t>(len), scores);
    for (size_t j = 0; j < len; ++j) sink(ids[i + j], scores[j]);
  }
}

}  // namespace

std::vector<ScoredItem> TopK(const ItemMatrix& m, absl::Span<const float> w, int k,
                             int num_threads) {
  if (k <= 0 || static_cast<int64_t>(w.size()) != m.dim() || m.size() == 0) return {};
  const internal::PaddedQuery padded(w, m.stride());
  const internal::KernelTable& kernels = internal::ActiveKernels();
  const internal::Fp32View view = ViewOf(m);
  const float* pw = padded.data();
  return internal::ParallelTopK(
      m.size(), std::min<int64_t>(k, m.size()), num_threads,
      [&](int64_t begin, int64_t end, float threshold, ScoredItem* hits) {
        return kernels.scan_fp32(view, pw, begin, end, threshold, hits);
      });
}

absl::StatusOr<std::vector<ScoredItem>> TopKSubset(const ItemMatrix& m, absl::Span<const float> w,
                                                   absl::Span<const int32_t> rows, int k) {
  if (static_cast<int64_t>(w.size()) != m.dim()) {
    return absl::InvalidArgumentError(
        absl::StrCat("query has ", w.size(), " dimensions, items have ", m.dim()));
  }
  for (int32_t row : rows) {
    if (row < 0 || row >= m.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("candidate row ", row, " outside [0, ", m.size(), ")"));
    }
  }
  if (k <= 0 || rows.empty()) return std::vector<ScoredItem>{};
  // A duplicated candidate is one item, so it is scored and returned once: a per-thread
  // bitmap over the rows drops repeats in one pass (cleared again through the kept ids).
  // Large subsets are then sorted, so the gather reads the matrix front to back (checked first:
  // callers often pass ascending rows, and sorting those still costs n log n).
  thread_local std::vector<uint64_t> seen;
  const size_t words = static_cast<size_t>((m.size() + 63) / 64);
  if (seen.size() < words) seen.resize(words, 0);
  std::vector<int32_t> ids;
  ids.reserve(rows.size());
  for (int32_t row : rows) {
    uint64_t& word = seen[static_cast<size_t>(row) >> 6];
    const uint64_t bit = uint64_t{1} << (row & 63);
    if (word & bit) continue;
    word |= bit;
    ids.push_back(row);
  }
  for (int32_t row : ids) seen[static_cast<size_t>(row) >> 6] = 0;
  if (ids.size() >= 4096 && !std::is_sorted(ids.begin(), ids.end())) std::sort(ids.begin(), ids.end());

  const internal::PaddedQuery padded(w, m.stride());
  internal::TopKSelector top(std::min<int64_t>(k, static_cast<int64_t>(ids.size())));
  ScoreIds(m, padded.data(), ids, [&top](int32_t row, float score) {
    top.Push(ScoredItem{row, score});
  });
  return top.TakeSorted();
}

void ScoreRows(const ItemMatrix& m, absl::Span<const float> w, absl::Span<const int32_t> rows,
               absl::Span<float> out) {
  const internal::PaddedQuery padded(w, m.stride());
  size_t next = 0;
  ScoreIds(m, padded.data(), rows, [&out, &next](int32_t, float score) { out[next++] = score; });
}

}  // namespace chatrec::kernels
