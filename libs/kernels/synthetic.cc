// Clustered synthetic data (see synthetic.h).
#include "libs/kernels/synthetic.h"

#include <cmath>
#include <cstdint>
#include <random>

namespace chatrec::kernels {
namespace {

// Normal deviates from a 64-bit generator: std::normal_distribution over mt19937 is the slow part
// of building 1M x 128 benchmark matrices, and statistical quality barely matters here.
class FastNormal {
 public:
  explicit FastNormal(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  float operator()() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    // Marsaglia's polar method.
    float u, v, s;
    do {
      u = Uniform() * 2.0f - 1.0f;
      v = Uniform() * 2.0f - 1.0f;
      s = u * u + v * v;
    } while (s >= 1.0f || s == 0.0f);
    const float f = std::sqrt(-2.0f * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }

 private:
  float Uniform() {  // splitmix64 -> [0, 1)
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
  }

  uint64_t state_;
  float spare_ = 0.0f;
  bool has_spare_ = false;
};

}  // namespace

SyntheticData MakeClusteredData(const SyntheticOptions& o) {
  FastNormal normal(o.seed);
  std::mt19937 rng(o.seed);
  const int clusters = o.clusters > 0 ? o.clusters : 1;
  std::uniform_int_distribution<int> pick(0, clusters - 1);
  std::vector<float> centres(static_cast<size_t>(clusters) * o.dim);
  for (float& c : centres) c = normal();

  SyntheticData d;
  d.dim = o.dim;
  d.items = o.items;
  d.rows.resize(static_cast<size_t>(o.items) * o.dim);
  d.bias.resize(static_cast<size_t>(o.items));
  d.cluster.resize(static_cast<size_t>(o.items));
  for (int64_t i = 0; i < o.items; ++i) {
    d.cluster[i] = pick(rng);
    const float* c = &centres[static_cast<size_t>(d.cluster[i]) * o.dim];
    const float norm = std::exp(o.norm_sigma * normal());
    float* row = &d.rows[static_cast<size_t>(i) * o.dim];
    for (int j = 0; j < o.dim; ++j) row[j] = norm * (c[j] + o.item_noise * normal());
    d.bias[i] = o.bias_scale * normal();
  }
  for (int q = 0; q < o.queries; ++q) {
    const float* c = &centres[static_cast<size_t>(pick(rng)) * o.dim];
    std::vector<float> w(static_cast<size_t>(o.dim));
    for (int j = 0; j < o.dim; ++j) w[j] = c[j] + o.item_noise * normal();
    d.queries.push_back(std::move(w));
  }
  return d;
}

}  // namespace chatrec::kernels
