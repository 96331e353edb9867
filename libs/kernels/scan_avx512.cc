// AVX-512 kernels (F/BW/VL/VNNI). Compiled with -mavx512* (see CMakeLists.txt) and only called
// after dispatch.cc has checked the CPU. Everything but the exported table is in an anonymous
// namespace, and the only headers are intrinsics and plain-data ones, so no AVX-512 code can leak
// into a symbol baseline code shares (ODR).
//
// fp32: 16 rows at a time, one accumulator per row over its 64-byte chunks, then a shuffle tree
// turns the 16 accumulators into one vector of 16 scores. The tree treats every row the same way,
// so a row's score does not depend on which block position it had: the gather kernel reproduces
// the scan's scores bit for bit (TopKQuantized relies on this to agree with TopK).
// int8: VPDPBUSD over 16-row x 4-dim lines, giving 16 row sums per instruction, no reduction.
#include <immintrin.h>

#include <cstdint>

#include "libs/kernels/simd_kernels.h"

namespace chatrec::kernels::internal {
namespace {

// Software prefetch into L2 this far ahead of the scan (only for DRAM-sized scans, see
// ShouldPrefetch). The hardware prefetchers alone left the fp32 scan at ~85% of a plain streaming
// sum on this machine; 32 KB ahead (8 blocks at d = 64) brought it to ~93-100%. L2 (T1) rather
// than L1: the lines are consumed once.
constexpr int64_t kPrefetchBytes = 32 << 10;

inline void PrefetchAhead(const void* block, int64_t block_bytes) {
  const char* ahead = static_cast<const char*>(block) + kPrefetchBytes;
  for (int64_t off = 0; off < block_bytes; off += 64) _mm_prefetch(ahead + off, _MM_HINT_T1);
}

// Lane i of the result = horizontal sum of a[i].
inline __m512 Reduce16(const __m512* a) {
  __m512 t[8];
  for (int i = 0; i < 8; ++i) {  // per 128-bit lane: pairs (e0+e2, e1+e3) of two rows
    t[i] = _mm512_add_ps(_mm512_unpacklo_ps(a[2 * i], a[2 * i + 1]),
                         _mm512_unpackhi_ps(a[2 * i], a[2 * i + 1]));
  }
  __m512 u[4];
  for (int i = 0; i < 4; ++i) {  // per 128-bit lane: the lane's sum for 4 rows
    const __m512d lo = _mm512_unpacklo_pd(_mm512_castps_pd(t[2 * i]), _mm512_castps_pd(t[2 * i + 1]));
    const __m512d hi = _mm512_unpackhi_pd(_mm512_castps_pd(t[2 * i]), _mm512_castps_pd(t[2 * i + 1]));
    u[i] = _mm512_add_ps(_mm512_castpd_ps(lo), _mm512_castpd_ps(hi));
  }
  // Lanes (0+1) and (2+3) for rows 0-7 and 8-15, then the final pairing puts rows in order.
  const __m512 v01 = _mm512_add_ps(_mm512_shuffle_f32x4(u[0], u[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_f32x4(u[0], u[1], _MM_SHUFFLE(3, 1, 3, 1)));
  const __m512 v23 = _mm512_add_ps(_mm512_shuffle_f32x4(u[2], u[3], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_f32x4(u[2], u[3], _MM_SHUFFLE(3, 1, 3, 1)));
  return _mm512_add_ps(_mm512_shuffle_f32x4(v01, v23, _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_f32x4(v01, v23, _MM_SHUFFLE(3, 1, 3, 1)));
}

// Scores of 16 rows (row_at(r) = start of row r); kChunks = stride / 16, or 0 for "use chunks".
template <int kChunks, typename RowAt>
inline __m512 Score16(RowAt row_at, const float* w, int64_t chunks) {
  const int64_t n = kChunks > 0 ? kChunks : chunks;
  __m512 acc[16];
  for (int r = 0; r < 16; ++r) {
    const float* row = row_at(r);
    __m512 a = _mm512_mul_ps(_mm512_load_ps(row), _mm512_load_ps(w));
    for (int64_t c = 1; c < n; ++c) {
      a = _mm512_fmadd_ps(_mm512_load_ps(row + 16 * c), _mm512_load_ps(w + 16 * c), a);
    }
    acc[r] = a;
  }
  return Reduce16(acc);
}

// Appends the rows of `mask` (bit i = row0 + i) with their scores to hits.
inline int64_t EmitHits(__m512 scores, __mmask16 mask, int64_t row0, ScoredItem* hits) {
  alignas(64) float tmp[16];
  _mm512_store_ps(tmp, scores);
  int64_t n = 0;
  unsigned bits = mask;
  while (bits != 0) {
    const int i = __builtin_ctz(bits);
    hits[n++] = ScoredItem{static_cast<int32_t>(row0 + i), tmp[i]};
    bits &= bits - 1;
  }
  return n;
}

inline __mmask16 ValidRows(int64_t row0, int64_t end) {
  const int64_t left = end - row0;
  return left >= 16 ? __mmask16{0xFFFF} : static_cast<__mmask16>((1u << left) - 1);
}

template <int kChunks>
int64_t ScanFp32Impl(const Fp32View& m, const float* w, int64_t begin, int64_t end,
                     float threshold, ScoredItem* hits) {
  const int64_t stride = m.stride;
  const __m512 thr = _mm512_set1_ps(threshold);
  int64_t n = 0;
  for (int64_t row0 = begin; row0 < end; row0 += 16) {
    const float* base = m.data + row0 * stride;
    if (m.prefetch) PrefetchAhead(base, 16 * stride * static_cast<int64_t>(sizeof(float)));
    __m512 s = Score16<kChunks>([base, stride](int r) { return base + r * stride; }, w,
                                stride / 16);
    if (m.bias != nullptr) s = _mm512_add_ps(s, _mm512_load_ps(m.bias + row0));
    const __mmask16 mask = _mm512_cmp_ps_mask(s, thr, _CMP_GT_OQ) & ValidRows(row0, end);
    if (mask != 0) n += EmitHits(s, mask, row0, hits + n);
  }
  return n;
}

int64_t ScanFp32(const Fp32View& m, const float* w, int64_t begin, int64_t end, float threshold,
                 ScoredItem* hits) {
  switch (m.stride / 16) {  // the common model dimensions get fully unrolled loops
    case 2:
      return ScanFp32Impl<2>(m, w, begin, end, threshold, hits);
    case 4:
      return ScanFp32Impl<4>(m, w, begin, end, threshold, hits);
    case 8:
      return ScanFp32Impl<8>(m, w, begin, end, threshold, hits);
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
    const int64_t end = first + 16 < count ? first + 16 : count;
    for (int64_t r = first; r < end; ++r) {
      const char* row = reinterpret_cast<const char*>(m.data + int64_t{ids[r]} * stride);
      for (int64_t off = 0; off < row_bytes; off += 64) _mm_prefetch(row + off, _MM_HINT_T0);
    }
  };
  prefetch_group(0);
  for (int64_t i = 0; i < count; i += 16) {
    const int64_t len = count - i < 16 ? count - i : 16;
    prefetch_group(i + 16);
    const float* rows[16];
    // A short last group repeats its first row: valid memory, results discarded.
    for (int r = 0; r < 16; ++r) rows[r] = m.data + int64_t{ids[i + (r < len ? r : 0)]} * stride;
    const __m512 s = Score16<0>([&rows](int r) { return rows[r]; }, w, stride / 16);
    alignas(64) float tmp[16];
    _mm512_store_ps(tmp, s);
    for (int64_t r = 0; r < len; ++r) {
      // Same single rounding as the scan's vector add, so scores stay bit-identical.
      scores[i + r] = m.bias != nullptr ? tmp[r] + m.bias[ids[i + r]] : tmp[r];
    }
  }
}

int64_t ScanInt8(const Int8View& m, const Int8Query& q, int64_t begin, int64_t end,
                 float threshold, ScoredItem* hits) {
  const int64_t groups = m.padded_dim / 4;
  const int64_t block_bytes = 16 * m.padded_dim;
  const __m512i correction = _mm512_set1_epi32(q.correction);
  const __m512 w_scale = _mm512_set1_ps(q.w_scale);
  const __m512 thr = _mm512_set1_ps(threshold);
  int64_t n = 0;
  for (int64_t row0 = begin; row0 < end; row0 += 16) {
    const uint8_t* codes = m.codes + (row0 / 16) * block_bytes;
    if (m.prefetch) PrefetchAhead(codes, block_bytes);
    // Four accumulators keep four VPDPBUSD chains in flight (its latency is ~5 cycles).
    __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
    __m512i acc2 = _mm512_setzero_si512(), acc3 = _mm512_setzero_si512();
    int64_t g = 0;
    for (; g + 4 <= groups; g += 4) {
      int32_t w4[4];
      __builtin_memcpy(w4, q.wq + 4 * g, sizeof(w4));
      const uint8_t* line = codes + g * 64;
      acc0 = _mm512_dpbusd_epi32(acc0, _mm512_load_si512(line), _mm512_set1_epi32(w4[0]));
      acc1 = _mm512_dpbusd_epi32(acc1, _mm512_load_si512(line + 64), _mm512_set1_epi32(w4[1]));
      acc2 = _mm512_dpbusd_epi32(acc2, _mm512_load_si512(line + 128), _mm512_set1_epi32(w4[2]));
      acc3 = _mm512_dpbusd_epi32(acc3, _mm512_load_si512(line + 192), _mm512_set1_epi32(w4[3]));
    }
    for (; g < groups; ++g) {
      int32_t w1;
      __builtin_memcpy(&w1, q.wq + 4 * g, sizeof(w1));
      acc0 = _mm512_dpbusd_epi32(acc0, _mm512_load_si512(codes + g * 64), _mm512_set1_epi32(w1));
    }
    const __m512i dot = _mm512_sub_epi32(
        _mm512_add_epi32(_mm512_add_epi32(acc0, acc1), _mm512_add_epi32(acc2, acc3)), correction);
    const __m512 scale = _mm512_mul_ps(_mm512_load_ps(m.scale + row0), w_scale);
    const __m512 bias = m.bias != nullptr ? _mm512_load_ps(m.bias + row0) : _mm512_setzero_ps();
    const __m512 s = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, bias);
    const __mmask16 mask = _mm512_cmp_ps_mask(s, thr, _CMP_GT_OQ) & ValidRows(row0, end);
    if (mask != 0) n += EmitHits(s, mask, row0, hits + n);
  }
  return n;
}

}  // namespace

const KernelTable kAvx512Kernels = {&ScanFp32, &GatherFp32, &ScanInt8};

}  // namespace chatrec::kernels::internal
