// A synthetic catalogue and model for retrieval tests: clustered item vectors
// (libs/kernels/synthetic.h), one genre and one director per cluster, power-law
// popularity and a few cold-start items (popularity 0, vector ~0, but with KG facts).
#pragma once

#include <memory>
#include <string>

#include "libs/catalog/catalog.h"
#include "libs/model/model.h"

namespace chatrec::retrieval::testing {

struct TestWorldOptions {
  int64_t items = 5000;
  int dim = 16;
  int clusters = 20;
  int cold_every = 100;  // every n-th item is cold (0: none)
  uint32_t seed = 1;
};

struct TestWorld {
  std::unique_ptr<catalog::Catalog> catalog;
  std::shared_ptr<model::Model> model;  // version "test-<seed>"
};

TestWorld MakeTestWorld(const TestWorldOptions& options);

// Another model version for the same catalogue (different vectors), named `version`.
std::shared_ptr<model::Model> MakeTestModel(const catalog::Catalog& catalog, const TestWorldOptions& options,
                                            uint32_t seed, const std::string& version);

}  // namespace chatrec::retrieval::testing
