// Inner-product "distance" functions (1 - x·y) for hnswlib, with the SIMD level chosen at run
// time. hnswlib 0.6.2 picks its own kernels at compile time from -mavx/-mavx512f, which would
// either tie the binary to this CPU or leave it on SSE; these follow libs/kernels' dispatch
// (CHATREC_KERNEL_ISA applies). Vectors are padded with zeros to a multiple of 16 floats.
#pragma once

#include <cstddef>

namespace chatrec::retrieval::internal {

using IpDistanceFn = float (*)(const void* a, const void* b, const void* dim_ptr);

// `*dim_ptr` (size_t) is a multiple of 16.
float IpDistanceScalar(const void* a, const void* b, const void* dim_ptr);
float IpDistanceAvx2(const void* a, const void* b, const void* dim_ptr);    // ip_distance_avx2.cc
float IpDistanceAvx512(const void* a, const void* b, const void* dim_ptr);  // ip_distance_avx512.cc

// The best function for the active ISA (kernels::ActiveIsa()).
IpDistanceFn ActiveIpDistance();

}  // namespace chatrec::retrieval::internal
