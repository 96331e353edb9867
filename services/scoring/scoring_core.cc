#include "services/scoring/scoring_core.h"

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/model/fold.h"

namespace chatrec::scoring {

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
  v1::ScoreResponse resp;
  resp.set_model_version(m.version);
  resp.set_user_vector_used(q.user_used);
  for (const auto& s : top) {
    auto* item = resp.add_items();
    item->set_item_id(m.item_ids[s.row]);
    item->set_score(s.score);
    *item->mutable_breakdown() = model::Breakdown(m, q, s.row, s.score);
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
