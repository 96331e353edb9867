// Plain data types shared by the public kernels API (kernels.h) and the ISA-specific kernel files.
//
// This header must stay free of inline functions and of any other header but <cstdint>: it is
// compiled into the AVX2 and AVX-512 translation units, and an inline function emitted there would
// be an ODR symbol carrying AVX-512 code that the linker may pick for every caller.
#pragma once

#include <cstdint>

namespace chatrec::kernels {

// SIMD levels, in increasing order of capability (a CPU that supports one supports those below).
enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// One scored row. row indexes the ItemMatrix.
struct ScoredItem {
  int32_t row;
  float score;
};

}  // namespace chatrec::kernels
