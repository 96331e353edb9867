// Turn-level metrics of conversational recommendation as CRS papers report them on
// ReDial: every (turn, target) pair is one sample; Recall@k is the share of samples
// whose target is in the top k, NDCG@10 = 1/log2(rank + 1) within the top 10, and MRR
// the mean reciprocal rank within the ranked list (0 when absent). `new_items_only`
// keeps the targets not mentioned earlier in the dialogue.
// Also the two floors: re-mention (the movies already mentioned, most recent first)
// and co-mention counts from training-side dialogues.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "libs/eval/redial_turns.h"

namespace chatrec::eval {

class TurnMetrics {
 public:
  // Adds one turn: every target against `ranked` (best first, any length).
  void AddTurn(absl::Span<const int64_t> ranked, const RedialTurn& turn);

  struct Values {
    int64_t turns = 0, targets = 0;
    double recall1 = 0, recall10 = 0, recall50 = 0, ndcg10 = 0, mrr = 0;
  };
  Values All() const { return Finish(all_); }
  Values NewOnly() const { return Finish(new_); }

 private:
  struct Sums {
    int64_t turns = 0, targets = 0;
    double hit1 = 0, hit10 = 0, hit50 = 0, ndcg10 = 0, rr = 0;
  };
  static void AddTarget(absl::Span<const int64_t> ranked, int64_t target, Sums* s);
  static Values Finish(const Sums& s);
  Sums all_, new_;
};

// The movies already mentioned in the dialogue, most recent first.
std::vector<int64_t> RementionRanking(const RedialTurn& turn);

// Ranks by how often a movie was mentioned in the same training dialogue as the turn's
// earlier mentions (summed over them); ties and empty contexts fall back to how many
// training dialogues mention the movie. Earlier mentions themselves are not ranked.
class CoMentionRanker {
 public:
  explicit CoMentionRanker(const std::vector<std::vector<int64_t>>& training_dialogue_mentions);
  std::vector<int64_t> Rank(const RedialTurn& turn, int k) const;
  int64_t pairs() const { return pairs_; }

 private:
  absl::flat_hash_map<int64_t, absl::flat_hash_map<int64_t, int32_t>> co_;
  std::vector<std::pair<int64_t, int32_t>> popular_;  // movie, dialogues; most first
  int64_t pairs_ = 0;
};

}  // namespace chatrec::eval
