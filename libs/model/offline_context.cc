#include "libs/model/offline_context.h"

#include <algorithm>
#include <map>

#include "libs/model/user_encoder.h"

namespace chatrec::model {
namespace {

bool Liked(const HistoryEntry& h, const OfflineContextOptions& o) {
  return h.signal.preference > 0 && h.signal.strength >= o.liked_strength;
}

}  // namespace

Entities NeedFromHistory(const catalog::Catalog& catalog, const std::vector<HistoryEntry>& history,
                         const OfflineContextOptions& o) {
  std::map<std::string, int> genre_count;  // ordered: ties resolve by id, deterministically
  for (const auto& h : history) {
    if (!Liked(h, o)) continue;
    for (const auto& f : catalog.item(h.row).facts()) {
      if (f.relation() == "genre") genre_count[f.entity_id()] += 1;
    }
  }
  std::vector<std::pair<std::string, int>> genres(genre_count.begin(), genre_count.end());
  std::stable_sort(genres.begin(), genres.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (static_cast<int>(genres.size()) > o.top_genres) genres.resize(o.top_genres);
  int total = 0;
  for (const auto& g : genres) total += g.second;
  Entities need;
  for (const auto& [id, count] : genres) {
    auto* e = need.Add();
    e->set_entity_id(id);
    e->set_weight(static_cast<float>(count) / total);
  }
  return need;
}

Entities ContextFromHistory(const catalog::Catalog& catalog, const std::vector<HistoryEntry>& history,
                            const OfflineContextOptions& o) {
  std::vector<int32_t> liked;
  for (auto it = history.rbegin(); it != history.rend() && static_cast<int>(liked.size()) < o.recent; ++it) {
    if (Liked(*it, o)) liked.push_back(it->row);
  }
  Entities context;
  for (int32_t row : liked) {
    auto* e = context.Add();
    e->set_entity_id(catalog::ItemEntityId(catalog.item(row).id()));
    e->set_weight(1.f / static_cast<float>(liked.size()));
  }
  return context;
}

FoldedQuery FoldHistory(const Model& model, const catalog::Catalog& catalog,
                        const std::vector<HistoryEntry>& history, const OfflineContextOptions& o) {
  internal::UserSummary summary;
  ResetStatistics(model, &summary);
  for (const auto& h : history) {
    Accumulate(model, h.row, h.signal, &summary);
  }
  std::vector<float> u = history.empty() ? std::vector<float>() : EncodeUser(model, summary);
  return Fold(model, catalog, u, NeedFromHistory(catalog, history, o), ContextFromHistory(catalog, history, o));
}

}  // namespace chatrec::model
