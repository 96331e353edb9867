#include "libs/retrieval/test_world.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "libs/kernels/synthetic.h"

namespace chatrec::retrieval::testing {

std::shared_ptr<model::Model> MakeTestModel(const catalog::Catalog& catalog, const TestWorldOptions& o, uint32_t seed,
                                            const std::string& version) {
  kernels::SyntheticOptions so;
  so.items = catalog.size();
  so.dim = o.dim;
  so.clusters = o.clusters;
  so.queries = 1;
  so.seed = seed;
  kernels::SyntheticData data = kernels::MakeClusteredData(so);
  auto m = std::make_shared<model::Model>();
  m->version = version;
  m->dim = o.dim;
  for (int32_t r = 0; r < catalog.size(); ++r) m->item_ids.push_back(catalog.item(r).id());
  m->item_vectors = std::move(data.rows);
  m->item_bias = std::move(data.bias);
  const size_t d = o.dim;
  for (int32_t r = 0; r < catalog.size(); ++r) {
    if (catalog.item(r).popularity() == 0) {  // never interacted with: ALS leaves it near zero
      std::fill(m->item_vectors.begin() + r * d, m->item_vectors.begin() + (r + 1) * d, 0.0f);
      m->item_bias[r] = 0;
    }
  }
  m->a.assign(d * d, 0.f);
  for (size_t a = 0; a < d; ++a) m->a[a * d + a] = 1.f;
  m->b = m->a;
  m->c = m->a;
  m->gram = m->a;
  for (const auto& e : catalog.entities()) {
    const auto& rows = catalog.RowsWithEntity(e.id());
    std::vector<float> centroid(d, 0.f);
    int used = 0;
    for (int32_t r : rows) {
      if (catalog.item(r).popularity() == 0) continue;
      ++used;
      for (size_t j = 0; j < d; ++j) centroid[j] += m->item_vectors[r * d + j];
    }
    if (used == 0) continue;
    for (float& x : centroid) x /= used;
    m->entity_ids.push_back(e.id());
    m->entity_vectors.insert(m->entity_vectors.end(), centroid.begin(), centroid.end());
  }
  m->Index();
  return m;
}

TestWorld MakeTestWorld(const TestWorldOptions& o) {
  kernels::SyntheticOptions so;
  so.items = o.items;
  so.dim = o.dim;
  so.clusters = o.clusters;
  so.queries = 1;
  so.seed = o.seed;
  kernels::SyntheticData data = kernels::MakeClusteredData(so);
  std::vector<catalog::EntityRecord> entities;
  for (int c = 0; c < o.clusters; ++c) {
    catalog::EntityRecord g;
    g.set_id(absl::StrCat("genre:g", c % 7));
    g.set_type(v1::ENTITY_TYPE_GENRE);
    if (c < 7) entities.push_back(g);
    catalog::EntityRecord p;
    p.set_id(absl::StrCat("person:director_", c));
    p.set_type(v1::ENTITY_TYPE_PERSON);
    entities.push_back(p);
    p.set_id(absl::StrCat("person:actor_", c));
    entities.push_back(p);
  }
  std::vector<catalog::ItemRecord> items;
  for (int64_t i = 0; i < o.items; ++i) {
    const int c = data.cluster[i];
    catalog::ItemRecord it;
    it.set_id(i + 1);
    it.set_name(absl::StrCat("item ", i + 1));
    it.set_year(1950 + static_cast<int>(i % 70));
    const bool cold = o.cold_every > 0 && i % o.cold_every == o.cold_every - 1;
    it.set_popularity(cold ? 0 : static_cast<int64_t>(1e5 / std::pow(i + 1.0, 0.8)) + 1);
    auto fact = [&](const char* rel, std::string id) {
      auto* f = it.add_facts();
      f->set_relation(rel);
      f->set_entity_id(std::move(id));
    };
    fact("genre", absl::StrCat("genre:g", c % 7));
    fact("director", absl::StrCat("person:director_", c));
    if (i % 2 == 0) fact("starring", absl::StrCat("person:actor_", c));
    items.push_back(std::move(it));
  }
  TestWorld w;
  w.catalog = *catalog::Catalog::Create(std::move(items), std::move(entities));
  w.model = MakeTestModel(*w.catalog, o, o.seed, absl::StrCat("test-", o.seed));
  return w;
}

}  // namespace chatrec::retrieval::testing
