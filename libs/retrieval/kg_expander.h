// KG candidate source: items one and two hops from the entities a person liked or
// mentioned, weighted by relation (director > writer > cast > genre > subject, as in
// model::RelationWeight). Hop 1: seed entity -> items linked to it (an item seed goes
// through its own facts first). Hop 2: the best hop-1 items -> their other entities
// -> items, damped. An entity linked to many items says little about any one of them:
// its contribution is divided by sqrt(degree), and only its most popular items are
// visited (so a genre with 50k films costs a bounded amount per request).
//
// Alternatively (KgScore::kAdamicAdar) a film scores what it shares with the context's titles and
// people: each shared entity adds 1 / log(2 + degree) times the seed's weight (the Adamic-Adar index
// of the film-entity graph), whatever the relation, with no second hop and without the need's
// genres and people (they filter and rank elsewhere). On ReDial this ranks the films human
// recommenders name next better than spreading does (README, issue 6 step 7).
//
// Thread-safety: immutable after construction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"
#include "libs/kernels/types.h"
#include "libs/model/fold.h"
#include "libs/retrieval/attribute_index.h"

namespace chatrec::retrieval {

enum class KgScore {
  kSpread,      // relation-weighted spreading, 1/sqrt(degree), two hops, need included (default)
  kAdamicAdar,  // shared entities with the context, 1/log(2 + degree), one hop
};

// "spread" / "adamic_adar"; InvalidArgument for anything else.
absl::StatusOr<KgScore> ParseKgScore(std::string_view name);
const char* KgScoreName(KgScore score);

struct KgOptions {
  KgScore score = KgScore::kSpread;
  int hop1_rows_per_entity = 1000;  // most popular items visited per entity on hop 1
  int hop2_rows_per_entity = 200;   // ... on hop 2
  int hop2_from = 20;               // best hop-1 items expanded again
  float hop2_damping = 0.5f;        // weight of a second hop relative to the first
};

class KgExpander {
 public:
  explicit KgExpander(const catalog::Catalog* catalog, KgOptions options = {});

  // Top k allowed rows by KG score (seed items themselves excluded), best first.
  std::vector<kernels::ScoredItem> Expand(const model::Entities& context, const model::Entities& need,
                                          const AllowedSet& allowed, int k) const;

 private:
  struct Neighbourhood {
    absl::Span<const int32_t> rows;  // most popular first when the entity is broad; at most the cap
    size_t degree = 0;               // all items linked to the entity
  };
  Neighbourhood Neighbours(std::string_view entity_id, int cap) const;

  const catalog::Catalog* catalog_;
  KgOptions options_;
  // Entities with more than hop2_rows_per_entity items: their hop1_rows_per_entity most popular.
  absl::flat_hash_map<std::string, std::vector<int32_t>> popular_rows_;
};

}  // namespace chatrec::retrieval
