// ItemMatrix: the padded row-major fp32 storage the kernels stream over, and its allocator.
#include <sys/mman.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "libs/kernels/internal.h"
#include "libs/kernels/kernels.h"

namespace chatrec::kernels {
namespace internal {

void* AlignedAlloc(size_t bytes) {
  // Big matrices get 2 MB alignment and transparent huge pages: a full scan touches every page,
  // and 4 KB pages cost a TLB miss per 4 KB streamed.
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t align = bytes >= kHuge ? kHuge : 64;
  const size_t rounded = (bytes + align - 1) / align * align;
  void* p = std::aligned_alloc(align, rounded == 0 ? align : rounded);
  if (p != nullptr && align == kHuge) madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

}  // namespace internal

void AlignedFree::operator()(void* p) const { std::free(p); }

absl::StatusOr<ItemMatrix> ItemMatrix::Create(int dim, absl::Span<const float> rows,
                                              absl::Span<const float> bias) {
  if (dim <= 0) return absl::InvalidArgumentError(absl::StrCat("dim must be > 0, got ", dim));
  if (rows.size() % static_cast<size_t>(dim) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("rows has ", rows.size(), " floats, not a multiple of dim ", dim));
  }
  const int64_t n = static_cast<int64_t>(rows.size() / static_cast<size_t>(dim));
  // Row ids are int32 in ScoredItem; keep the padded count representable too.
  if (n > std::numeric_limits<int32_t>::max() - kRowBlock) {
    return absl::InvalidArgumentError(absl::StrCat(n, " rows is more than int32 ids can name"));
  }
  if (!bias.empty() && static_cast<int64_t>(bias.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("bias has ", bias.size(), " entries for ", n, " rows"));
  }
  // Finite inputs keep scores finite, which the threshold filter of the top-k scan relies on.
  for (float v : rows) {
    if (!std::isfinite(v)) return absl::InvalidArgumentError("item vectors contain NaN or inf");
  }
  for (float v : bias) {
    if (!std::isfinite(v)) return absl::InvalidArgumentError("item bias contains NaN or inf");
  }

  ItemMatrix m;
  m.dim_ = dim;
  m.stride_ = internal::RoundUp(dim, 16);
  m.rows_ = n;
  const int64_t padded_rows = internal::RoundUp(n, kRowBlock);
  const size_t bytes = static_cast<size_t>(padded_rows * m.stride_) * sizeof(float);
  m.data_.reset(static_cast<float*>(internal::AlignedAlloc(bytes)));
  if (m.data_ == nullptr) return absl::ResourceExhaustedError("cannot allocate item matrix");
  float* data = m.data_.get();
  std::memset(data, 0, bytes);
  for (int64_t r = 0; r < n; ++r) {
    std::memcpy(data + r * m.stride_, rows.data() + r * dim, sizeof(float) * dim);
  }
  if (!bias.empty()) {
    m.bias_.reset(static_cast<float*>(internal::AlignedAlloc(sizeof(float) * padded_rows)));
    if (m.bias_ == nullptr) return absl::ResourceExhaustedError("cannot allocate item bias");
    std::memset(m.bias_.get(), 0, sizeof(float) * padded_rows);
    std::memcpy(m.bias_.get(), bias.data(), sizeof(float) * n);
  }
  return m;
}

int64_t ItemMatrix::scan_bytes() const {
  return rows_ * stride_ * static_cast<int64_t>(sizeof(float)) +
         (bias_ ? rows_ * static_cast<int64_t>(sizeof(float)) : 0);
}

void ItemMatrix::CopyRow(int64_t row, float* out) const {
  std::memcpy(out, row_data(row), sizeof(float) * dim_);
}

float Dot(const ItemMatrix& m, int64_t row, absl::Span<const float> v) {
  // Double accumulation: explanations want each term accurate, not fast.
  const float* y = m.row_data(row);
  double sum = 0;
  for (int j = 0; j < m.dim(); ++j) sum += double{y[j]} * double{v[j]};
  return static_cast<float>(sum);
}

}  // namespace chatrec::kernels
