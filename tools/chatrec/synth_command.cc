// `chatrec synth`: a synthetic catalogue and model at any scale (100k, 1M items)
// with the structure real data has: clustered item vectors, power-law
// popularity, and KG attributes (genres, directors, actors) that follow the
// clusters. For benchmarks of scoring and retrieval beyond ML-100K's 1,682 items.
#include <cmath>
#include <cstdio>
#include <random>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "libs/catalog/catalog_store.h"
#include "libs/common/progress.h"
#include "libs/common/time.h"
#include "libs/kernels/synthetic.h"
#include "libs/model/model_store.h"
#include "libs/storage/layout.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"

ABSL_DECLARE_FLAG(int, dim);  // train_command.cc: embedding dimension
ABSL_FLAG(int, clusters, 100, "Taste clusters (each has its own genres and people)");
ABSL_FLAG(uint32_t, synth_seed, 1, "Seed: the same seed gives the same data");

namespace chatrec::cli {
namespace {

const char* kGenres[] = {"action", "adventure", "animation", "childrens", "comedy", "crime", "documentary", "drama",
                         "fantasy", "film-noir", "horror", "musical", "mystery", "romance", "sci-fi", "thriller",
                         "war", "western"};
constexpr int kPeoplePerCluster = 40;

}  // namespace

int SynthCommand(const std::vector<std::string>&) {
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  kernels::SyntheticOptions so;
  so.items = absl::GetFlag(FLAGS_items);
  so.dim = absl::GetFlag(FLAGS_dim);
  so.clusters = absl::GetFlag(FLAGS_clusters);
  so.seed = absl::GetFlag(FLAGS_synth_seed);
  so.queries = 1;
  if (so.items < 10 || so.items > 20'000'000 || so.dim < 2 || so.dim > 1024 || so.clusters < 1) {
    std::fprintf(stderr, "--items must be 10..20M, --dim 2..1024, --clusters >= 1\n");
    return 2;
  }
  Progress progress("synthesising", 4);
  kernels::SyntheticData data = kernels::MakeClusteredData(so);
  progress.Update(1);

  // Attributes follow the vectors: an item's genres and people come from the cluster
  // its vector was drawn around.
  std::mt19937_64 rng(so.seed);
  std::uniform_int_distribution<int> year(1930, 2024);
  catalog::CatalogContents contents;
  const int n_genres = sizeof(kGenres) / sizeof(kGenres[0]);
  for (int g = 0; g < n_genres; ++g) {
    catalog::EntityRecord e;
    e.set_id(absl::StrCat("genre:", kGenres[g]));
    e.set_name(kGenres[g]);
    e.set_type(v1::ENTITY_TYPE_GENRE);
    contents.entities.push_back(e);
  }
  for (int c = 0; c < so.clusters; ++c) {
    for (int p = 0; p < kPeoplePerCluster; ++p) {
      catalog::EntityRecord e;
      e.set_id(absl::StrCat("person:Synth_", c, "_", p));
      e.set_name(absl::StrCat("Person ", c, "-", p));
      e.set_type(v1::ENTITY_TYPE_PERSON);
      contents.entities.push_back(e);
    }
  }
  // Zipf-like popularity over a random permutation of the items.
  std::vector<int64_t> order(so.items);
  for (int64_t i = 0; i < so.items; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<int64_t> popularity(so.items);
  for (int64_t r = 0; r < so.items; ++r) popularity[order[r]] = static_cast<int64_t>(1e6 / std::pow(r + 1.0, 0.9));
  std::geometric_distribution<int> person_rank(0.15);
  contents.items.reserve(so.items);
  for (int64_t i = 0; i < so.items; ++i) {
    const int cluster = data.cluster[i];
    catalog::ItemRecord item;
    item.set_id(i + 1);
    item.set_name(absl::StrCat("Synthetic ", cluster, "-", i + 1));
    item.set_year(year(rng));
    item.set_title(absl::StrCat(item.name(), " (", item.year(), ")"));
    item.set_popularity(popularity[i]);
    auto fact = [&](const char* rel, std::string id) {
      auto* f = item.add_facts();
      f->set_relation(rel);
      f->set_entity_id(std::move(id));
    };
    fact("genre", absl::StrCat("genre:", kGenres[cluster % n_genres]));
    if (cluster % 3 == 0) fact("genre", absl::StrCat("genre:", kGenres[(cluster / 3 + 5) % n_genres]));
    fact("director", absl::StrCat("person:Synth_", cluster, "_", std::min(person_rank(rng), kPeoplePerCluster - 1)));
    for (int a = 0; a < 3; ++a) {
      fact("starring", absl::StrCat("person:Synth_", cluster, "_", std::min(person_rank(rng), kPeoplePerCluster - 1)));
    }
    contents.items.push_back(std::move(item));
  }
  contents.meta.set_dataset(absl::StrCat("synthetic-", so.items));
  contents.meta.set_items(so.items);
  contents.meta.set_entities(static_cast<int64_t>(contents.entities.size()));
  contents.meta.set_imported_ms(NowMs());
  progress.Update(2);
  if (auto s = catalog::SaveCatalog(layout.catalog(), contents); !s.ok()) {
    std::fprintf(stderr, "writing the catalogue failed: %s\n", s.ToString().c_str());
    return 1;
  }
  progress.Update(3);

  model::Model m;
  m.version = model::NewModelVersion();
  m.dim = so.dim;
  for (int64_t i = 0; i < so.items; ++i) m.item_ids.push_back(i + 1);
  m.item_vectors = std::move(data.rows);
  m.item_bias = std::move(data.bias);
  const size_t d = so.dim;
  m.gram.assign(d * d, 0.f);
  for (int64_t i = 0; i < so.items; ++i) {
    const float* y = m.item_vectors.data() + i * d;
    for (size_t a = 0; a < d; ++a) {
      for (size_t b = 0; b < d; ++b) m.gram[a * d + b] += y[a] * y[b];
    }
  }
  m.a.assign(d * d, 0.f);
  for (size_t a = 0; a < d; ++a) m.a[a * d + a] = 1.f;
  m.b = m.a;
  m.c = m.a;
  // Entity embeddings: centroids of their items.
  auto catalog = catalog::Catalog::Create(contents.items, contents.entities, contents.meta);
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str()), 1;
  for (const auto& e : contents.entities) {
    const auto& rows = (*catalog)->RowsWithEntity(e.id());
    if (rows.empty()) continue;
    std::vector<float> centroid(d, 0.f);
    for (int32_t r : rows) {
      for (size_t a = 0; a < d; ++a) centroid[a] += m.item_vectors[r * d + a] / rows.size();
    }
    m.entity_ids.push_back(e.id());
    m.entity_vectors.insert(m.entity_vectors.end(), centroid.begin(), centroid.end());
  }
  m.metrics["synthetic_items"] = static_cast<double>(so.items);
  if (auto s = model::SaveModel(layout.model(), m, "synthetic"); !s.ok()) {
    std::fprintf(stderr, "saving the model failed: %s\n", s.ToString().c_str());
    return 1;
  }
  progress.Finish();
  std::printf("synthetic catalogue: %lld items, dim %d, %d clusters, %zu entities; model %s in %s\n",
              static_cast<long long>(so.items), so.dim, so.clusters, contents.entities.size(), m.version.c_str(),
              layout.root.c_str());
  return 0;
}

}  // namespace chatrec::cli
