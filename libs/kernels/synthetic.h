// Synthetic item and query vectors with the structure real embeddings have, for tests, benchmarks
// and `chatrec bench`: items scattered around cluster centres (genres, tastes) with log-normal
// norms (popularity), small biases, and queries near one centre. This is the hard case for the
// quantised first pass: many items score close to each other near the top.
#pragma once

#include <cstdint>
#include <vector>

namespace chatrec::kernels {

struct SyntheticData {
  int dim = 0;
  int64_t items = 0;
  std::vector<float> rows;                  // items * dim, row-major
  std::vector<float> bias;                  // items
  std::vector<int32_t> cluster;             // items: the centre each item was drawn around
  std::vector<std::vector<float>> queries;  // each dim floats
};

struct SyntheticOptions {
  int64_t items = 10'000;
  int dim = 64;
  int clusters = 100;
  int queries = 16;
  float item_noise = 0.5f;   // std-dev around the centre (centres are N(0, 1) per dimension)
  float norm_sigma = 0.3f;   // log-normal spread of item norms
  float bias_scale = 0.05f;  // std-dev of the item bias
  uint32_t seed = 1;
};

// Deterministic for given options (same seed, same data).
SyntheticData MakeClusteredData(const SyntheticOptions& options);

}  // namespace chatrec::kernels
