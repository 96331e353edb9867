// Places kept for retrieval sources in a long ranked list (issue 6 step 7): the scoring gives few
// points to the films a source such as the KG (what the context's titles share with a film) or the
// learned item-item neighbours point to when the collaborative signal is thin, so a list ranked by
// score alone leaves them out. With a rule {source, every}, every `every`-th place (1-based: places
// every, 2·every, ...) goes to the next of that source's best films not placed above; the other
// places keep the ranking's order.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chatrec/v1/retrieval.pb.h"

namespace chatrec::dialogue {

struct SourceSlots {
  v1::CandidateSource source = v1::CANDIDATE_SOURCE_UNSPECIFIED;
  int every = 0;  // places per slot; 0 or less: none
};

// "kg:7,item_item:5" -> {{KG, 7}, {ITEM_ITEM, 5}}: source names as in v1::CandidateSource without the
// prefix, in lower case, each with its places per slot (1..1000); "" -> none. InvalidArgument with
// what is wrong otherwise (an unknown source, a bad count, a source named twice).
absl::StatusOr<std::vector<SourceSlots>> ParseSourceSlots(absl::string_view spec);
// The spec ParseSourceSlots reads back ("" for none).
std::string SourceSlotsSpec(const std::vector<SourceSlots>& slots);

// The new order of a ranking of `n` entries (indices 0..n-1, best first). `picks[r]` lists the
// entries rule `every[r]` may place, best first (indices into the ranking; repeats and entries
// placed already are skipped). Rules due at the same place take it and the places after it in turn,
// in rule order; a rule whose picks are used up gives its place back to the ranking. The result is
// a permutation of 0..n-1.
std::vector<size_t> OrderWithSlots(size_t n, const std::vector<int>& every,
                                   const std::vector<std::vector<size_t>>& picks);

}  // namespace chatrec::dialogue
