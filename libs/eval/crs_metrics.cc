#include "libs/eval/crs_metrics.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"

namespace chatrec::eval {

void TurnMetrics::AddTarget(absl::Span<const int64_t> ranked, int64_t target, Sums* s) {
  ++s->targets;
  for (size_t r = 0; r < ranked.size(); ++r) {
    if (ranked[r] != target) continue;
    s->hit1 += r < 1;
    s->hit10 += r < 10;
    s->hit50 += r < 50;
    if (r < 10) s->ndcg10 += 1.0 / std::log2(r + 2.0);
    s->rr += 1.0 / (r + 1.0);
    return;
  }
}

void TurnMetrics::AddTurn(absl::Span<const int64_t> ranked, const RedialTurn& turn) {
  if (turn.targets.empty()) return;
  ++all_.turns;
  bool any_new = false;
  for (int64_t t : turn.targets) {
    AddTarget(ranked, t, &all_);
    if (turn.IsNew(t)) {
      AddTarget(ranked, t, &new_);
      any_new = true;
    }
  }
  new_.turns += any_new;
}

TurnMetrics::Values TurnMetrics::Finish(const Sums& s) {
  Values v;
  v.turns = s.turns;
  v.targets = s.targets;
  if (s.targets == 0) return v;
  const double n = static_cast<double>(s.targets);
  v.recall1 = s.hit1 / n;
  v.recall10 = s.hit10 / n;
  v.recall50 = s.hit50 / n;
  v.ndcg10 = s.ndcg10 / n;
  v.mrr = s.rr / n;
  return v;
}

std::vector<int64_t> RementionRanking(const RedialTurn& turn) {
  return std::vector<int64_t>(turn.mentioned_before.rbegin(), turn.mentioned_before.rend());
}

CoMentionRanker::CoMentionRanker(const std::vector<std::vector<int64_t>>& dialogues) {
  absl::flat_hash_map<int64_t, int32_t> count;
  for (const auto& movies : dialogues) {
    for (size_t i = 0; i < movies.size(); ++i) {
      ++count[movies[i]];
      for (size_t j = 0; j < movies.size(); ++j) {
        if (i == j) continue;
        ++co_[movies[i]][movies[j]];
        ++pairs_;
      }
    }
  }
  popular_.assign(count.begin(), count.end());
  std::sort(popular_.begin(), popular_.end(),
            [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); });
}

std::vector<int64_t> CoMentionRanker::Rank(const RedialTurn& turn, int k) const {
  absl::flat_hash_set<int64_t> before(turn.mentioned_before.begin(), turn.mentioned_before.end());
  absl::flat_hash_map<int64_t, double> score;
  for (int64_t seed : turn.mentioned_before) {
    auto it = co_.find(seed);
    if (it == co_.end()) continue;
    for (const auto& [other, n] : it->second) {
      if (!before.contains(other)) score[other] += n;
    }
  }
  std::vector<std::pair<int64_t, double>> scored(score.begin(), score.end());
  // Ties broken by popularity: a tiny share of the training mention count.
  absl::flat_hash_map<int64_t, int32_t> pop(popular_.begin(), popular_.end());
  for (auto& [id, s] : scored) s += 1e-4 * pop[id];
  std::sort(scored.begin(), scored.end(),
            [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); });
  std::vector<int64_t> out;
  for (const auto& [id, s] : scored) {
    if (static_cast<int>(out.size()) >= k) return out;
    out.push_back(id);
  }
  absl::flat_hash_set<int64_t> taken(out.begin(), out.end());
  for (const auto& [id, n] : popular_) {
    if (static_cast<int>(out.size()) >= k) break;
    if (!before.contains(id) && !taken.contains(id)) out.push_back(id);
  }
  return out;
}

}  // namespace chatrec::eval
