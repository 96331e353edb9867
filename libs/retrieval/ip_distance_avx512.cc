// Compiled with -mavx512f; only called when the CPU has it (see ip_distance.h).
#include <immintrin.h>

#include "libs/retrieval/ip_distance.h"

namespace chatrec::retrieval::internal {

float IpDistanceAvx512(const void* a, const void* b, const void* dim_ptr) {
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  const size_t dim = *static_cast<const size_t*>(dim_ptr);
  __m512 s = _mm512_setzero_ps();
  for (size_t i = 0; i < dim; i += 16) s = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), s);
  return 1.0f - _mm512_reduce_add_ps(s);
}

}  // namespace chatrec::retrieval::internal
