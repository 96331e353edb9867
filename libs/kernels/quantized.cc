// int8 copy of the item matrix and the quantised top-k: approximate first pass, exact rescoring.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "libs/kernels/internal.h"
#include "libs/kernels/kernels.h"
#include "libs/kernels/simd_kernels.h"

namespace chatrec::kernels {
namespace {

// Symmetric int8 with the scale chosen so the largest |value| maps to 127 (no clipping).
float ScaleFor(const float* v, int n) {
  float max_abs = 0.0f;
  for (int j = 0; j < n; ++j) max_abs = std::max(max_abs, std::fabs(v[j]));
  return max_abs > 0.0f ? max_abs / 127.0f : 1.0f;
}

int8_t Quantize(float v, float inv_scale) {
  const float q = std::nearbyint(v * inv_scale);
  return static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
}

// w ≈ w_scale * wq; the kernels add back 128 * sum(wq) (see Int8Query). The scale bounds every
// pair of neighbouring dims (2i, 2i+1), not just every dim: |wq[2i]| + |wq[2i+1]| <= 128 (127 plus
// at most one step of rounding), so each wq is in [-127, 127] and the AVX2 kernel's VPMADDUBSW
// pair sums, code0 * wq0 + code1 * wq1 with codes in [0, 255], stay within 255 * 128 = 32640 and
// never saturate int16. Every ISA level uses this same query, so their int32 dot products agree.
struct QuantizedQuery {
  std::vector<int8_t> wq;
  internal::Int8Query view;
};

QuantizedQuery QuantizeQuery(absl::Span<const float> w, int padded_dim) {
  QuantizedQuery q;
  q.wq.assign(static_cast<size_t>(padded_dim), 0);
  float max_pair = 0.0f;
  for (size_t j = 0; j < w.size(); j += 2) {
    const float next = j + 1 < w.size() ? std::fabs(w[j + 1]) : 0.0f;
    max_pair = std::max(max_pair, std::fabs(w[j]) + next);
  }
  const float scale = max_pair > 0.0f ? max_pair / 127.0f : 1.0f;
  int32_t sum = 0;
  for (size_t j = 0; j < w.size(); ++j) {
    q.wq[j] = Quantize(w[j], 1.0f / scale);
    sum += q.wq[j];
  }
  q.view = internal::Int8Query{q.wq.data(), 128 * sum, scale};
  return q;
}

bool Compatible(const QuantizedItemMatrix& q, const ItemMatrix& exact, absl::Span<const float> w) {
  return q.size() == exact.size() && q.dim() == exact.dim() &&
         static_cast<int64_t>(w.size()) == exact.dim();
}

std::vector<ScoredItem> ApproxTopK(const QuantizedItemMatrix& q, absl::Span<const float> w,
                                   int64_t k, int num_threads, bool sorted) {
  const QuantizedQuery query = QuantizeQuery(w, q.padded_dim());
  const internal::Int8View view{q.codes(), q.padded_dim(), q.scales(), q.bias_data(),
                                internal::ShouldPrefetch(q.scan_bytes())};
  const internal::KernelTable& kernels = internal::ActiveKernels();
  return internal::ParallelTopK(
      q.size(), k, num_threads,
      [&](int64_t begin, int64_t end, float threshold, ScoredItem* hits) {
        return kernels.scan_int8(view, query.view, begin, end, threshold, hits);
      },
      sorted);
}

}  // namespace

absl::StatusOr<QuantizedItemMatrix> QuantizedItemMatrix::Create(const ItemMatrix& exact) {
  QuantizedItemMatrix q;
  q.dim_ = exact.dim();
  q.padded_dim_ = static_cast<int>(internal::RoundUp(exact.dim(), 4));
  q.rows_ = exact.size();
  const int64_t padded_rows = internal::RoundUp(exact.size(), ItemMatrix::kRowBlock);
  const size_t code_bytes = static_cast<size_t>(padded_rows * q.padded_dim_);
  q.codes_.reset(static_cast<uint8_t*>(internal::AlignedAlloc(code_bytes)));
  q.scale_.reset(static_cast<float*>(internal::AlignedAlloc(sizeof(float) * padded_rows)));
  if (q.codes_ == nullptr || q.scale_ == nullptr) {
    return absl::ResourceExhaustedError("cannot allocate quantised item matrix");
  }
  std::memset(q.codes_.get(), 128, code_bytes);  // code 128 = value 0 (padding dims and rows)
  std::fill_n(q.scale_.get(), padded_rows, 0.0f);

  const int64_t block_bytes = 16 * int64_t{q.padded_dim_};
  for (int64_t r = 0; r < exact.size(); ++r) {
    const float* y = exact.row_data(r);
    const float scale = ScaleFor(y, exact.dim());
    q.scale_.get()[r] = scale;
    uint8_t* block = q.codes_.get() + (r / 16) * block_bytes;
    for (int j = 0; j < exact.dim(); ++j) {
      // Line j/4 of the block, row r%16's 4 bytes, byte j%4.
      block[(j / 4) * 64 + (r % 16) * 4 + (j % 4)] =
          static_cast<uint8_t>(Quantize(y[j], 1.0f / scale) + 128);
    }
  }
  if (exact.has_bias()) {
    q.bias_.reset(static_cast<float*>(internal::AlignedAlloc(sizeof(float) * padded_rows)));
    if (q.bias_ == nullptr) return absl::ResourceExhaustedError("cannot allocate item bias");
    std::copy_n(exact.bias_data(), padded_rows, q.bias_.get());
  }
  return q;
}

int64_t QuantizedItemMatrix::scan_bytes() const {
  return rows_ * (padded_dim_ + static_cast<int64_t>(sizeof(float))) +
         (bias_ ? rows_ * static_cast<int64_t>(sizeof(float)) : 0);
}

int64_t QuantizedCandidates(int64_t k, int oversample, int64_t n) {
  return std::min(n, std::max(k * std::max(oversample, 1), k + 32));
}

std::vector<ScoredItem> TopKQuantized(const QuantizedItemMatrix& q, const ItemMatrix& exact,
                                      absl::Span<const float> w, int k, int oversample,
                                      int num_threads) {
  if (k <= 0 || q.size() == 0 || !Compatible(q, exact, w)) return {};
  const int64_t candidates = QuantizedCandidates(k, oversample, q.size());
  // Unsorted: the candidates are rescored and re-selected anyway.
  std::vector<ScoredItem> first = ApproxTopK(q, w, candidates, num_threads, /*sorted=*/false);

  // Exact rescoring with the same kernel TopK uses, so ties and rounding match TopK exactly.
  std::vector<int32_t> ids(first.size());
  for (size_t i = 0; i < first.size(); ++i) ids[i] = first[i].row;
  std::sort(ids.begin(), ids.end());
  std::vector<float> scores(ids.size());
  ScoreRows(exact, w, ids, absl::MakeSpan(scores));
  internal::TopKSelector top(std::min<int64_t>(k, static_cast<int64_t>(ids.size())));
  for (size_t i = 0; i < ids.size(); ++i) top.Push(ScoredItem{ids[i], scores[i]});
  return top.TakeSorted();
}

std::vector<ScoredItem> TopKQuantizedApprox(const QuantizedItemMatrix& q,
                                            absl::Span<const float> w, int k, int num_threads) {
  if (k <= 0 || q.size() == 0 || static_cast<int64_t>(w.size()) != q.dim()) return {};
  return ApproxTopK(q, w, std::min<int64_t>(k, q.size()), num_threads, /*sorted=*/true);
}

}  // namespace chatrec::kernels
