// Portable kernels (baseline x86-64 / any CPU): the fallback level and the tests' second opinion.
//
// Written so the compiler can vectorise with the baseline ISA without -ffast-math: 16 independent
// partial sums per row (one per lane of a 16-float chunk) instead of one serial sum.
#include <cstdint>

#include "libs/kernels/simd_kernels.h"

namespace chatrec::kernels::internal {
namespace {

float DotPadded(const float* row, const float* w, int64_t stride) {
  float lanes[16] = {};
  for (int64_t c = 0; c < stride; c += 16) {
    for (int l = 0; l < 16; ++l) lanes[l] += row[c + l] * w[c + l];
  }
  // Pairwise, so the rounding does not depend on the stride more than it must.
  for (int width = 8; width > 0; width /= 2) {
    for (int l = 0; l < width; ++l) lanes[l] += lanes[l + width];
  }
  return lanes[0];
}

int64_t ScanFp32(const Fp32View& m, const float* w, int64_t begin, int64_t end, float threshold,
                 ScoredItem* hits) {
  int64_t n = 0;
  for (int64_t r = begin; r < end; ++r) {
    float s = DotPadded(m.data + r * m.stride, w, m.stride);
    if (m.bias != nullptr) s += m.bias[r];
    if (s > threshold) hits[n++] = ScoredItem{static_cast<int32_t>(r), s};
  }
  return n;
}

void GatherFp32(const Fp32View& m, const float* w, const int32_t* ids, int64_t count,
                float* scores) {
  for (int64_t i = 0; i < count; ++i) {
    float s = DotPadded(m.data + int64_t{ids[i]} * m.stride, w, m.stride);
    if (m.bias != nullptr) s += m.bias[ids[i]];
    scores[i] = s;
  }
}

int64_t ScanInt8(const Int8View& m, const Int8Query& q, int64_t begin, int64_t end,
                 float threshold, ScoredItem* hits) {
  const int64_t groups = m.padded_dim / 4;
  int64_t n = 0;
  for (int64_t block = begin / 16; block * 16 < end; ++block) {
    const uint8_t* codes = m.codes + block * 16 * m.padded_dim;
    int32_t acc[16] = {};
    for (int64_t g = 0; g < groups; ++g) {
      const uint8_t* line = codes + g * 64;
      const int8_t* wg = q.wq + 4 * g;
      for (int r = 0; r < 16; ++r) {
        for (int t = 0; t < 4; ++t) acc[r] += int32_t{line[4 * r + t]} * int32_t{wg[t]};
      }
    }
    for (int r = 0; r < 16; ++r) {
      const int64_t row = block * 16 + r;
      if (row < begin || row >= end) continue;
      float s = static_cast<float>(acc[r] - q.correction) * (m.scale[row] * q.w_scale);
      if (m.bias != nullptr) s += m.bias[row];
      if (s > threshold) hits[n++] = ScoredItem{static_cast<int32_t>(row), s};
    }
  }
  return n;
}

}  // namespace

const KernelTable kScalarKernels = {&ScanFp32, &GatherFp32, &ScanInt8};

}  // namespace chatrec::kernels::internal
