// The bilinear scoring model  score(i) = uᵀA yᵢ + qᵀB yᵢ + hᵀC yᵢ + bᵢ  and the
// vectors it needs. One Model is one immutable version; share it by shared_ptr.
//
//   y  item embeddings (rows follow the model's item_ids, ascending ids, which is
//      also the catalogue's row order when both come from the same import)
//   u  user-behaviour vector (UserEncoder, from the history)
//   q  instant need, from entities of the dialogue (entity embeddings)
//   h  knowledge-graph context: liked/mentioned entities propagated one hop over the KG.
//      With trained KG embeddings (kg_dim > 0) h lives in the KG space and C is
//      kg_dim x dim (C = c·M, M mapping KG space to item space); without, h is built
//      from item-space entity centroids and C is dim x dim.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "libs/catalog/catalog.h"
#include "libs/model/item_item.h"

namespace chatrec::model {

struct Model {
  std::string version;
  int dim = 0;
  std::vector<int64_t> item_ids;      // row -> data set item id
  std::vector<float> item_vectors;    // N x dim, row-major
  std::vector<float> item_bias;       // N
  std::vector<float> a, b;            // dim x dim, row-major; w = Aᵀu + Bᵀq + Cᵀh
  std::vector<float> c;               // h_dim() x dim, row-major
  std::vector<float> gram;            // dim x dim: YᵀY, for the implicit-ALS user fold-in
  float als_lambda = 0.1f;            // ridge term of the fold-in
  float als_alpha = 10.0f;            // confidence scale of events
  std::vector<std::string> entity_ids;            // entities with an embedding
  std::vector<float> entity_vectors;              // |entities| x dim
  absl::flat_hash_map<std::string, int32_t> entity_row;  // built by Index()
  absl::flat_hash_map<int64_t, int32_t> item_row;         // built by Index()
  // Built by Index() when the ids are dense enough (0 <= id < 2N + 1024, as in every data set
  // we load): id -> row, -1 for a gap. One array read instead of a hash probe per candidate.
  std::vector<int32_t> dense_row;
  std::map<std::string, double> metrics;          // training and evaluation metrics
  // Trained KG embeddings (libs/model/kg_embedding.h); kg_dim 0 = none.
  int kg_dim = 0;
  std::string kg_method;                          // "transe"
  std::string kg_source;                          // "dbpedia", "freebase"
  int kg_epochs = 0;
  std::vector<std::string> kg_entity_ids;
  std::vector<float> kg_entity_vectors;           // |kg entities| x kg_dim
  std::vector<std::string> kg_relation_ids;
  std::vector<float> kg_relation_vectors;         // |kg relations| x kg_dim
  absl::flat_hash_map<std::string, int32_t> kg_entity_row;  // built by Index()
  ItemItem item_item;                             // co-occurrence term (libs/model/item_item.h); may be empty
  // The entity-item term: rows of entity_item are the entities of entity_item_ids ("genre:comedy",
  // "person:..."), neighbours are item rows; the need's entities add scale · weight · W[e][i].
  std::vector<std::string> entity_item_ids;
  ItemItem entity_item;
  absl::flat_hash_map<std::string, int32_t> entity_item_row;  // built by Index()

  int64_t size() const { return static_cast<int64_t>(item_ids.size()); }
  const float* item(int32_t row) const { return item_vectors.data() + static_cast<size_t>(row) * dim; }
  // Embedding of an entity ("genre:comedy", "item:50"), or nullptr.
  const float* entity(const std::string& id) const;
  int32_t RowOf(int64_t item_id) const;
  // Adds the item-item term of the KG context's titles and the entity-item term of the need's
  // other entities (positive weights only) to `term` (row -> value). With `entity_term`, the
  // entity-item part is also added there on its own (ScoreBreakdown.entity_item).
  template <typename Entities>
  void AccumulateTerms(const Entities& kg_context, const Entities& need, absl::flat_hash_map<int32_t, float>* term,
                       absl::flat_hash_map<int32_t, float>* entity_term = nullptr) const;
  // Dimension of h: kg_dim with KG embeddings, dim without.
  int h_dim() const { return kg_dim > 0 ? kg_dim : dim; }
  // Trained KG embedding of an entity ("item:50", "person:..."), or nullptr.
  const float* kg_entity(const std::string& id) const;
  // Builds the lookup maps; call after filling the vectors.
  void Index();
};

using ModelPtr = std::shared_ptr<const Model>;

// Evaluation-time reweighting of the score's terms (`chatrec eval redial --need_scale ...`), so that
// their mix can be tuned without retraining: the need term (B) and the KG term (C) and the item bias
// (on ReDial the mention prior) are multiplied by their factors; the item-item and entity-item terms
// get the scale given (>= 0), or keep the trained one (< 0).
struct TermWeights {
  float need = 1, kg = 1, bias = 1;
  float item_item_scale = -1, entity_item_scale = -1;
  // True when they leave a model as trained (a NaN anywhere is not: ReweightTerms refuses it).
  bool AsTrained() const {
    return need == 1 && kg == 1 && bias == 1 && item_item_scale < 0 && entity_item_scale < 0;
  }
};
// InvalidArgument for a negative or non-finite factor, and for a scale of a term the model does not
// have (no item-item or entity-item rows); `model` is unchanged then.
absl::Status ReweightTerms(const TermWeights& weights, Model* model);

template <typename Entities>
void Model::AccumulateTerms(const Entities& kg_context, const Entities& need,
                            absl::flat_hash_map<int32_t, float>* term,
                            absl::flat_hash_map<int32_t, float>* entity_term) const {
  for (const auto& e : kg_context) {
    const int64_t id = e.weight() > 0 ? catalog::ItemIdFromEntity(e.entity_id()) : -1;
    if (id >= 0) item_item.Accumulate(RowOf(id), e.weight(), term);
  }
  if (entity_item.empty()) return;
  for (const auto& e : need) {
    if (e.weight() <= 0) continue;
    auto it = entity_item_row.find(e.entity_id());
    if (it == entity_item_row.end()) continue;
    entity_item.Accumulate(it->second, e.weight(), term);
    if (entity_term != nullptr) entity_item.Accumulate(it->second, e.weight(), entity_term);
  }
}

}  // namespace chatrec::model
