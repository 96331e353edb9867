// A learned re-ranker over the dialogue engine's top candidates: a linear model over
// per-candidate features (the score's per-term breakdown, where retrieval found the film,
// its place in the engine's ranking, the share of the wished genres and people it has,
// whether it was discussed, how often recommenders named it in training dialogues) and
// their products with per-turn features (how many titles, genres and people the context
// has, the turn index), so that the mix of the terms can depend on the turn.
//
// Learned by TrainPairwise (RankNet-style pairwise logistic loss, SGD with L2) from
// replayed training dialogues (`chatrec train reranker`), saved as a small versioned JSON
// file (`<store_dir>/reranker.json`); DialogueCore applies it to its top `depth`
// candidates when DialogueCoreOptions.rerankers (reranker_watcher.h, which turns a --reranker
// flag into one and swaps in newer files) serves one. Immutable once built; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chatrec/v1/common.pb.h"

namespace chatrec::dialogue {

// What the turn's context holds (SessionState): the features that let the mix depend on it.
struct RerankTurn {
  int titles = 0;  // titles discussed so far (either speaker)
  int genres = 0;  // genres the seeker wished (constraints or positive preferences)
  int people = 0;  // people the seeker wished
  int turn = 0;    // the session's turn index
};

// One candidate as the engine ranked it.
struct RerankCandidate {
  int64_t item_id = 0;
  int position = 0;  // 0-based place in the engine's ranking
  float score = 0;   // the engine's score
  v1::ScoreBreakdown breakdown;
  uint32_t sources = 0;     // bit s set when retrieval source s (v1::CandidateSource) returned it
  float wished_share = 0;   // share of the wished genres and people it has (0 without wishes)
  bool discussed = false;   // named earlier in the dialogue
  // Its place (0-based) in the KG and ITEM_ITEM sources' own orders (their scores, over the turn's
  // retrievals); -1 when the source did not return it.
  int kg_rank = -1;
  int item_item_rank = -1;
};

// One ranked list of the training data: features of each candidate and whether it is relevant.
struct RerankGroup {
  std::vector<std::vector<float>> features;
  std::vector<uint8_t> relevant;
};

struct PairwiseOptions {
  // How the pairs of a group are weighted: all alike (RankNet), or LambdaRank-style by how much swapping
  // the two would change a DCG-like gain, |1/log2(2 + rank_a) − 1/log2(2 + rank_b)| with the ranks of the
  // current weights (normalised to mean 1 per group), which puts the effort on the top of the list.
  enum class Weighting { kUniform, kRankDiscount };
  Weighting weighting = Weighting::kUniform;
  int epochs = 20;
  float learning_rate = 0.05f;
  float l2 = 1e-3f;  // on the standardised weights, per group step
  uint64_t seed = 42;
};

// s(x) = Σ_j weights_j · (x_j − mean_j) / scale_j.
struct LinearRanker {
  std::vector<float> mean, scale, weights;
  float Score(const std::vector<float>& x) const;
};

// Learns a LinearRanker from groups with at least one relevant and one irrelevant item: minimises
// the mean over groups and their relevant items of the mean over the group's irrelevant items of
// log(1 + exp(−(s_relevant − s_irrelevant))), plus l2/2 ‖w‖², by SGD over shuffled groups
// (deterministic for a seed). Features are standardised on the training data (scale 1 for a
// constant feature). Groups whose rows differ in length are an InvalidArgument.
absl::StatusOr<LinearRanker> TrainPairwise(const std::vector<RerankGroup>& groups, const PairwiseOptions& options);

// The mean pairwise loss (without the L2 term) of `ranker` on `groups`, as TrainPairwise defines it.
double PairwiseLoss(const LinearRanker& ranker, const std::vector<RerankGroup>& groups);

class Reranker {
 public:
  static constexpr int kFormatVersion = 1;
  static constexpr int kDefaultDepth = 100;
  static constexpr const char* kStoreFile = "reranker.json";  // in the store's root

  // The names of the features, in the order of Features(); a file must list exactly these.
  static const std::vector<std::string>& FeatureNames();
  // The feature vector of `c` in `turn`. `recommended` holds how many training dialogues' recommenders
  // named each film (item id -> count); `max_recommended` the largest of them (0: none known).
  static std::vector<float> Features(const RerankTurn& turn, const RerankCandidate& c,
                                     const absl::flat_hash_map<int64_t, int>& recommended, int max_recommended);

  Reranker() = default;
  // `source_top` > 0: the films among the first source_top of the KG or ITEM_ITEM source join the
  // films it reorders, wherever the engine placed them.
  Reranker(LinearRanker ranker, int depth, absl::flat_hash_map<int64_t, int> recommended, std::string info_json,
           int source_top = 0);

  // A saved re-ranker. NotFound if the file is missing; InvalidArgument (naming the file and what is wrong)
  // for a file that is not JSON, of another format or version, with other features, or with bad numbers.
  static absl::StatusOr<Reranker> Load(const std::string& path);
  // The file a --reranker flag value means for the store at `store_root`: "none" is no file (""),
  // an empty value the store's reranker.json when it has one, anything else that file.
  static std::string PathFor(const std::string& flag, const std::string& store_root);
  static absl::StatusOr<Reranker> Parse(const std::string& text, const std::string& name);
  // Writes the file atomically (temporary file, then rename).
  absl::Status Save(const std::string& path) const;

  // The order in which to show `candidates` (indices into it): those it reorders (the first `depth`
  // places, and the sources' first source_top films) by the learned score, ties in the engine's
  // order, then the rest in the engine's order.
  std::vector<size_t> Order(const RerankTurn& turn, const std::vector<RerankCandidate>& candidates) const;
  float Score(const RerankTurn& turn, const RerankCandidate& c) const;

  int depth() const { return depth_; }
  int source_top() const { return source_top_; }
  // Whether `c` is among the candidates it reorders.
  bool Reorders(const RerankCandidate& c) const { return Reorders(c, depth_, source_top_); }
  static bool Reorders(const RerankCandidate& c, int depth, int source_top) {
    return c.position < depth || (c.kg_rank >= 0 && c.kg_rank < source_top) ||
           (c.item_item_rank >= 0 && c.item_item_rank < source_top);
  }
  const LinearRanker& ranker() const { return ranker_; }
  const absl::flat_hash_map<int64_t, int>& recommended() const { return recommended_; }
  const std::string& info_json() const { return info_json_; }

 private:
  LinearRanker ranker_;
  int depth_ = kDefaultDepth;
  int source_top_ = 0;
  absl::flat_hash_map<int64_t, int> recommended_;
  int max_recommended_ = 0;
  std::string info_json_ = "{}";  // how it was trained (free-form JSON object), kept in the file
};

}  // namespace chatrec::dialogue
