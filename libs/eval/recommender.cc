#include "libs/eval/recommender.h"

#include <algorithm>
#include <thread>

#include "libs/eval/metrics.h"

namespace chatrec::eval {

TrainData TrainData::From(const Split& split) {
  TrainData d;
  d.num_users = split.num_users;
  d.num_items = split.num_items;
  d.by_user.resize(split.num_users);
  d.items_of.resize(split.num_users);
  d.users_of.resize(split.num_items);
  for (const auto& r : split.train) d.by_user[r.user].push_back(r);
  for (int32_t u = 0; u < d.num_users; ++u) {
    auto& list = d.by_user[u];
    std::sort(list.begin(), list.end(), [](const RatingEvent& a, const RatingEvent& b) {
      return a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.item < b.item;
    });
    auto& items = d.items_of[u];
    for (const auto& r : list) items.push_back(r.item);
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    for (int32_t i : items) d.users_of[i].push_back(u);
  }
  return d;
}

int64_t TrainData::interactions() const {
  int64_t n = 0;
  for (const auto& items : items_of) n += static_cast<int64_t>(items.size());
  return n;
}

std::vector<int32_t> TopUnseen(absl::Span<const float> scores, absl::Span<const int32_t> seen_sorted, int k) {
  std::vector<int32_t> rows;
  rows.reserve(scores.size());
  for (int32_t i = 0; i < static_cast<int32_t>(scores.size()); ++i) {
    if (!std::binary_search(seen_sorted.begin(), seen_sorted.end(), i)) rows.push_back(i);
  }
  auto better = [&](int32_t a, int32_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; };
  size_t n = std::min<size_t>(k, rows.size());
  std::partial_sort(rows.begin(), rows.begin() + n, rows.end(), better);
  rows.resize(n);
  return rows;
}

std::map<std::string, double> Evaluate(const Recommender& rec, const Split& split, const TrainData& data,
                                       const EvalOptions& o) {
  const int max_k = *std::max_element(o.ks.begin(), o.ks.end());
  std::vector<int32_t> users;
  for (int32_t u = 0; u < split.num_users; ++u) {
    if (!split.test[u].empty()) users.push_back(u);
  }
  const int threads = std::max(1, o.threads);
  std::vector<MetricsAccumulator> acc(threads, MetricsAccumulator(split.num_items, o.ks));
  auto work = [&](int t) {
    std::vector<float> scores(split.num_items);
    for (size_t i = t; i < users.size(); i += threads) {
      const int32_t u = users[i];
      rec.Score(u, absl::MakeSpan(scores));
      acc[t].Add(TopUnseen(scores, data.items_of[u], max_k), split.test[u]);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  for (int t = 1; t < threads; ++t) acc[0].Merge(acc[t]);
  return acc[0].Result();
}

}  // namespace chatrec::eval
