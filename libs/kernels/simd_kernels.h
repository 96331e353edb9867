// Internal: the per-ISA kernel table. Each of scan_scalar.cc, scan_avx2.cc and scan_avx512.cc
// defines one table; dispatch.cc picks one at start-up.
//
// Like types.h, this header may contain only declarations and plain structs (no inline functions,
// no std containers): it is compiled with -mavx2/-mavx512* in the ISA files, and everything those
// files define besides the table lives in an anonymous namespace, so no AVX-512 code can end up in
// a symbol that baseline code shares.
#pragma once

#include <cstdint>

#include "libs/kernels/types.h"

namespace chatrec::kernels::internal {

// A view of ItemMatrix storage: row-major, `stride` floats per row (a multiple of 16, zero padded),
// row count padded to a multiple of 16 with zero rows, bias (if any) padded likewise.
struct Fp32View {
  const float* data;
  int64_t stride;
  const float* bias;  // nullptr: no bias
  bool prefetch;      // software-prefetch ahead of the scan (see ShouldPrefetch in internal.h)
};

// A view of QuantizedItemMatrix storage. Codes are u8 = q + 128 in blocks of 16 rows; inside a
// block, group g (dims 4g..4g+3) is one 64-byte line holding row r's 4 codes at bytes 4r..4r+3.
struct Int8View {
  const uint8_t* codes;
  int64_t padded_dim;  // multiple of 4; a block is 16 * padded_dim bytes
  const float* scale;  // per row
  const float* bias;   // nullptr: no bias
  bool prefetch;
};

// A query quantised for Int8View: w ≈ w_scale * wq; correction = 128 * sum(wq) undoes the +128.
// Every pair of dims (2i, 2i+1) has |wq[2i]| + |wq[2i+1]| <= 128, so u8 code pairs times wq pairs
// fit in int16 (the AVX2 kernel relies on it; see QuantizeQuery in quantized.cc).
struct Int8Query {
  const int8_t* wq;  // padded_dim entries, zero past dim
  int32_t correction;
  float w_scale;
};

// Scores rows [begin, end) (begin a multiple of 16, end <= padded row count) against w (stride
// floats, zero padded) and appends every (row, score) with score > threshold to hits (capacity
// end - begin), in row order. Returns the number appended.
using ScanFp32Fn = int64_t (*)(const Fp32View& m, const float* w, int64_t begin, int64_t end,
                               float threshold, ScoredItem* hits);
// scores[i] = score of row ids[i], bit-identical to what ScanFp32Fn computes for that row.
using GatherFp32Fn = void (*)(const Fp32View& m, const float* w, const int32_t* ids, int64_t count,
                              float* scores);
// Approximate scores (w_scale * scale_r * (codes·wq - correction) + bias) of rows [begin, end);
// same contract as ScanFp32Fn.
using ScanInt8Fn = int64_t (*)(const Int8View& m, const Int8Query& w, int64_t begin, int64_t end,
                               float threshold, ScoredItem* hits);

struct KernelTable {
  ScanFp32Fn scan_fp32;
  GatherFp32Fn gather_fp32;
  ScanInt8Fn scan_int8;
};

extern const KernelTable kScalarKernels;
extern const KernelTable kAvx2Kernels;
extern const KernelTable kAvx512Kernels;

// The table for ActiveIsa() (defined in dispatch.cc, baseline ISA).
const KernelTable& ActiveKernels();

}  // namespace chatrec::kernels::internal
