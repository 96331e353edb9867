// AVX2 + FMA kernels. Compiled with -mavx2 -mfma (see CMakeLists.txt) and only called after
// dispatch.cc has checked the CPU; same ODR rules as scan_avx512.cc (anonymous namespace, no
// headers with inline functions besides intrinsics).
//
// fp32: 8 rows at a time, one accumulator per row, then a hadd tree into one vector of 8 scores.
// int8: no VNNI at this level: VPMADDUBSW (u8 codes x s8 weights -> int16 pair sums) + VPMADDWD
// with ones. The query quantisation bounds every weight pair so the int16 sums never saturate;
// the int32 dot products are exactly those of the AVX-512 and scalar paths.
#include <immintrin.h>

#include <cstdint>

#include "libs/kernels/simd_kernels.h"

namespace chatrec::kernels::internal {
namespace {

// Software prefetch into L2, as in scan_avx512.cc (prefetches never fault past the end). Only the
// int8 scan uses it: on the AMD Zen 3 dev machine (AVX2, no AVX-512) the fp32 scan of 1M x 64
// reached ~0.78 of paired read bandwidth with it and ~1.0 without (presumably the hardware
// prefetcher keeps up with the sequential stream on its own), while the int8 scan was ~5% faster
// with it (noisy). Intel AVX2 parts were not measured.
constexpr int64_t kPrefetchBytes = 32 << 10;

inline void PrefetchAhead(const void* block, int64_t block_bytes) {
  const char* ahead = static_cast<const char*>(block) + kPrefetchBytes;
  for (int64_t off = 0; off < block_bytes; off += 64) _mm_prefetch(ahead + off, _MM_HINT_T1);
}

// Lane i of the result = horizontal sum of a[i]; every row takes the same path through the tree.
inline __m256 Reduce8(const __m256* a) {
  const __m256 h0123 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
  const __m256 h4567 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
  return _mm256_add_ps(_mm256_permute2f128_ps(h0123, h4567, 0x20),
                       _mm256_permute2f128_ps(h0123, h4567, 0x31));
}

// Scores of 8 rows; kChunks = stride / 8 (0: runtime `chunks`).
template <int kChunks, typename RowAt>
inline __m256 Score8(RowAt row_at, const float* w, int64_t chunks) {
  const int64_t n = kChunks > 0 ? kChunks : chunks;
  __m256 acc[8];
  for (int r = 0; r < 8; ++r) {
    const float* row = row_at(r);
    __m256 a = _mm256_mul_ps(_mm256_load_ps(row), _mm256_load_ps(w));
    for (int64_t c = 1; c < n; ++c) {
      a = _mm256_fmadd_ps(_mm256_load_ps(row + 8 * c), _mm256_load_ps(w + 8 * c), a);
    }
    acc[r] = a;
  }
  return Reduce8(acc);
}

inline int64_t EmitHits(__m256 scores, unsigned mask, int64_t row0, ScoredItem* hits) {
  alignas(32) float tmp[8];
  _mm256_store_ps(tmp, scores);
  int64_t n = 0;
  while (mask != 0) {
    const int i = __builtin_ctz(mask);
    hits[n++] = ScoredItem{static_cast<int32_t>(row0 + i), tmp[i]};
    mask &= mask - 1;
  }
  return n;
}

inline unsigned ValidRows8(int64_t row0, int64_t end) {
  const int64_t left = end - row0;
  return left >= 8 ? 0xFFu : left <= 0 ? 0u : (1u << left) - 1;
}

// Bias, threshold and emission for 8 scores starting at row0.
inline int64_t Finish8(__m256 s, const float* bias, int64_t row0, int64_t end, __m256 thr,
                       ScoredItem* hits) {
  if (bias != nullptr) s = _mm256_add_ps(s, _mm256_load_ps(bias + row0));
  const unsigned mask = static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(s, thr, _CMP_GT_OQ))) &
                        ValidRows8(row0, end);
  return mask != 0 ? EmitHits(s, mask, row0, hits) : 0;
}

// No software prefetch here (see PrefetchAhead); m.prefetch is ignored.
template <int kChunks>
int64_t ScanFp32Impl(const Fp32View& m, const float* w, int64_t begin, int64_t end,
                     float threshold, ScoredItem* hits) {
  const int64_t stride = m.stride;
  const __m256 thr = _mm256_set1_ps(threshold);
  int64_t n = 0;
  for (int64_t row0 = begin; row0 < end; row0 += 8) {
    const float* base = m.data + row0 * stride;
    const __m256 s = Score8<kChunks>([base, stride](int r) { return base + r * stride; }, w,
                                     stride / 8);
    n += Finish8(s, m.bias, row0, end, thr, hits + n);
  }
  return n;
}

int64_t ScanFp32(const Fp32View& m, const float* w, int64_t begin, int64_t end, float threshold,
                 ScoredItem* hits) {
  switch (m.stride / 8) {
    case 4:
      return ScanFp32Impl<4>(m, w, begin, end, threshold, hits);
    case 8:
      return ScanFp32Impl<8>(m, w, begin, end, threshold, hits);
    case 16:
      return ScanFp32Impl<16>(m, w, begin, end, threshold, hits);
    default:
      return ScanFp32Impl<0>(m, w, begin, end, threshold, hits);
  }
}

void GatherFp32(const Fp32View& m, const float* w, const int32_t* ids, int64_t count,
                float* scores) {
  const int64_t stride = m.stride;
  // Candidate rows are scattered over the matrix: ask for the next group's rows while this
  // group is scored, so their cache misses overlap with the arithmetic instead of stalling it.
  const int64_t row_bytes = stride * static_cast<int64_t>(sizeof(float));
  auto prefetch_group = [&](int64_t first) {
    const int64_t end = first + 8 < count ? first + 8 : count;
    for (int64_t r = first; r < end; ++r) {
      const char* row = reinterpret_cast<const char*>(m.data + int64_t{ids[r]} * stride);
      for (int64_t off = 0; off < row_bytes; off += 64) _mm_prefetch(row + off, _MM_HINT_T0);
    }
  };
  prefetch_group(0);
  for (int64_t i = 0; i < count; i += 8) {
    const int64_t len = count - i < 8 ? count - i : 8;
    prefetch_group(i + 8);
    const float* rows[8];
    for (int r = 0; r < 8; ++r) rows[r] = m.data + int64_t{ids[i + (r < len ? r : 0)]} * stride;
    const __m256 s = Score8<0>([&rows](int r) { return rows[r]; }, w, stride / 8);
    alignas(32) float tmp[8];
    _mm256_store_ps(tmp, s);
    for (int64_t r = 0; r < len; ++r) {
      scores[i + r] = m.bias != nullptr ? tmp[r] + m.bias[ids[i + r]] : tmp[r];
    }
  }
}

int64_t ScanInt8(const Int8View& m, const Int8Query& q, int64_t begin, int64_t end,
                 float threshold, ScoredItem* hits) {
  const int64_t groups = m.padded_dim / 4;
  const int64_t block_bytes = 16 * m.padded_dim;
  const __m256i correction = _mm256_set1_epi32(q.correction);
  const __m256i ones = _mm256_set1_epi16(1);
  const __m256 w_scale = _mm256_set1_ps(q.w_scale);
  const __m256 thr = _mm256_set1_ps(threshold);
  int64_t n = 0;
  for (int64_t row0 = begin; row0 < end; row0 += 16) {
    const uint8_t* codes = m.codes + (row0 / 16) * block_bytes;
    if (m.prefetch) PrefetchAhead(codes, block_bytes);
    // Rows 0..7 of the block are the first 32 bytes of each line, rows 8..15 the second.
    // VPMADDUBSW: per row, two int16 sums of (u8 code) x (s8 weight) pairs, exact because
    // |wq[2i]| + |wq[2i+1]| <= 128 (see Int8Query); VPMADDWD with ones adds them into int32.
    __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
    for (int64_t g = 0; g < groups; ++g) {
      int32_t w4;
      __builtin_memcpy(&w4, q.wq + 4 * g, sizeof(w4));
      const __m256i w = _mm256_set1_epi32(w4);
      const __m256i* line = reinterpret_cast<const __m256i*>(codes + g * 64);
      lo = _mm256_add_epi32(
          lo, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_load_si256(line), w), ones));
      hi = _mm256_add_epi32(
          hi, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_load_si256(line + 1), w), ones));
    }
    const __m256i dots[2] = {_mm256_sub_epi32(lo, correction), _mm256_sub_epi32(hi, correction)};
    for (int half = 0; half < 2; ++half) {
      const int64_t r0 = row0 + 8 * half;
      const __m256 scale = _mm256_mul_ps(_mm256_load_ps(m.scale + r0), w_scale);
      const __m256 bias = m.bias != nullptr ? _mm256_load_ps(m.bias + r0) : _mm256_setzero_ps();
      const __m256 s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots[half]), scale, bias);
      const unsigned mask =
          static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(s, thr, _CMP_GT_OQ))) &
          ValidRows8(r0, end);
      if (mask != 0) n += EmitHits(s, mask, r0, hits + n);
    }
  }
  return n;
}

}  // namespace

const KernelTable kAvx2Kernels = {&ScanFp32, &GatherFp32, &ScanInt8};

}  // namespace chatrec::kernels::internal
