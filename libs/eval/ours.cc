#include "libs/eval/ours.h"

#include <algorithm>
#include <map>

#include "libs/model/offline_context.h"
#include "libs/model/user_encoder.h"

namespace chatrec::eval {

std::vector<model::Interaction> InteractionsOf(const TrainData& data) {
  std::vector<model::Interaction> out;
  for (int32_t u = 0; u < data.num_users; ++u) {
    std::map<int32_t, model::Interaction> pairs;
    for (const auto& r : data.by_user[u]) {  // in time order
      auto s = model::SignalOf(v1::EVENT_TYPE_RATING, r.rating);
      if (!s) continue;
      auto& acc = pairs[r.item];
      acc.user = u;
      acc.row = r.item;
      acc.signal.preference = s->preference;  // the latest wins; confidence accumulates
      acc.signal.strength += s->strength;
      acc.timestamp = r.timestamp;
    }
    for (const auto& [row, it] : pairs) out.push_back(it);
  }
  return out;
}

absl::Status OursRecommender::Fit(const TrainData& data) {
  OursShared& s = *shared_;
  if (s.model) return absl::OkStatus();
  const std::vector<model::Interaction> interactions = InteractionsOf(data);
  auto m = model::TrainModel(*s.catalog, data.num_users, interactions, s.options, s.progress, s.log);
  if (!m.ok()) return m.status();
  m->version = "eval";
  s.model = std::make_shared<model::Model>(*std::move(m));
  s.folded.resize(data.num_users);
  std::vector<std::vector<model::Interaction>> by_user(data.num_users);
  for (const auto& it : interactions) by_user[it.user].push_back(it);
  for (int32_t u = 0; u < data.num_users; ++u) {
    auto& list = by_user[u];
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.row < b.row;
    });
    std::vector<model::HistoryEntry> history;
    for (const auto& it : list) history.push_back({it.row, it.signal});
    s.folded[u] = model::FoldHistory(*s.model, *s.catalog, history);
  }
  return absl::OkStatus();
}

void OursRecommender::Score(int32_t user, absl::Span<float> scores) const {
  const model::Model& m = *shared_->model;
  const model::FoldedQuery& f = shared_->folded[user];
  const int d = m.dim;
  std::vector<float> w(d, 0.f);
  for (int k = 0; k < d; ++k) {
    if (terms_.user) w[k] += f.user[k];
    if (terms_.need) w[k] += f.need[k];
    if (terms_.kg) w[k] += f.kg[k];
  }
  for (int32_t i = 0; i < static_cast<int32_t>(scores.size()); ++i) {
    const float* y = m.item(i);
    float s = terms_.bias ? m.item_bias[i] : 0.f;
    for (int k = 0; k < d; ++k) s += w[k] * y[k];
    scores[i] = s;
  }
}

}  // namespace chatrec::eval
