// The item-item term of the score: how often two films come up together in one
// person's history (for ReDial, one dialogue: the films mentioned in it), normalised
// either as the conditional share W[j][i] = c_ji / n_j ("of the histories with j, the
// share that also have i"; the default) or by the cosine W[j][i] = c_ji / sqrt(n_j n_i),
// which also divides by the neighbour's own count and so favours rare films; each item
// keeps its strongest neighbours. At scoring time the liked or mentioned titles of the request's KG
// context add  scale · Σ_j weight_j · W[j][i]  to item i's score (ScoreBreakdown.item_item).
// It captures what the low-rank vectors smooth away: specific films named together.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"

namespace chatrec::model {

enum class ItemItemNorm { kConditional, kCosine };

struct ItemItemOptions {
  ItemItemNorm norm = ItemItemNorm::kConditional;
  int neighbours = 50;   // kept per item
  int min_count = 1;     // co-occurrences below this are dropped
  float scale = 0;       // weight of the term in the score; 0 turns it off
  // The shares of LearnKeyItem and LearnDirectedItemItem: W[j][i] minus the share of all dialogues in which the
  // recommender names i, kept where positive ("how much more often i follows j than anything").
  bool lift = false;
};

// Sparse rows: the neighbours of row r are [offsets[r], offsets[r+1]).
struct ItemItem {
  std::vector<int32_t> offsets;     // num_items + 1, or empty when there is no term
  std::vector<int32_t> neighbours;  // item rows, strongest first
  std::vector<float> weights;
  float scale = 0;

  bool empty() const { return offsets.empty() || scale == 0; }
  // Adds scale · weight · W[seed][·] for each seed row; rows out of range are ignored.
  void Accumulate(int32_t seed_row, float weight, absl::flat_hash_map<int32_t, float>* term) const;
  // The rows with the largest Σ weight · W[seed][row] over `seeds` (row, weight), best first,
  // scaled as in Accumulate; ties by row. The seeds themselves are not left out.
  std::vector<std::pair<int32_t, float>> Neighbours(absl::Span<const std::pair<int32_t, float>> seeds,
                                                   size_t k) const;
};

// `histories`: the item rows of each person (repeats are counted once).
ItemItem LearnItemItem(const std::vector<std::vector<int32_t>>& histories, int32_t num_items,
                       const ItemItemOptions& options);

// One recommendation turn of a training dialogue: the rows mentioned before it (by either
// side) and the rows the recommender names in it.
struct DirectedTurn {
  std::vector<int32_t> context;
  std::vector<int32_t> targets;
};

// The direction-aware term: W[j][i] = d_ji / n_j, where d_ji counts the dialogues in which the
// recommender names i at a turn whose context has j, and n_j the dialogues in which j is in the
// context of some recommendation turn ("when j has come up, the share of dialogues in which the
// recommender then names i"). Pairs count once per dialogue; a target that is also in its
// turn's context is counted only with `repeated_targets`. options.norm is ignored.
ItemItem LearnDirectedItemItem(const std::vector<std::vector<DirectedTurn>>& dialogues, int32_t num_items,
                               const ItemItemOptions& options, bool repeated_targets = false);

// The same share from other context keys (the entity-item term: genres and people the seeker
// named, numbered 0..num_keys-1) to the item rows the recommender names: rows of the result are
// keys. `turns[d][t].context` holds keys, `targets` item rows, `items_before[d][t]` the item
// rows mentioned before turn t (targets among them are not counted).
ItemItem LearnKeyItem(const std::vector<std::vector<DirectedTurn>>& turns,
                      const std::vector<std::vector<std::vector<int32_t>>>& items_before, int32_t num_keys,
                      int32_t num_items, const ItemItemOptions& options);

// A key-item table from the items' own texts (the entity-item term's word rows from the films'
// plots): `item_keys[i]` holds the keys (words) of item i's text. W[k][i] is item i's component
// of its L2-normalised TF-IDF vector (binary term frequency, idf = log(N / df_k)), so a query
// of keys scores an item by the cosine-like overlap of the texts. Keys of more than
// `max_df_share` of the items or of a single item are left out; each row keeps its `neighbours`
// strongest items.
ItemItem LearnTextKeyItem(const std::vector<std::vector<int32_t>>& item_keys, int32_t num_keys, double max_df_share,
                          int neighbours, float scale);

// The rows with the largest values of a summed term, best first, ties by row.
std::vector<std::pair<int32_t, float>> TopOfTerm(const absl::flat_hash_map<int32_t, float>& term, size_t k);

// Row by row a_weight · A + b_weight · B (either may be empty), keeping the `neighbours`
// strongest of each row; the result has scale `scale`.
ItemItem BlendItemItem(const ItemItem& a, float a_weight, const ItemItem& b, float b_weight, int neighbours,
                       float scale);

// W + discount · W·W: each row also reaches its neighbours' neighbours (never itself), keeping
// the `neighbours` strongest. Same scale.
ItemItem WithTwoHops(const ItemItem& w, float discount, int neighbours);

}  // namespace chatrec::model
