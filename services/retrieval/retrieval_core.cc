#include "services/retrieval/retrieval_core.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/model/fold.h"

namespace chatrec::retrieval {
namespace {

struct Ranked {
  int32_t row;
  float score;
};

// Sorts by score (descending, ties by row) and keeps the best `n`.
void KeepBest(std::vector<Ranked>* v, size_t n) {
  auto better = [](const Ranked& a, const Ranked& b) { return a.score > b.score || (a.score == b.score && a.row < b.row); };
  if (v->size() > n) {
    std::partial_sort(v->begin(), v->begin() + n, v->end(), better);
    v->resize(n);
  } else {
    std::sort(v->begin(), v->end(), better);
  }
}

}  // namespace

absl::StatusOr<std::vector<int32_t>> RetrievalCore::AllowedRows(const v1::Filters& f) const {
  for (const auto& id : f.must_entities()) {
    if (!catalog_->FindEntity(id)) return absl::InvalidArgumentError(absl::StrCat("filters.must_entities: unknown entity ", id));
  }
  for (const auto& id : f.must_not_entities()) {
    if (!catalog_->FindEntity(id)) return absl::InvalidArgumentError(absl::StrCat("filters.must_not_entities: unknown entity ", id));
  }
  const int min_year = f.years().min_year(), max_year = f.years().max_year();
  if (min_year < 0 || max_year < 0 || (min_year && max_year && min_year > max_year)) {
    return absl::InvalidArgumentError(absl::StrCat("filters.years: empty range ", min_year, "..", max_year));
  }
  if (f.exclude_item_ids_size() > kMaxExcluded) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxExcluded, " filters.exclude_item_ids"));
  }
  std::vector<char> allowed(catalog_->size(), 1);
  for (const auto& id : f.must_entities()) {
    std::vector<char> has(catalog_->size(), 0);
    for (int32_t r : catalog_->RowsWithEntity(id)) has[r] = 1;
    for (int32_t r = 0; r < catalog_->size(); ++r) allowed[r] &= has[r];
  }
  for (const auto& id : f.must_not_entities()) {
    for (int32_t r : catalog_->RowsWithEntity(id)) allowed[r] = 0;
  }
  for (int64_t id : f.exclude_item_ids()) {
    int32_t r = catalog_->RowOf(id);
    if (r >= 0) allowed[r] = 0;
  }
  std::vector<int32_t> rows;
  for (int32_t r = 0; r < catalog_->size(); ++r) {
    if (!allowed[r]) continue;
    int year = catalog_->item(r).year();
    if ((min_year && year < min_year) || (max_year && year > max_year)) continue;
    rows.push_back(r);
  }
  return rows;
}

absl::StatusOr<v1::RetrieveResponse> RetrievalCore::Retrieve(const v1::RetrieveRequest& req) {
  if (req.k() < 1 || req.k() > kMaxK) return absl::InvalidArgumentError(absl::StrCat("k must be 1..", kMaxK, ", got ", req.k()));
  if (req.need_size() > kMaxEntities || req.kg_context_size() > kMaxEntities) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxEntities, " entities in need and in kg_context"));
  }
  ASSIGN_OR_RETURN(std::vector<int32_t> allowed, AllowedRows(req.filters()));
  ASSIGN_OR_RETURN(auto index, index_.For(models_->Current()));
  const model::Model& m = index->model();
  v1::RetrieveResponse resp;
  resp.set_model_version(m.version);
  resp.set_matching_items(static_cast<int64_t>(allowed.size()));
  if (allowed.empty()) return resp;
  const size_t k = static_cast<size_t>(req.k());
  std::vector<char> is_allowed(catalog_->size(), 0);
  for (int32_t r : allowed) is_allowed[r] = 1;
  const bool unconstrained = allowed.size() == static_cast<size_t>(catalog_->size());

  // Vector source: the folded query w over the allowed rows.
  bool user_fits = req.user_vector_size() == m.dim && req.user_model_version() == m.version;
  absl::Span<const float> u = user_fits ? absl::MakeConstSpan(req.user_vector().data(), req.user_vector_size())
                                        : absl::Span<const float>();
  model::FoldedQuery q = model::Fold(m, *catalog_, u, req.need(), req.kg_context());
  std::vector<Ranked> vec;
  {
    std::vector<kernels::ScoredItem> top;
    if (unconstrained) {
      top = index->TopK(q.w, static_cast<int>(k));
    } else {
      ASSIGN_OR_RETURN(top, kernels::TopKSubset(index->matrix(), q.w, allowed, static_cast<int>(k)));
    }
    for (const auto& s : top) vec.push_back({s.row, s.score});
  }

  // KG source: items one hop from the context entities and the liked need entities,
  // weighted by relation; an item's neighbours are the items sharing its facts.
  std::vector<Ranked> kg;
  {
    absl::flat_hash_map<int32_t, float> acc;
    auto add_entity = [&](const std::string& entity_id, float w) {
      const auto& rows = catalog_->RowsWithEntity(entity_id);
      // Very broad entities (a genre) say little about any one item.
      float spread = w / std::sqrt(static_cast<float>(std::max<size_t>(rows.size(), 1)));
      for (int32_t r : rows) {
        if (is_allowed[r]) acc[r] += spread;
      }
    };
    auto add = [&](const v1::WeightedEntity& e) {
      if (e.weight() <= 0) return;
      int64_t item_id = catalog::ItemIdFromEntity(e.entity_id());
      int32_t row = item_id >= 0 ? catalog_->RowOf(item_id) : -1;
      if (row < 0) {
        add_entity(e.entity_id(), e.weight());
        return;
      }
      for (const auto& fact : catalog_->item(row).facts()) {
        add_entity(fact.entity_id(), e.weight() * model::RelationWeight(fact.relation()));
      }
    };
    for (const auto& e : req.kg_context()) add(e);
    for (const auto& e : req.need()) add(e);
    for (const auto& [row, score] : acc) kg.push_back({row, score});
    KeepBest(&kg, k);
  }

  // Attribute and popularity sources: the allowed rows by item bias (popularity prior).
  std::vector<Ranked> popular;
  for (int32_t r : allowed) popular.push_back({r, m.item_bias[r]});
  KeepBest(&popular, k);
  const bool constrained = !unconstrained;

  // Merge: each source fills its quota in turn, then the rest is filled in source order.
  absl::flat_hash_map<int32_t, int> position;
  auto take = [&](const std::vector<Ranked>& list, v1::CandidateSource source, size_t quota) {
    size_t added = 0;
    for (const Ranked& c : list) {
      auto it = position.find(c.row);
      if (it != position.end()) {
        auto* s = resp.mutable_candidates(it->second)->add_sources();
        s->set_source(source);
        s->set_raw_score(c.score);
        continue;
      }
      if (added >= quota || static_cast<size_t>(resp.candidates_size()) >= k) continue;
      position[c.row] = resp.candidates_size();
      auto* cand = resp.add_candidates();
      cand->set_item_id(catalog_->item(c.row).id());
      auto* s = cand->add_sources();
      s->set_source(source);
      s->set_raw_score(c.score);
      ++added;
    }
  };
  auto quota = [&](float share) { return std::max<size_t>(1, static_cast<size_t>(std::ceil(share * k))); };
  take(vec, v1::CANDIDATE_SOURCE_VECTOR, quota(quotas_.vector));
  take(kg, v1::CANDIDATE_SOURCE_KG, quota(quotas_.kg));
  if (constrained) take(popular, v1::CANDIDATE_SOURCE_ATTRIBUTE, quota(quotas_.attribute));
  take(popular, v1::CANDIDATE_SOURCE_POPULAR, quota(quotas_.popular));
  take(vec, v1::CANDIDATE_SOURCE_VECTOR, k);
  take(kg, v1::CANDIDATE_SOURCE_KG, k);
  take(popular, constrained ? v1::CANDIDATE_SOURCE_ATTRIBUTE : v1::CANDIDATE_SOURCE_POPULAR, k);
  return resp;
}

}  // namespace chatrec::retrieval
