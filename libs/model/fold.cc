#include "libs/model/fold.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace chatrec::model {
namespace {

void Axpy(float a, const float* x, std::vector<float>* y) {
  for (size_t i = 0; i < y->size(); ++i) (*y)[i] += a * x[i];
}

// out = Mᵀ v for a row-major v.size() x cols matrix M.
std::vector<float> TransposeTimes(const std::vector<float>& m, const std::vector<float>& v, int cols) {
  std::vector<float> out(cols, 0.f);
  for (size_t r = 0; r < v.size(); ++r) {
    if (v[r] == 0.f) continue;
    const float* row = m.data() + r * cols;
    for (int c = 0; c < cols; ++c) out[c] += row[c] * v[r];
  }
  return out;
}

// h in the KG-embedding space: each entity contributes half its own embedding and half
// the mean embedding of its neighbourhood (an item: its facts' entities, mixed by
// relation weight; any other entity: the items linked to it), or all of whichever
// exists.
std::vector<float> KgEmbeddingVector(const Model& model, const catalog::Catalog& catalog, const Entities& context) {
  const int k = model.kg_dim;
  std::vector<float> h(k, 0.f), neighbours(k);
  for (const auto& e : context) {
    const float* self = model.kg_entity(e.entity_id());
    std::fill(neighbours.begin(), neighbours.end(), 0.f);
    bool has_neighbours = false;
    int64_t item_id = catalog::ItemIdFromEntity(e.entity_id());
    int32_t row = item_id >= 0 ? catalog.RowOf(item_id) : -1;
    if (row >= 0) {
      std::map<std::string, std::pair<std::vector<float>, int>> by_relation;
      for (const auto& fact : catalog.item(row).facts()) {
        const float* v = model.kg_entity(fact.entity_id());
        if (v == nullptr) continue;
        auto& [sum, n] = by_relation[fact.relation()];
        if (sum.empty()) sum.assign(k, 0.f);
        Axpy(1.f, v, &sum);
        ++n;
      }
      float total = 0;
      for (const auto& [relation, acc] : by_relation) total += RelationWeight(relation);
      for (const auto& [relation, acc] : by_relation) {
        Axpy(RelationWeight(relation) / (total * acc.second), acc.first.data(), &neighbours);
        has_neighbours = true;
      }
    } else {
      int n = 0;
      for (int32_t r : catalog.RowsWithEntity(e.entity_id())) {
        if (const float* v = model.kg_entity(catalog::ItemEntityId(catalog.item(r).id()))) Axpy(1.f, v, &neighbours), ++n;
      }
      if (n > 0) {
        for (float& x : neighbours) x /= static_cast<float>(n);
        has_neighbours = true;
      }
    }
    const float self_share = self == nullptr ? 0.f : has_neighbours ? 0.5f : 1.f;
    if (self != nullptr) Axpy(e.weight() * self_share, self, &h);
    if (has_neighbours) Axpy(e.weight() * (1.f - self_share), neighbours.data(), &h);
  }
  return h;
}

float Dot(const std::vector<float>& a, const float* b) {
  float s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

float RelationWeight(const std::string& relation) {
  if (relation == "director") return 1.0f;
  if (relation == "writer") return 0.7f;
  if (relation == "starring") return 0.6f;
  if (relation == "genre") return 0.4f;
  if (relation == "subject") return 0.3f;
  if (relation == "producer" || relation == "cinematography") return 0.3f;
  return 0.1f;  // distributor and anything new
}

std::vector<float> NeedVector(const Model& model, const Entities& need) {
  std::vector<float> q(model.dim, 0.f);
  for (const auto& e : need) {
    if (const float* v = model.entity(e.entity_id())) Axpy(e.weight(), v, &q);
  }
  return q;
}

std::vector<float> KgVector(const Model& model, const catalog::Catalog& catalog,
                            const Entities& context) {
  if (model.kg_dim > 0) return KgEmbeddingVector(model, catalog, context);
  std::vector<float> h(model.dim, 0.f);
  for (const auto& e : context) {
    int64_t item_id = catalog::ItemIdFromEntity(e.entity_id());
    int32_t row = item_id >= 0 ? catalog.RowOf(item_id) : -1;
    if (row < 0) {
      if (const float* v = model.entity(e.entity_id())) Axpy(e.weight(), v, &h);
      continue;
    }
    // An item: the mean embedding of its neighbours under each relation, mixed by
    // relation weight, so that sixteen broad subject categories do not outvote
    // the one director.
    std::map<std::string, std::pair<std::vector<float>, int>> by_relation;
    for (const auto& fact : catalog.item(row).facts()) {
      const float* v = model.entity(fact.entity_id());
      if (v == nullptr) continue;
      auto& [sum, n] = by_relation[fact.relation()];
      if (sum.empty()) sum.assign(model.dim, 0.f);
      Axpy(1.f, v, &sum);
      ++n;
    }
    float total = 0;
    for (const auto& [relation, acc] : by_relation) total += RelationWeight(relation);
    for (const auto& [relation, acc] : by_relation) {
      Axpy(e.weight() * RelationWeight(relation) / (total * acc.second), acc.first.data(), &h);
    }
  }
  return h;
}

FoldedQuery Fold(const Model& model, const catalog::Catalog& catalog, absl::Span<const float> user,
                 const Entities& need, const Entities& context) {
  FoldedQuery f;
  const int d = model.dim;
  std::vector<float> u(d, 0.f);
  if (static_cast<int>(user.size()) == d) {
    u.assign(user.begin(), user.end());
    f.user_used = true;
  }
  f.user = TransposeTimes(model.a, u, d);
  f.need = TransposeTimes(model.b, NeedVector(model, need), d);
  f.kg = TransposeTimes(model.c, KgVector(model, catalog, context), d);
  f.w.resize(d);
  for (int i = 0; i < d; ++i) {
    f.w[i] = f.user[i] + f.need[i] + f.kg[i];
    f.need_zero = f.need_zero && f.need[i] == 0.f;
    f.kg_zero = f.kg_zero && f.kg[i] == 0.f;
  }
  return f;
}

v1::ScoreBreakdown Breakdown(const Model& model, const FoldedQuery& q, int32_t row) {
  v1::ScoreBreakdown b;
  const float* y = model.item(row);
  b.set_user(Dot(q.user, y));
  b.set_need(Dot(q.need, y));
  b.set_kg(Dot(q.kg, y));
  b.set_bias(model.item_bias[row]);
  return b;
}

v1::ScoreBreakdown Breakdown(const Model& model, const FoldedQuery& q, int32_t row, float score) {
  v1::ScoreBreakdown b;
  const float* y = model.item(row);
  const float need = q.need_zero ? 0.f : Dot(q.need, y);
  const float kg = q.kg_zero ? 0.f : Dot(q.kg, y);
  b.set_need(need);
  b.set_kg(kg);
  b.set_bias(model.item_bias[row]);
  b.set_user(q.user_used ? score - model.item_bias[row] - need - kg : 0.f);
  return b;
}

}  // namespace chatrec::model
