#include "services/scoring/scoring_core.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/model/fold.h"

namespace chatrec::scoring {
namespace {

float Dot(const std::vector<float>& w, const float* y, int dim) {
  float s = 0;
  for (int i = 0; i < dim; ++i) s += w[i] * y[i];
  return s;
}

}  // namespace

absl::StatusOr<v1::ScoreResponse> ScoringCore::Score(const v1::ScoreRequest& req) {
  if (req.k() < 1 || req.k() > kMaxK) {
    return absl::InvalidArgumentError(absl::StrCat("k must be 1..", kMaxK, ", got ", req.k()));
  }
  if (req.candidate_ids_size() > kMaxCandidates) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxCandidates, " candidate_ids; leave it empty to score the whole catalogue"));
  }
  if (req.need_size() > kMaxEntities || req.kg_context_size() > kMaxEntities) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxEntities, " entities in need and in kg_context"));
  }
  ASSIGN_OR_RETURN(auto index, index_.For(models_->Current()));
  const model::Model& m = index->model();
  std::vector<int32_t> rows;
  rows.reserve(req.candidate_ids_size());
  for (int64_t id : req.candidate_ids()) {
    int32_t row = m.RowOf(id);
    if (row < 0) return absl::InvalidArgumentError(absl::StrCat("candidate id ", id, " is not in the catalogue"));
    rows.push_back(row);
  }
  bool user_fits = req.user_vector_size() == m.dim && req.user_model_version() == m.version;
  absl::Span<const float> u = user_fits ? absl::MakeConstSpan(req.user_vector().data(), req.user_vector_size())
                                        : absl::Span<const float>();
  model::FoldedQuery q = model::Fold(m, *catalog_, u, req.need(), req.kg_context());

  std::vector<kernels::ScoredItem> top;
  if (rows.empty()) {
    top = index->TopK(q.w, req.k());
  } else {
    ASSIGN_OR_RETURN(top, kernels::TopKSubset(index->matrix(), q.w, rows, req.k()));
  }
  // The item-item and entity-item terms: only the seeds' neighbours get them, so the top k of (kernel top k ∪
  // those neighbours, scored directly) is the top k of the whole sum.
  absl::flat_hash_map<int32_t, float> term, entity_term;
  m.AccumulateTerms(req.kg_context(), req.need(), &term, &entity_term);
  if (!term.empty()) {
    absl::flat_hash_set<int32_t> in_top;
    for (const auto& s : top) in_top.insert(s.row);
    absl::flat_hash_set<int32_t> allowed(rows.begin(), rows.end());
    for (const auto& [row, t] : term) {
      if (in_top.contains(row) || (!rows.empty() && !allowed.contains(row))) continue;
      top.push_back({row, Dot(q.w, m.item(row), m.dim) + m.item_bias[row]});
    }
    for (auto& s : top) {
      auto it = term.find(s.row);
      if (it != term.end()) s.score += it->second;
    }
    std::sort(top.begin(), top.end(), [](const kernels::ScoredItem& a, const kernels::ScoredItem& b) {
      return a.score > b.score || (a.score == b.score && a.row < b.row);
    });
    if (top.size() > static_cast<size_t>(req.k())) top.resize(req.k());
  }
  v1::ScoreResponse resp;
  resp.set_model_version(m.version);
  resp.set_user_vector_used(q.user_used);
  for (const auto& s : top) {
    auto* item = resp.add_items();
    item->set_item_id(m.item_ids[s.row]);
    item->set_score(s.score);
    auto it = term.find(s.row);
    const float item_item = it == term.end() ? 0.f : it->second;
    *item->mutable_breakdown() = model::Breakdown(m, q, s.row, s.score - item_item);
    item->mutable_breakdown()->set_item_item(item_item);
    if (auto e = entity_term.find(s.row); e != entity_term.end()) item->mutable_breakdown()->set_entity_item(e->second);
  }
  return resp;
}

absl::StatusOr<v1::ModelInfo> ScoringCore::GetModelInfo() const {
  model::ModelPtr m = models_->Current();
  v1::ModelInfo info;
  info.set_version(m->version);
  info.set_dim(m->dim);
  info.set_items(m->size());
  info.set_entities(static_cast<int64_t>(m->entity_ids.size()));
  for (const auto& [k, v] : m->metrics) (*info.mutable_metrics())[k] = v;
  return info;
}

}  // namespace chatrec::scoring
