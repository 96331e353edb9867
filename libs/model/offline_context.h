// The instant need q and the KG context h of a user when there is no dialogue:
// offline evaluation and the trainer's validation use them to measure what the
// q and h terms of  score(i) = uᵀA yᵢ + qᵀB yᵢ + hᵀC yᵢ + bᵢ  are worth.
//
//   need     the user's favourite genres: the `top_genres` genres most frequent among
//            the liked items of the history, weighted by share (a stand-in for
//            "a comedy, please", which a dialogue would supply)
//   context  the `recent` most recently liked items of the history, weight 1/n each
//            (a stand-in for "I loved Fargo"); KgVector propagates them one hop
// Only the given history is read, so no test item can leak in.
#pragma once

#include <cstdint>
#include <vector>

#include "libs/catalog/catalog.h"
#include "libs/model/fold.h"
#include "libs/model/model.h"
#include "libs/model/user_encoder.h"

namespace chatrec::model {

struct HistoryEntry {
  int32_t row = 0;  // catalogue row
  Signal signal;    // summed signal of the user's events on the item
};

struct OfflineContextOptions {
  float liked_strength = 0.6f;  // liked: preference 1 with at least this strength (a rating >= 4)
  int top_genres = 3;
  int recent = 10;
};

// `history` in time order, oldest first.
Entities NeedFromHistory(const catalog::Catalog& catalog, const std::vector<HistoryEntry>& history,
                         const OfflineContextOptions& options = {});
Entities ContextFromHistory(const catalog::Catalog& catalog, const std::vector<HistoryEntry>& history,
                            const OfflineContextOptions& options = {});

// The whole request of a user with this history and no dialogue: u by the fold-in
// (as the feedback service computes it from rating events), q and h as above.
FoldedQuery FoldHistory(const Model& model, const catalog::Catalog& catalog,
                        const std::vector<HistoryEntry>& history, const OfflineContextOptions& options = {});

}  // namespace chatrec::model
