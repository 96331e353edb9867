// Scoring kernels for Chat-Rec: w·y_i (+ b_i) over an item matrix, fused with top-k selection.
//
// The scoring service folds the bilinear model into one vector w per request, so a request is one
// pass of dot products over the catalogue (or over a candidate subset). Exact scoring of 1M items is
// memory-bound, so the layout is built for streaming and the quantised path reads ~3.5x fewer bytes.
//
// SIMD level (AVX-512 VNNI, AVX2+FMA, portable scalar) is picked once at start-up from the CPU and
// can be forced with SetIsaOverride() or the env var CHATREC_KERNEL_ISA=scalar|avx2|avx512.
//
// Thread-safety: ItemMatrix and QuantizedItemMatrix are immutable after Create(); all free functions
// may be called concurrently on the same matrices. SetIsaOverride() is meant for tests and start-up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "libs/kernels/types.h"

namespace chatrec::kernels {

// ---------------------------------------------------------------------------------------------
// Dispatch.

// The level dispatch picked (CPU detection, then CHATREC_KERNEL_ISA, then SetIsaOverride()).
Isa ActiveIsa();
// Best level this CPU and OS support.
Isa DetectedIsa();
// "scalar", "avx2", "avx512".
const char* IsaName(Isa isa);
// Parses the names IsaName() returns. InvalidArgument for anything else.
absl::StatusOr<Isa> ParseIsa(const char* name);
// Forces a level for later calls (all threads). FailedPrecondition if the CPU lacks it.
absl::Status SetIsaOverride(Isa isa);

// ---------------------------------------------------------------------------------------------
// Item matrix.

// Frees memory from AlignedAlloc (64-byte aligned; 2 MB aligned and THP-advised when large).
struct AlignedFree {
  void operator()(void* p) const;
};

// N item vectors of dimension d, plus an optional per-item bias.
// Layout: row-major, each row padded with zeros to a multiple of 16 floats (one 64-byte cache line
// per 16 floats) and the row count padded to a multiple of 16 with zero rows. Row-major rather than
// blocked SoA because the scoring service also scores candidate subsets: a gathered row is then
// d/16 whole cache lines instead of one float from each of d lines.
class ItemMatrix {
 public:
  static constexpr int kRowBlock = 16;  // rows per SIMD block; storage is padded to this

  // rows: N*dim floats, row-major. bias: N floats or empty (score = w·y + bias[row]).
  // InvalidArgument on dim <= 0, a size mismatch, N >= 2^31, or non-finite values.
  static absl::StatusOr<ItemMatrix> Create(int dim, absl::Span<const float> rows,
                                           absl::Span<const float> bias = {});

  ItemMatrix(ItemMatrix&&) noexcept = default;
  ItemMatrix& operator=(ItemMatrix&&) noexcept = default;

  int64_t size() const { return rows_; }
  int dim() const { return dim_; }
  // Floats between consecutive rows (dim rounded up to 16).
  int64_t stride() const { return stride_; }
  bool has_bias() const { return bias_ != nullptr; }
  // Bytes a full scan reads (matrix plus bias).
  int64_t scan_bytes() const;

  // Copies row `row` (dim floats) to out. Precondition: 0 <= row < size().
  void CopyRow(int64_t row, float* out) const;
  float Bias(int64_t row) const { return bias_ ? bias_.get()[row] : 0.0f; }
  // Start of row `row` (stride() floats, zero-padded past dim()).
  const float* row_data(int64_t row) const { return data_.get() + row * stride_; }
  // Padded bias array (size rounded up to 16) or nullptr.
  const float* bias_data() const { return bias_.get(); }

 private:
  ItemMatrix() = default;

  int dim_ = 0;
  int64_t stride_ = 0;
  int64_t rows_ = 0;
  std::unique_ptr<float, AlignedFree> data_;
  std::unique_ptr<float, AlignedFree> bias_;
};

// ---------------------------------------------------------------------------------------------
// Exact fp32 scoring.

// Top k rows by w·y + bias, sorted by score descending, ties by smaller row first.
// Scoring and selection are fused (a small per-thread candidate buffer, no N-float score array).
// num_threads: 0 = auto (1 thread below kParallelMinRows rows, else the hardware's cores).
// Returns an empty vector if k <= 0 or w.size() != m.dim(); min(k, N) items otherwise.
std::vector<ScoredItem> TopK(const ItemMatrix& m, absl::Span<const float> w, int k,
                             int num_threads = 0);

// Same over the given rows only (gather). Duplicate ids are scored once.
// InvalidArgument if an id is outside [0, N) or w.size() != m.dim(); k <= 0 gives an empty result.
absl::StatusOr<std::vector<ScoredItem>> TopKSubset(const ItemMatrix& m, absl::Span<const float> w,
                                                   absl::Span<const int32_t> rows, int k);

// Scores of the given rows, in the given order, bit-identical to what TopK computes for them at the
// active ISA. Precondition: ids valid, w.size() == m.dim(), out.size() == rows.size().
void ScoreRows(const ItemMatrix& m, absl::Span<const float> w, absl::Span<const int32_t> rows,
               absl::Span<float> out);

// Plain y_row·v without bias (per-term contributions for explanations). Precondition: sizes match.
float Dot(const ItemMatrix& m, int64_t row, absl::Span<const float> v);

// Below this many rows TopK/TopKQuantized use one thread when num_threads == 0: starting a thread
// costs tens of microseconds, about what scanning 200k fp32 rows saves on a second core.
inline constexpr int64_t kParallelMinRows = 200'000;

// ---------------------------------------------------------------------------------------------
// Quantised first pass.

// int8 copy of an ItemMatrix: per-row scale s_i = max|y_ij| / 127, codes stored as u8 (q + 128) in
// blocks of 16 rows x 4 dims (one 64-byte line per VNNI instruction). Bytes per row: ceil(d/4)*4 + 4
// (+4 with bias), against 4*round16(d) for fp32: 68 vs 256 at d = 64.
class QuantizedItemMatrix {
 public:
  static absl::StatusOr<QuantizedItemMatrix> Create(const ItemMatrix& exact);

  QuantizedItemMatrix(QuantizedItemMatrix&&) noexcept = default;
  QuantizedItemMatrix& operator=(QuantizedItemMatrix&&) noexcept = default;

  int64_t size() const { return rows_; }
  int dim() const { return dim_; }
  // dim rounded up to 4 (bytes per row in the code array).
  int padded_dim() const { return padded_dim_; }
  int64_t scan_bytes() const;

  const uint8_t* codes() const { return codes_.get(); }
  const float* scales() const { return scale_.get(); }
  const float* bias_data() const { return bias_.get(); }

 private:
  QuantizedItemMatrix() = default;

  int dim_ = 0;
  int padded_dim_ = 0;
  int64_t rows_ = 0;
  std::unique_ptr<uint8_t, AlignedFree> codes_;
  std::unique_ptr<float, AlignedFree> scale_;
  std::unique_ptr<float, AlignedFree> bias_;
};

// Candidate count of the first pass: max(k * oversample, k + 32), at most N.
int64_t QuantizedCandidates(int64_t k, int oversample, int64_t n);

// int8 scan keeping the best QuantizedCandidates(k, oversample, N) rows by approximate score, then
// exact fp32 rescoring of those (ScoreRows) and the top k of them, with TopK's order and ties.
// `q` must have been created from `exact`. Same empty-result rules as TopK.
std::vector<ScoredItem> TopKQuantized(const QuantizedItemMatrix& q, const ItemMatrix& exact,
                                      absl::Span<const float> w, int k, int oversample = 4,
                                      int num_threads = 0);

// The approximate first pass alone (no rescoring): top k by int8 score, scores approximate.
std::vector<ScoredItem> TopKQuantizedApprox(const QuantizedItemMatrix& q,
                                            absl::Span<const float> w, int k,
                                            int num_threads = 0);

}  // namespace chatrec::kernels
