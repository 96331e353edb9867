// Trains a model version: item embeddings by implicit ALS (Hu, Koren & Volinsky
// 2008) on the behaviour histories, entity embeddings as the centroids of the
// items linked to each KG entity, a popularity prior as the item bias, and A, B, C
// as scaled identities.
//
// With validation_fraction > 0 the trainer first holds out, per user, that share of
// the liked items (seeded), trains on the rest while logging the loss and the
// validation NDCG@10 of every iteration, stops early when NDCG@10 has not improved
// for `patience` iterations, then tunes the scales of B, C and the bias on the held-out
// items (the users' q and h formed as in offline_context.h), and finally retrains on
// everything for the best number of iterations. The validation metrics go into
// Model::metrics. Deterministic for a seed and any thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"
#include "libs/model/kg_embedding.h"
#include "libs/model/model.h"
#include "libs/model/ranking_head.h"
#include "libs/model/user_encoder.h"

namespace chatrec::model {

// Struct defaults are the historical ones (small, no validation: tests and tiny
// worlds rely on them); `chatrec train` passes the tuned values, see its flags.
struct TrainOptions {
  int dim = 32;
  int iterations = 10;        // at most, with validation
  float lambda = 1.0f;        // ridge term
  float alpha = 10.0f;        // confidence scale: c = 1 + alpha * strength
  float need_weight = 1.0f;   // B = need_weight * I
  float kg_weight = 0.5f;     // C = kg_weight * I
  float bias_weight = 0.05f;  // b = bias_weight * log1p(pop) / log1p(max pop)
  uint64_t seed = 42;
  int threads = 2;
  double validation_fraction = 0;  // share of each user's liked items held out; 0 = none
  int patience = 2;                // iterations without a better validation NDCG@10 before stopping
  bool tune_scales = true;         // with validation: pick B, C and bias scales on it
  // How the scales are picked: "bpr" trains a, b, c and the prior's weight with a ranking
  // loss (ranking_head.h), "grid" searches a small grid for the best validation NDCG@10.
  std::string head = "bpr";
  int head_epochs = 60;
  // Trained KG embeddings (TransE) to build h from; null = h from item-space centroids.
  // C becomes c·M, M (kg_dim x dim) the ridge regression of the item vectors on the
  // items' KG embeddings (penalty kg_ridge).
  std::shared_ptr<const KgEmbedding> kg;
  std::string kg_source;
  float kg_ridge = 1.0f;
  ItemItemOptions item_item;       // the co-occurrence term; scale 0 (default) leaves it out
};

// One (user, item) interaction; several events on the same pair are summed first.
struct Interaction {
  int32_t user = 0;  // dense user index
  int32_t row = 0;   // catalogue row
  Signal signal;
  int64_t timestamp = 0;  // of the latest event; orders a user's history (offline q and h)
};

// Called after each iteration with the weighted squared loss per interaction.
using TrainProgressFn = std::function<void(int iteration, int iterations, double loss)>;

// One line of the training log.
struct EpochLog {
  const char* phase;        // "validation" (held-out run), "head" (BPR epochs of the head) or "final" (all data)
  int iteration = 0;
  int iterations = 0;
  double loss = 0;
  double val_ndcg10 = -1;   // validation: behaviour term only; head: early-stopping users; -1 in the final phase
  bool best = false;
};
using TrainLogFn = std::function<void(const EpochLog&)>;

absl::StatusOr<Model> TrainModel(const catalog::Catalog& catalog, int32_t num_users,
                                 const std::vector<Interaction>& interactions, const TrainOptions& options,
                                 const TrainProgressFn& progress = nullptr, const TrainLogFn& log = nullptr);

}  // namespace chatrec::model
