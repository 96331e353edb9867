#include "services/retrieval/retrieval_core.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/model/fold.h"

namespace chatrec::retrieval {
namespace {

using kernels::ScoredItem;

// Popularity prior among the allowed rows: walk the global order while the filter
// passes many rows, scan the allowed rows when it passes few.
std::vector<ScoredItem> PopularAllowed(const VectorIndex& index, const AllowedSet& allowed, size_t k) {
  const model::Model& m = index.model();
  std::vector<ScoredItem> out;
  const int64_t n = static_cast<int64_t>(index.rows_by_bias().size());
  if (allowed.all() || allowed.count() * 50 >= n) {
    for (int32_t r : index.rows_by_bias()) {
      if (out.size() >= k) break;
      if (allowed.Contains(r)) out.push_back({r, m.item_bias[r]});
    }
    return out;
  }
  for (int32_t r : allowed.Rows()) out.push_back({r, m.item_bias[r]});
  auto better = [](const ScoredItem& a, const ScoredItem& b) {
    return a.score > b.score || (a.score == b.score && a.row < b.row);
  };
  const size_t keep = std::min(k, out.size());
  std::partial_sort(out.begin(), out.begin() + keep, out.end(), better);
  out.resize(keep);
  return out;
}

// A feedback signal list as allowed catalogue rows, best first (ids not in the catalogue dropped).
std::vector<ScoredItem> AllowedSignalRows(const catalog::Catalog& catalog, const std::vector<SignalItem>& items,
                                          const AllowedSet& allowed, size_t k) {
  std::vector<ScoredItem> out;
  for (const SignalItem& i : items) {
    if (out.size() >= k) break;
    const int32_t row = catalog.RowOf(i.item_id);
    if (row >= 0 && allowed.Contains(row)) out.push_back({row, static_cast<float>(i.score)});
  }
  return out;
}

// The first k allowed rows of a list, in its order.
std::vector<ScoredItem> FirstAllowed(const std::vector<ScoredItem>& rows, const AllowedSet& allowed, size_t k) {
  std::vector<ScoredItem> out;
  for (const ScoredItem& r : rows) {
    if (out.size() >= k) break;
    if (allowed.Contains(r.row)) out.push_back(r);
  }
  return out;
}

}  // namespace

std::shared_ptr<const RetrievalCore::TrendingRows> RetrievalCore::TrendingAsRows(std::vector<SignalItem> items) {
  auto same = [](const std::vector<SignalItem>& a, const std::vector<SignalItem>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const SignalItem& x, const SignalItem& y) {
      return x.item_id == y.item_id && x.score == y.score;
    });
  };
  std::lock_guard lock(trending_mu_);
  if (trending_ && same(trending_->items, items)) return trending_;
  auto t = std::make_shared<TrendingRows>();
  for (const SignalItem& i : items) {
    const int32_t row = catalog_->RowOf(i.item_id);
    if (row >= 0) t->rows.push_back({row, static_cast<float>(i.score)});
  }
  t->items = std::move(items);
  trending_ = t;
  return t;
}

absl::StatusOr<std::unique_ptr<RetrievalCore>> RetrievalCore::Create(const catalog::Catalog* catalog,
                                                                     model::ModelWatcher* models,
                                                                     RetrievalOptions options) {
  std::unique_ptr<RetrievalCore> core(new RetrievalCore(catalog, models, std::move(options), true));
  RETURN_IF_ERROR(core->init_status_);
  return core;
}

RetrievalCore::RetrievalCore(const catalog::Catalog* catalog, model::ModelWatcher* models, SourceQuotas quotas,
                             ItemSignalSource* signals, KgOptions kg)
    : RetrievalCore(catalog, models, RetrievalOptions{.quotas = quotas, .kg = kg, .signals = signals}, true) {}

RetrievalCore::RetrievalCore(const catalog::Catalog* catalog, model::ModelWatcher* models, RetrievalOptions options,
                             bool)
    : catalog_(catalog),
      models_(models),
      options_(std::move(options)),
      attributes_(catalog),
      kg_(catalog, options_.kg) {
  auto m = IndexManager::Create(catalog, models, options_.index);
  if (m.ok()) {
    indexes_ = std::move(*m);
  } else {
    init_status_ = absl::UnavailableError(absl::StrCat("no item index: ", m.status().message()));
  }
}

absl::StatusOr<std::vector<int32_t>> RetrievalCore::AllowedRows(const v1::Filters& f) const {
  ASSIGN_OR_RETURN(AllowedSet allowed, attributes_.Allowed(f));
  return allowed.Rows();
}

absl::StatusOr<v1::RetrieveResponse> RetrievalCore::Retrieve(const v1::RetrieveRequest& req,
                                                             std::chrono::system_clock::time_point deadline) {
  v1::RetrieveResponse resp;
  RETURN_IF_ERROR(RetrieveInto(req, deadline, &resp));
  return resp;
}

absl::Status RetrievalCore::RetrieveInto(const v1::RetrieveRequest& req, std::chrono::system_clock::time_point deadline,
                                         v1::RetrieveResponse* response) {
  response->Clear();
  if (req.k() < 1 || req.k() > kMaxK) return absl::InvalidArgumentError(absl::StrCat("k must be 1..", kMaxK, ", got ", req.k()));
  if (req.need_size() > kMaxEntities || req.kg_context_size() > kMaxEntities) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxEntities, " entities in need and in kg_context"));
  }
  ASSIGN_OR_RETURN(AllowedSet allowed, attributes_.Allowed(req.filters()));
  RETURN_IF_ERROR(init_status_);
  // One snapshot per request: model, vectors and graph of the same version.
  const std::shared_ptr<const VectorIndex> index = indexes_->Current();
  const model::Model& m = index->model();
  v1::RetrieveResponse& resp = *response;
  resp.set_model_version(m.version);
  resp.set_matching_items(allowed.count());
  if (allowed.count() == 0) return absl::OkStatus();
  const size_t k = static_cast<size_t>(req.k());
  auto quota = [&](float share) { return std::max<size_t>(1, static_cast<size_t>(std::ceil(share * k))); };

  // Vector source: the folded query w over the allowed rows; cold-start items by their content vector.
  const bool user_fits = req.user_vector_size() == m.dim && req.user_model_version() == m.version;
  absl::Span<const float> u = user_fits ? absl::MakeConstSpan(req.user_vector().data(), req.user_vector_size())
                                        : absl::Span<const float>();
  model::FoldedQuery q = model::Fold(m, *catalog_, u, req.need(), req.kg_context());
  VectorIndex::Result searched = index->Search(q.w, allowed, static_cast<int>(k));
  resp.set_search_path(SearchPathName(searched.path));
  const std::vector<ScoredItem>& vec = searched.items;
  std::vector<ScoredItem> cold = index->ColdStart(q.w, allowed, static_cast<int>(quota(options_.quotas.cold_start)));
  // KG source: one and two hops from the context entities and the need entities.
  std::vector<ScoredItem> kg = kg_.Expand(req.kg_context(), req.need(), allowed, static_cast<int>(k));
  // Attribute and popularity sources: the allowed rows by the popularity prior.
  std::vector<ScoredItem> popular = PopularAllowed(*index, allowed, k);
  const bool constrained = !allowed.all();
  // Feedback sources: co-occurrence with the liked items in the KG context, and trending items.
  std::vector<ScoredItem> co, trending;
  if (options_.signals) {
    std::vector<int64_t> seeds;
    for (const auto& e : req.kg_context()) {
      const int64_t id = e.weight() > 0 ? catalog::ItemIdFromEntity(e.entity_id()) : -1;
      if (id >= 0) seeds.push_back(id);
    }
    if (!seeds.empty()) co = AllowedSignalRows(*catalog_, options_.signals->CoOccurring(seeds, deadline), allowed, k);
    trending = FirstAllowed(TrendingAsRows(options_.signals->Trending())->rows, allowed, k);
  }

  // Item-item source: the learned neighbours of the context's titles (and, with an entity-item
  // term, of the need's genres and people), over the whole catalogue.
  std::vector<ScoredItem> item_item;
  if ((!m.item_item.empty() || !m.entity_item.empty()) && options_.quotas.item_item > 0) {
    absl::flat_hash_map<int32_t, float> term;
    m.AccumulateTerms(req.kg_context(), req.need(), &term);
    if (!term.empty()) {
      // More than k: some are filtered out (excluded, constraints, the seeds themselves).
      for (const auto& [row, score] : model::TopOfTerm(term, 2 * k + req.kg_context_size())) {
        if (item_item.size() >= k) break;
        if (allowed.Contains(row)) item_item.push_back({row, score});
      }
    }
  }

  // Merge: each source fills its quota in turn, then the rest is filled in source order.
  // A candidate lists each source that found it once, with that source's raw score.
  struct Slot {
    int index;
    uint32_t sources;  // bit per CandidateSource
  };
  absl::flat_hash_map<int32_t, Slot> position;
  position.reserve(k * 2);
  resp.mutable_candidates()->Reserve(static_cast<int>(k));
  auto take = [&](const std::vector<ScoredItem>& list, v1::CandidateSource source, size_t quota) {
    size_t added = 0;
    const uint32_t bit = 1u << static_cast<int>(source);
    for (const ScoredItem& c : list) {
      auto it = position.find(c.row);
      if (it != position.end()) {
        if (!(it->second.sources & bit)) {
          it->second.sources |= bit;
          auto* s = resp.mutable_candidates(it->second.index)->add_sources();
          s->set_source(source);
          s->set_raw_score(c.score);
        }
        continue;
      }
      if (added >= quota || static_cast<size_t>(resp.candidates_size()) >= k) continue;
      position[c.row] = {resp.candidates_size(), bit};
      auto* cand = resp.add_candidates();
      cand->set_item_id(catalog_->item(c.row).id());
      auto* s = cand->add_sources();
      s->set_source(source);
      s->set_raw_score(c.score);
      ++added;
    }
  };
  const auto& qs = options_.quotas;
  take(vec, v1::CANDIDATE_SOURCE_VECTOR, quota(qs.vector));
  take(item_item, v1::CANDIDATE_SOURCE_ITEM_ITEM, quota(qs.item_item));
  take(co, v1::CANDIDATE_SOURCE_CO_OCCURRENCE, quota(qs.co_occurrence));
  take(kg, v1::CANDIDATE_SOURCE_KG, quota(qs.kg));
  take(cold, v1::CANDIDATE_SOURCE_COLD_START, quota(qs.cold_start));
  if (constrained) take(popular, v1::CANDIDATE_SOURCE_ATTRIBUTE, quota(qs.attribute));
  take(trending, v1::CANDIDATE_SOURCE_TRENDING, quota(qs.trending));
  take(popular, v1::CANDIDATE_SOURCE_POPULAR, quota(qs.popular));
  take(vec, v1::CANDIDATE_SOURCE_VECTOR, k);
  take(item_item, v1::CANDIDATE_SOURCE_ITEM_ITEM, k);
  take(co, v1::CANDIDATE_SOURCE_CO_OCCURRENCE, k);
  take(kg, v1::CANDIDATE_SOURCE_KG, k);
  take(cold, v1::CANDIDATE_SOURCE_COLD_START, k);
  take(trending, v1::CANDIDATE_SOURCE_TRENDING, k);
  take(popular, constrained ? v1::CANDIDATE_SOURCE_ATTRIBUTE : v1::CANDIDATE_SOURCE_POPULAR, k);
  return absl::OkStatus();
}

}  // namespace chatrec::retrieval
