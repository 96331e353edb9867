#include "libs/retrieval/kg_expander.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace chatrec::retrieval {

absl::StatusOr<KgScore> ParseKgScore(std::string_view name) {
  if (name == "spread") return KgScore::kSpread;
  if (name == "adamic_adar") return KgScore::kAdamicAdar;
  return absl::InvalidArgumentError(
      absl::StrCat("KG score must be spread or adamic_adar, got '", absl::string_view(name.data(), name.size()), "'"));
}

const char* KgScoreName(KgScore score) { return score == KgScore::kAdamicAdar ? "adamic_adar" : "spread"; }

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

KgExpander::Neighbourhood KgExpander::Neighbours(std::string_view entity_id, int cap) const {
  const std::vector<int32_t>& linked = catalog_->RowsWithEntity(entity_id);
  absl::Span<const int32_t> rows = linked;
  // Only broad entities have a popularity order; the others are looked up once, not twice.
  if (linked.size() > static_cast<size_t>(options_.hop2_rows_per_entity)) {
    auto it = popular_rows_.find(absl::string_view(entity_id.data(), entity_id.size()));
    if (it != popular_rows_.end()) rows = it->second;
  }
  return {rows.subspan(0, std::min<size_t>(rows.size(), static_cast<size_t>(cap))), linked.size()};
}

std::vector<kernels::ScoredItem> KgExpander::Expand(const model::Entities& context, const model::Entities& need,
                                                    const AllowedSet& allowed, int k) const {
  // Each hop first lists the entities it spreads from, so that its score map is sized once:
  // growing maps of thousands of rows were most of this function's cost. Entity ids are
  // views of the request's and the catalogue's strings, which outlive the call.
  struct Spread {
    absl::Span<const int32_t> rows;
    float score;  // added to every row: weight / sqrt(degree) (Adamic-Adar: / log(2 + degree))
  };
  const bool adamic_adar = options_.score == KgScore::kAdamicAdar;
  std::vector<Spread> spreads;
  size_t reached = 0;
  auto plan = [&](std::string_view entity_id, float weight, int cap) {
    const Neighbourhood n = Neighbours(entity_id, cap);
    const float degree = static_cast<float>(std::max<size_t>(n.degree, 1));
    spreads.push_back({n.rows, weight / (adamic_adar ? std::log(2.f + degree) : std::sqrt(degree))});
    reached += n.rows.size();
  };
  auto accumulate = [&](absl::flat_hash_map<int32_t, float>* acc) {
    acc->reserve(reached);
    for (const Spread& s : spreads) {
      for (int32_t r : s.rows) (*acc)[r] += s.score;
    }
    spreads.clear();
    reached = 0;
  };
  absl::flat_hash_set<std::string_view> visited;  // entities already expanded
  absl::flat_hash_set<int32_t> seeds;             // liked/mentioned items: not candidates of their own neighbourhood
  auto add_seed = [&](const v1::WeightedEntity& e) {
    if (e.weight() <= 0) return;
    const int64_t item_id = catalog::ItemIdFromEntity(e.entity_id());
    const int32_t row = item_id >= 0 ? catalog_->RowOf(item_id) : -1;
    if (row < 0) {
      visited.insert(e.entity_id());
      plan(e.entity_id(), e.weight(), options_.hop1_rows_per_entity);
      return;
    }
    seeds.insert(row);
    for (const auto& fact : catalog_->item(row).facts()) {
      visited.insert(fact.entity_id());
      plan(fact.entity_id(), e.weight() * (adamic_adar ? 1.f : model::RelationWeight(fact.relation())),
           options_.hop1_rows_per_entity);
    }
  };
  for (const auto& e : context) add_seed(e);
  if (!adamic_adar) {
    for (const auto& e : need) add_seed(e);
  }
  absl::flat_hash_map<int32_t, float> hop1;
  accumulate(&hop1);

  auto better = [](const kernels::ScoredItem& a, const kernels::ScoredItem& b) {
    return a.score > b.score || (a.score == b.score && a.row < b.row);
  };
  // Hop 2 from the best hop-1 items (allowed or not: a disallowed film can still lead
  // to allowed ones through its people), over entities hop 1 did not already use.
  // Adamic-Adar stops at one hop.
  if (!adamic_adar) {
    std::vector<kernels::ScoredItem> frontier;
    frontier.reserve(hop1.size());
    for (const auto& [row, score] : hop1) {
      if (!seeds.contains(row)) frontier.push_back({row, score});
    }
    const size_t from = std::min(frontier.size(), static_cast<size_t>(options_.hop2_from));
    std::partial_sort(frontier.begin(), frontier.begin() + from, frontier.end(), better);
    for (size_t i = 0; i < from; ++i) {
      for (const auto& fact : catalog_->item(frontier[i].row).facts()) {
        if (visited.contains(fact.entity_id())) continue;
        plan(fact.entity_id(), options_.hop2_damping * frontier[i].score * model::RelationWeight(fact.relation()),
             options_.hop2_rows_per_entity);
      }
    }
    // Summed apart from hop 1, then added: the same float sums as adding each hop's total.
    absl::flat_hash_map<int32_t, float> hop2;
    accumulate(&hop2);
    hop1.reserve(hop1.size() + hop2.size());
    for (const auto& [row, score] : hop2) hop1[row] += score;
  }

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
