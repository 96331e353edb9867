// Trains a model version: item embeddings by implicit ALS (Hu, Koren & Volinsky
// 2008) on the behaviour histories, entity embeddings as the centroids of the
// items linked to each KG entity, popularity as the item bias, and A, B, C as
// scaled identities (a learned A, B, C is the next step: see issue 3).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"
#include "libs/model/model.h"
#include "libs/model/user_encoder.h"

namespace chatrec::model {

struct TrainOptions {
  int dim = 32;
  int iterations = 10;
  float lambda = 1.0f;        // ridge term
  float alpha = 10.0f;        // confidence scale: c = 1 + alpha * strength
  float need_weight = 1.0f;   // B = need_weight * I
  float kg_weight = 0.5f;     // C = kg_weight * I
  float bias_weight = 0.05f;  // b = bias_weight * log1p(pop) / log1p(max pop)
  uint64_t seed = 42;
  int threads = 2;
};

// One (user, item) interaction; several events on the same pair are summed first.
struct Interaction {
  int32_t user = 0;  // dense user index
  int32_t row = 0;   // catalogue row
  Signal signal;
};

// Called after each iteration with the weighted squared loss per interaction.
using TrainProgressFn = std::function<void(int iteration, int iterations, double loss)>;

absl::StatusOr<Model> TrainModel(const catalog::Catalog& catalog, int32_t num_users,
                                 const std::vector<Interaction>& interactions, const TrainOptions& options,
                                 const TrainProgressFn& progress = nullptr);

}  // namespace chatrec::model
