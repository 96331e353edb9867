// `chatrec train` and `chatrec models`: a new model version from the stored histories.
#include <cstdio>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "libs/catalog/catalog_store.h"
#include "libs/common/progress.h"
#include "libs/events/event_store.h"
#include "libs/model/model_store.h"
#include "libs/model/trainer.h"
#include "libs/storage/layout.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"

ABSL_FLAG(int, dim, 32, "Embedding dimension");
ABSL_FLAG(int, iterations, 10, "ALS iterations");
ABSL_FLAG(uint64_t, seed, 42, "Random seed (training is deterministic for a seed)");
ABSL_FLAG(int, threads, 2, "Training threads");

namespace chatrec::cli {

int TrainCommand(const std::vector<std::string>&) {
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  auto catalog = catalog::LoadCatalog(layout.catalog());
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str()), 1;
  auto store = events::EventStore::Open({.path = layout.feedback(), .read_only = true});
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;

  // Sum the signals of each (user, item) pair.
  absl::flat_hash_map<std::string, int32_t> user_index;
  absl::flat_hash_map<std::pair<int32_t, int32_t>, model::Signal> pairs;
  int64_t events = 0;
  auto s = (*store)->ScanAll([&](const std::string&, const v1::Event& e) {
    ++events;
    int32_t row = (*catalog)->RowOf(e.item_id());
    auto signal = model::SignalOf(e.type(), e.rating());
    if (row < 0 || !signal) return true;
    int32_t u = user_index.emplace(e.user_id(), static_cast<int32_t>(user_index.size())).first->second;
    auto& acc = pairs[{u, row}];
    // The latest preference wins; confidence accumulates.
    acc.preference = signal->preference;
    acc.strength += signal->strength;
    return true;
  });
  if (!s.ok()) return std::fprintf(stderr, "reading events failed: %s\n", s.ToString().c_str()), 1;
  std::vector<model::Interaction> interactions;
  interactions.reserve(pairs.size());
  for (const auto& [key, signal] : pairs) interactions.push_back({key.first, key.second, signal});
  std::sort(interactions.begin(), interactions.end(), [](const auto& a, const auto& b) {
    return a.user != b.user ? a.user < b.user : a.row < b.row;  // deterministic order
  });
  std::printf("training on %zu interactions of %zu users (%lld events), %d items\n", interactions.size(),
              user_index.size(), static_cast<long long>(events), (*catalog)->size());

  model::TrainOptions o;
  o.dim = absl::GetFlag(FLAGS_dim);
  o.iterations = absl::GetFlag(FLAGS_iterations);
  o.seed = absl::GetFlag(FLAGS_seed);
  o.threads = absl::GetFlag(FLAGS_threads);
  Progress progress("training (ALS)", o.iterations);
  auto m = model::TrainModel(**catalog, static_cast<int32_t>(user_index.size()), interactions, o,
                             [&](int it, int, double loss) {
                               progress.Update(it);
                               if (!absl::GetFlag(FLAGS_json)) std::fprintf(stderr, "  iteration %d loss %.5f\n", it, loss);
                             });
  if (!m.ok()) return std::fprintf(stderr, "training failed: %s\n", m.status().ToString().c_str()), 1;
  progress.Finish();
  m->version = model::NewModelVersion();
  if (auto saved = model::SaveModel(layout.model(), *m, "ials"); !saved.ok()) {
    return std::fprintf(stderr, "saving the model failed: %s\n", saved.ToString().c_str()), 1;
  }
  std::printf("model %s: dim %d, %lld items, %zu entity embeddings, train loss %.5f\n", m->version.c_str(), m->dim,
              static_cast<long long>(m->size()), m->entity_ids.size(), m->metrics["train_loss"]);
  return 0;
}

int ModelsCommand(const std::vector<std::string>&) {
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  auto models = model::ListModels(layout.model());
  if (!models.ok()) return std::fprintf(stderr, "%s\n", models.status().ToString().c_str()), 1;
  for (const auto& m : *models) {
    std::string metrics;
    for (const auto& [k, v] : m.metrics()) absl::StrAppendFormat(&metrics, " %s=%.4g", k, v);
    std::printf("%s  dim=%d items=%lld trainer=%s%s\n", m.version().c_str(), m.dim(), static_cast<long long>(m.items()),
                m.trainer().c_str(), metrics.c_str());
  }
  return 0;
}

}  // namespace chatrec::cli
