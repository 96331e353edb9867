#include "libs/retrieval/vector_index.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "libs/common/status_macros.h"
#include "libs/model/fold.h"

namespace chatrec::retrieval {
namespace {

void SortBest(std::vector<kernels::ScoredItem>* v) {
  std::sort(v->begin(), v->end(), [](const kernels::ScoredItem& a, const kernels::ScoredItem& b) {
    return a.score > b.score || (a.score == b.score && a.row < b.row);
  });
}

}  // namespace

const char* SearchPathName(SearchPath path) {
  switch (path) {
    case SearchPath::kEmpty:
      return "empty";
    case SearchPath::kExact:
      return "exact";
    case SearchPath::kExactSubset:
      return "exact_subset";
    case SearchPath::kAnn:
      return "ann";
    case SearchPath::kAnnThenExact:
      return "ann_then_exact";
  }
  return "?";
}

absl::StatusOr<std::shared_ptr<const VectorIndex>> VectorIndex::Build(model::ModelPtr model,
                                                                      const catalog::Catalog& catalog,
                                                                      const VectorIndexOptions& options,
                                                                      const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  std::shared_ptr<VectorIndex> v(new VectorIndex());
  v->options_ = options;
  ASSIGN_OR_RETURN(v->items_, model::ItemIndex::Build(std::move(model)));
  const model::Model& m = v->items_->model();
  if (m.size() >= options.ann_min_items) {
    if (options.kind == AnnKind::kHnsw) {
      ASSIGN_OR_RETURN(v->ann_, HnswIndex::Build(v->items_->matrix(), options.hnsw, cancel));
    } else {
      ASSIGN_OR_RETURN(v->ivf_, IvfIndex::Build(v->items_->matrix(), options.ivf, cancel));
    }
  }
  v->rows_by_bias_.resize(m.size());
  for (int32_t r = 0; r < m.size(); ++r) v->rows_by_bias_[r] = r;
  std::stable_sort(v->rows_by_bias_.begin(), v->rows_by_bias_.end(),
                   [&](int32_t a, int32_t b) { return m.item_bias[a] > m.item_bias[b]; });

  // Cold start: items nobody has interacted with get a vector from their KG facts.
  std::vector<float> content;
  const int32_t n = std::min<int32_t>(catalog.size(), static_cast<int32_t>(m.size()));
  std::vector<float> acc(m.dim);
  for (int32_t r = 0; r < n; ++r) {
    const auto& item = catalog.item(r);
    if (item.popularity() > 0) continue;
    std::fill(acc.begin(), acc.end(), 0.0f);
    float total = 0;
    for (const auto& fact : item.facts()) {
      const float* e = m.entity(fact.entity_id());
      if (!e) continue;
      const float wt = model::RelationWeight(fact.relation());
      for (int j = 0; j < m.dim; ++j) acc[j] += wt * e[j];
      total += wt;
    }
    if (total <= 0) continue;
    for (float& x : acc) x /= total;
    v->cold_rows_.push_back(r);
    content.insert(content.end(), acc.begin(), acc.end());
  }
  if (!v->cold_rows_.empty()) {
    ASSIGN_OR_RETURN(kernels::ItemMatrix cm, kernels::ItemMatrix::Create(m.dim, content));
    v->cold_matrix_.emplace(std::move(cm));
  }
  v->build_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::shared_ptr<const VectorIndex>(std::move(v));
}

VectorIndex::Result VectorIndex::Search(absl::Span<const float> w, const AllowedSet& allowed, int k) const {
  Result res;
  const int64_t n = items_->matrix().size();
  const int64_t count = allowed.count();
  if (k <= 0 || count == 0 || static_cast<int>(w.size()) != model().dim) return res;
  auto exact = [&](SearchPath path) {
    res.path = path;
    if (allowed.all()) {
      res.items = items_->TopK(w, k);
    } else {
      auto top = kernels::TopKSubset(items_->matrix(), w, allowed.Rows(), k);
      if (top.ok()) res.items = std::move(*top);
    }
    return res;
  };
  if (!has_ann()) return exact(allowed.all() ? SearchPath::kExact : SearchPath::kExactSubset);
  if (!allowed.all() && count <= options_.exact_max_allowed) return exact(SearchPath::kExactSubset);
  if (ivf_) {
    res.items = ivf_->Search(w, k, 0, allowed.all() ? nullptr : &allowed);
    if (static_cast<int64_t>(res.items.size()) < std::min<int64_t>(k, count)) return exact(SearchPath::kAnnThenExact);
    res.path = SearchPath::kAnn;
    return res;
  }
  const double fraction = static_cast<double>(count) / static_cast<double>(n);
  const double want_d = allowed.all() ? k : std::ceil(k / fraction * options_.oversample) + 16;
  if (want_d > options_.max_ann_candidates && want_d > k) return exact(SearchPath::kExactSubset);
  const int want = static_cast<int>(want_d);
  std::vector<kernels::ScoredItem> hits = ann_->Search(w, want, std::max(want, options_.hnsw.ef_search));
  std::vector<int32_t> rows;
  rows.reserve(hits.size());
  for (const auto& h : hits) {
    if (allowed.Contains(h.row)) rows.push_back(h.row);
  }
  if (static_cast<int64_t>(rows.size()) < std::min<int64_t>(k, count)) return exact(SearchPath::kAnnThenExact);
  // Exact scores, bit-identical to the kernels', so that ANN and exact results compare.
  std::vector<float> scores(rows.size());
  kernels::ScoreRows(items_->matrix(), w, rows, absl::MakeSpan(scores));
  res.items.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) res.items[i] = {rows[i], scores[i]};
  SortBest(&res.items);
  if (res.items.size() > static_cast<size_t>(k)) res.items.resize(k);
  res.path = SearchPath::kAnn;
  return res;
}

std::vector<kernels::ScoredItem> VectorIndex::ColdStart(absl::Span<const float> w, const AllowedSet& allowed,
                                                        int k) const {
  std::vector<kernels::ScoredItem> out;
  if (!cold_matrix_ || k <= 0 || static_cast<int>(w.size()) != model().dim) return out;
  std::vector<int32_t> local;
  local.reserve(cold_rows_.size());
  for (size_t i = 0; i < cold_rows_.size(); ++i) {
    if (allowed.Contains(cold_rows_[i])) local.push_back(static_cast<int32_t>(i));
  }
  if (local.empty()) return out;
  auto top = kernels::TopKSubset(*cold_matrix_, w, local, k);
  if (!top.ok()) return out;
  for (auto& s : *top) out.push_back({cold_rows_[s.row], s.score});
  return out;
}

}  // namespace chatrec::retrieval
