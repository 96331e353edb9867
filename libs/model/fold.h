// Folds one request into a single scoring vector:  w = Aᵀu + Bᵀq + Cᵀh,
// so that ranking N items is one pass of dot products w·yᵢ (+ bᵢ). The three
// parts are kept so that each returned item's score can be explained term by term.
#pragma once

#include <vector>

#include "absl/types/span.h"
#include "chatrec/v1/common.pb.h"
#include "libs/catalog/catalog.h"
#include "libs/model/model.h"

namespace chatrec::model {

using Entities = google::protobuf::RepeatedPtrField<v1::WeightedEntity>;

struct FoldedQuery {
  std::vector<float> user;  // Aᵀu (zero if no user vector)
  std::vector<float> need;  // Bᵀq
  std::vector<float> kg;    // Cᵀh
  std::vector<float> w;     // the sum
  bool user_used = false;
  bool need_zero = true;    // Bᵀq is all zeros (no instant need)
  bool kg_zero = true;      // Cᵀh is all zeros (no KG context)
};

// Instant need q: Σ weight · embedding(entity) over the dialogue's entities.
std::vector<float> NeedVector(const Model& model, const Entities& need);

// KG context h (model.h_dim() values). With trained KG embeddings: each entity's own
// KG embedding and the mean of its one-hop neighbourhood's (an item's facts, weighted
// by relation; a person's or genre's items). Without: the item-space embeddings of
// each item's neighbours, weighted by relation (director > cast, writer > genre,
// subject > distributor), and other entities' own embedding.
std::vector<float> KgVector(const Model& model, const catalog::Catalog& catalog,
                            const Entities& context);

// `user` may be empty (new user, or a vector from another model version).
FoldedQuery Fold(const Model& model, const catalog::Catalog& catalog, absl::Span<const float> user,
                 const Entities& need, const Entities& context);

// Per-term contributions of one item row under a folded query.
v1::ScoreBreakdown Breakdown(const Model& model, const FoldedQuery& q, int32_t row);
// The same when the item's full score w·y + b is known (from the kernels): the
// user term is what the others leave of it, so the terms add up to the score
// exactly and at most two dot products are needed (none without need or KG).
v1::ScoreBreakdown Breakdown(const Model& model, const FoldedQuery& q, int32_t row, float score);

// Weight of a KG relation in h, in [0, 1].
float RelationWeight(const std::string& relation);

}  // namespace chatrec::model
