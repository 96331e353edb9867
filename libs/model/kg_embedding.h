// Knowledge-graph embeddings trained by us: TransE (Bordes et al. 2013) on the
// triples of a KG, so that head + relation ≈ tail for true triples.
//
// Two KGs for MovieLens 100K: the DBpedia one the catalogue was imported with
// (its item -> entity facts: directors, cast, writers, subjects, genres), and the
// Freebase one of RecBole/KB4Rec (ml-100k.kg + ml-100k.link), in which items get
// the same "item:<id>" entity ids so that both feed the model the same way.
//
// Training is mini-batch SGD on the margin ranking loss
//   max(0, γ + ‖h + r − t‖ − ‖h' + r − t'‖)
// with one corrupted triple (head or tail replaced by a random entity) per true
// triple, entities projected back into the unit ball after each batch. Each batch is
// cut into a fixed number of shards whose gradients are computed in parallel and
// applied in shard order, and every random draw is seeded by (seed, epoch, triple),
// so the result is the same for a seed whatever the thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"

namespace chatrec::model {

struct Triple {
  int32_t head = 0;
  int32_t relation = 0;
  int32_t tail = 0;
};

// Entities and relations by dense index, and the triples between them.
class KnowledgeGraph {
 public:
  int32_t EntityIndex(const std::string& id);    // adds the entity if new
  int32_t RelationIndex(const std::string& id);  // adds the relation if new
  void Add(const std::string& head, const std::string& relation, const std::string& tail);

  const std::vector<std::string>& entities() const { return entities_; }
  const std::vector<std::string>& relations() const { return relations_; }
  const std::vector<Triple>& triples() const { return triples_; }

 private:
  std::vector<std::string> entities_, relations_;
  absl::flat_hash_map<std::string, int32_t> entity_index_, relation_index_;
  std::vector<Triple> triples_;
};

// The catalogue's item -> entity facts as triples ("item:50" --director--> "person:...").
KnowledgeGraph GraphFromCatalog(const catalog::Catalog& catalog);

// The Freebase KG in `dir` (ml-100k.kg, ml-100k.link): linked MIDs become "item:<id>"
// for items of the catalogue, other MIDs "fb:<mid>". Triples between two unknown
// entities are kept (they are part of the neighbourhood); malformed lines fail.
absl::StatusOr<KnowledgeGraph> LoadFreebaseGraph(const std::string& dir, const catalog::Catalog& catalog);

struct KgEmbeddingOptions {
  int dim = 32;
  int epochs = 100;           // at most
  float learning_rate = 0.01f;
  float margin = 1.0f;
  int batch_size = 512;
  uint64_t seed = 42;
  int threads = 2;
  double min_improvement = 1e-3;  // stop when the epoch loss falls by less than this share
  int patience = 3;               // ... for this many epochs in a row
};

struct KgEmbedding {
  int dim = 0;
  std::vector<std::string> entity_ids, relation_ids;
  std::vector<float> entity_vectors;    // |entities| x dim, row-major
  std::vector<float> relation_vectors;  // |relations| x dim
  std::vector<double> epoch_loss;       // mean margin loss per triple, per epoch
  int epochs = 0;                       // epochs run

  const float* entity(int32_t i) const { return entity_vectors.data() + static_cast<size_t>(i) * dim; }
  const float* relation(int32_t i) const { return relation_vectors.data() + static_cast<size_t>(i) * dim; }
  // −‖h + r − t‖: higher is more plausible.
  float Score(int32_t head, int32_t relation, int32_t tail) const;
};

// Called after each epoch: (epoch, epochs at most, mean loss).
using KgProgressFn = std::function<void(int epoch, int epochs, double loss)>;

absl::StatusOr<KgEmbedding> TrainKgEmbedding(const KnowledgeGraph& graph, const KgEmbeddingOptions& options,
                                             const KgProgressFn& progress = nullptr);

}  // namespace chatrec::model
