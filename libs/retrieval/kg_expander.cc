#include "libs/retrieval/kg_expander.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"

namespace chatrec::retrieval {

KgExpander::KgExpander(const catalog::Catalog* catalog, KgOptions options) : catalog_(catalog), options_(options) {
  const size_t keep = static_cast<size_t>(std::max(options_.hop1_rows_per_entity, options_.hop2_rows_per_entity));
  for (const auto& e : catalog->entities()) {
    const auto& rows = catalog->RowsWithEntity(e.id());
    if (rows.size() <= static_cast<size_t>(options_.hop2_rows_per_entity)) continue;
    std::vector<int32_t> sorted(rows.begin(), rows.end());
    auto more_popular = [&](int32_t a, int32_t b) {
      const int64_t pa = catalog->item(a).popularity(), pb = catalog->item(b).popularity();
      return pa > pb || (pa == pb && a < b);
    };
    const size_t n = std::min(keep, sorted.size());
    std::partial_sort(sorted.begin(), sorted.begin() + n, sorted.end(), more_popular);
    sorted.resize(n);
    popular_rows_.emplace(e.id(), std::move(sorted));
  }
}

absl::Span<const int32_t> KgExpander::Neighbours(const std::string& entity_id, int cap) const {
  auto it = popular_rows_.find(entity_id);
  absl::Span<const int32_t> rows = it != popular_rows_.end() ? absl::MakeConstSpan(it->second)
                                                             : absl::MakeConstSpan(catalog_->RowsWithEntity(entity_id));
  return rows.subspan(0, std::min<size_t>(rows.size(), static_cast<size_t>(cap)));
}

std::vector<kernels::ScoredItem> KgExpander::Expand(const model::Entities& context, const model::Entities& need,
                                                    const AllowedSet& allowed, int k) const {
  absl::flat_hash_map<int32_t, float> hop1;
  absl::flat_hash_set<std::string> visited;  // entities already expanded
  absl::flat_hash_set<int32_t> seeds;        // liked/mentioned items: not candidates of their own neighbourhood
  auto spread = [&](const std::string& entity_id, float weight, int cap, absl::flat_hash_map<int32_t, float>* acc) {
    const size_t degree = catalog_->RowsWithEntity(entity_id).size();
    const float s = weight / std::sqrt(static_cast<float>(std::max<size_t>(degree, 1)));
    for (int32_t r : Neighbours(entity_id, cap)) (*acc)[r] += s;
  };
  auto add_seed = [&](const v1::WeightedEntity& e) {
    if (e.weight() <= 0) return;
    const int64_t item_id = catalog::ItemIdFromEntity(e.entity_id());
    const int32_t row = item_id >= 0 ? catalog_->RowOf(item_id) : -1;
    if (row < 0) {
      visited.insert(e.entity_id());
      spread(e.entity_id(), e.weight(), options_.hop1_rows_per_entity, &hop1);
      return;
    }
    seeds.insert(row);
    for (const auto& fact : catalog_->item(row).facts()) {
      visited.insert(fact.entity_id());
      spread(fact.entity_id(), e.weight() * model::RelationWeight(fact.relation()), options_.hop1_rows_per_entity, &hop1);
    }
  };
  for (const auto& e : context) add_seed(e);
  for (const auto& e : need) add_seed(e);

  // Hop 2 from the best hop-1 items (allowed or not: a disallowed film can still lead
  // to allowed ones through its people), over entities hop 1 did not already use.
  std::vector<kernels::ScoredItem> frontier;
  frontier.reserve(hop1.size());
  for (const auto& [row, score] : hop1) {
    if (!seeds.contains(row)) frontier.push_back({row, score});
  }
  auto better = [](const kernels::ScoredItem& a, const kernels::ScoredItem& b) {
    return a.score > b.score || (a.score == b.score && a.row < b.row);
  };
  const size_t from = std::min(frontier.size(), static_cast<size_t>(options_.hop2_from));
  std::partial_sort(frontier.begin(), frontier.begin() + from, frontier.end(), better);
  absl::flat_hash_map<int32_t, float> hop2;
  for (size_t i = 0; i < from; ++i) {
    for (const auto& fact : catalog_->item(frontier[i].row).facts()) {
      if (visited.contains(fact.entity_id())) continue;
      spread(fact.entity_id(), options_.hop2_damping * frontier[i].score * model::RelationWeight(fact.relation()),
             options_.hop2_rows_per_entity, &hop2);
    }
  }
  for (const auto& [row, score] : hop2) hop1[row] += score;

  std::vector<kernels::ScoredItem> out;
  out.reserve(hop1.size());
  for (const auto& [row, score] : hop1) {
    if (allowed.Contains(row) && !seeds.contains(row)) out.push_back({row, score});
  }
  const size_t n = std::min(out.size(), static_cast<size_t>(std::max(k, 0)));
  std::partial_sort(out.begin(), out.begin() + n, out.end(), better);
  out.resize(n);
  return out;
}

}  // namespace chatrec::retrieval
