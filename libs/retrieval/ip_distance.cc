#include "libs/retrieval/ip_distance.h"

#include "libs/kernels/kernels.h"

namespace chatrec::retrieval::internal {

float IpDistanceScalar(const void* a, const void* b, const void* dim_ptr) {
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  const size_t dim = *static_cast<const size_t*>(dim_ptr);
  float s = 0;
  for (size_t i = 0; i < dim; ++i) s += x[i] * y[i];
  return 1.0f - s;
}

IpDistanceFn ActiveIpDistance() {
  switch (kernels::ActiveIsa()) {
    case kernels::Isa::kAvx512:
      return IpDistanceAvx512;
    case kernels::Isa::kAvx2:
      return IpDistanceAvx2;
    default:
      return IpDistanceScalar;
  }
}

}  // namespace chatrec::retrieval::internal
