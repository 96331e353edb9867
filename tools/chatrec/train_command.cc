// `chatrec train` and `chatrec models`: a new model version from the stored histories.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include <fstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/eval/redial_turns.h"
#include "libs/catalog/catalog_store.h"
#include "libs/common/progress.h"
#include "libs/events/event_store.h"
#include "libs/model/model_store.h"
#include "libs/model/trainer.h"
#include "libs/storage/layout.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"
#include "tools/chatrec/kg_flags.h"

// Defaults tuned on a validation split of ML-100K (seed 1 of `chatrec eval`), not on the reported split.
ABSL_FLAG(int, dim, 64, "Embedding dimension");
ABSL_FLAG(int, iterations, 15, "ALS iterations (at most: validation stops early)");
ABSL_FLAG(uint64_t, seed, 42, "Random seed (training is deterministic for a seed)");
ABSL_FLAG(int, threads, 2, "Training threads");
ABSL_FLAG(double, alpha, 3, "Implicit-ALS confidence scale: c = 1 + alpha * strength");
ABSL_FLAG(double, lambda, 30, "Implicit-ALS ridge term");
ABSL_FLAG(double, validation_fraction, 0.1,
          "Share of each user's liked items held out for early stopping and scale tuning (0: none)");
ABSL_FLAG(double, item_item_weight, -1,
          "Scale of the item-item co-occurrence term (libs/model/item_item.h); 0 off; -1: 0.01 for ReDial (chosen on training-side dialogues held out from training; the other terms are about 0.001 there, so the term leads wherever it applies), off otherwise");
ABSL_FLAG(std::string, item_item_norm, "conditional",
          "Normalisation of the item-item term: conditional (c_ji / n_j, the share of the dialogues naming j that "
          "also name i) or cosine (c_ji / sqrt(n_j n_i), favours rare films)");
ABSL_FLAG(int, item_item_neighbours, 100, "Item-item neighbours kept per item");
ABSL_FLAG(double, mention_prior_weight, -1,
          "ReDial: weight of the mention prior added to the item bias, w * log1p(n_i) / log1p(max n), n_i = training-side "
          "dialogues naming film i; 0 off; -1: the ReDial default (see README), off otherwise");
ABSL_FLAG(int, patience, 2, "Iterations without a better validation NDCG@10 before stopping");
ABSL_DECLARE_FLAG(double, kg_ridge);
ABSL_FLAG(std::string, head, "bpr",
          "How the scales of A, B, C and the popularity prior are set on the validation holdout: bpr (ranking "
          "loss) or grid (grid search on validation NDCG@10)");

namespace chatrec::cli {
namespace {
// ReDial defaults (README, "Recall@k through the production path": how they were chosen).
constexpr double kRedialItemItem = 0.01;
constexpr double kRedialMentionPrior = 0.001;
absl::StatusOr<std::vector<std::vector<int32_t>>> RedialCoMentions(const catalog::Catalog& catalog);
}  // namespace

int TrainCommand(const std::vector<std::string>&) {
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  auto catalog = catalog::LoadCatalog(layout.catalog());
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str()), 1;
  auto store = events::EventStore::Open({.path = layout.feedback(), .read_only = true});
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;

  // Sum the signals of each (user, item) pair.
  absl::flat_hash_map<std::string, int32_t> user_index;
  absl::flat_hash_map<std::pair<int32_t, int32_t>, model::Interaction> pairs;
  int64_t events = 0;
  auto s = (*store)->ScanAll([&](const std::string&, const v1::Event& e) {
    ++events;
    int32_t row = (*catalog)->RowOf(e.item_id());
    auto signal = model::SignalOf(e.type(), e.rating());
    if (row < 0 || !signal) return true;
    int32_t u = user_index.emplace(e.user_id(), static_cast<int32_t>(user_index.size())).first->second;
    auto& acc = pairs[{u, row}];
    acc.user = u;
    acc.row = row;
    // The latest preference wins; confidence accumulates.
    if (e.timestamp_ms() >= acc.timestamp) {
      acc.signal.preference = signal->preference;
      acc.timestamp = e.timestamp_ms();
    }
    acc.signal.strength += signal->strength;
    return true;
  });
  if (!s.ok()) return std::fprintf(stderr, "reading events failed: %s\n", s.ToString().c_str()), 1;
  const bool redial = (*catalog)->meta().dataset() == "redial";
  std::vector<model::Interaction> interactions;
  interactions.reserve(pairs.size());
  for (const auto& [key, interaction] : pairs) interactions.push_back(interaction);
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
  o.alpha = static_cast<float>(absl::GetFlag(FLAGS_alpha));
  o.lambda = static_cast<float>(absl::GetFlag(FLAGS_lambda));
  o.validation_fraction = absl::GetFlag(FLAGS_validation_fraction);
  o.patience = absl::GetFlag(FLAGS_patience);
  o.head = absl::GetFlag(FLAGS_head);
  if (o.head != "bpr" && o.head != "grid") return std::fprintf(stderr, "--head must be bpr or grid\n"), 2;
  const double item_item = absl::GetFlag(FLAGS_item_item_weight);
  o.item_item.scale = static_cast<float>(item_item >= 0 ? item_item : (*catalog)->meta().dataset() == "redial" ? kRedialItemItem : 0.0);
  o.item_item.neighbours = absl::GetFlag(FLAGS_item_item_neighbours);
  if (std::string norm = absl::GetFlag(FLAGS_item_item_norm); norm == "cosine") {
    o.item_item.norm = model::ItemItemNorm::kCosine;
  } else if (norm != "conditional") {
    return std::fprintf(stderr, "--item_item_norm must be conditional or cosine\n"), 2;
  }
  const double prior_flag = absl::GetFlag(FLAGS_mention_prior_weight);
  const double mention_prior = prior_flag >= 0 ? prior_flag : redial ? kRedialMentionPrior : 0.0;
  auto start = std::chrono::steady_clock::now();
  auto kg = TrainKgFromFlags(**catalog, /*verbose=*/true);
  if (!kg.ok()) return std::fprintf(stderr, "KG embeddings failed: %s\n", kg.status().ToString().c_str()), 1;
  o.kg = *kg;
  o.kg_source = *KgSource();
  o.kg_ridge = static_cast<float>(absl::GetFlag(FLAGS_kg_ridge));
  // Upper bound: validation iterations (early stopping may end them sooner) + final iterations.
  Progress progress("training (ALS)", o.validation_fraction > 0 ? 2 * o.iterations : o.iterations);
  std::unique_ptr<Progress> head_progress;  // the BPR head's epochs, between the two ALS runs
  auto m = model::TrainModel(
      **catalog, static_cast<int32_t>(user_index.size()), interactions, o,
      [&](int it, int, double) { progress.Update(it); },
      [&](const model::EpochLog& l) {
        if (std::string_view(l.phase) == "head") {
          if (!head_progress) head_progress = std::make_unique<Progress>("training (BPR head)", l.iterations);
          head_progress->Update(l.iteration);
        } else if (head_progress && std::string_view(l.phase) == "final") {
          head_progress->Finish();  // early stopping ends the head before its last epoch
        }
        if (l.val_ndcg10 >= 0) {
          std::fprintf(stderr, "  %-10s iteration %2d/%d loss %.5f val ndcg@10 %.4f%s\n", l.phase, l.iteration,
                       l.iterations, l.loss, l.val_ndcg10, l.best ? " *" : "");
        } else {
          std::fprintf(stderr, "  %-10s iteration %2d/%d loss %.5f\n", l.phase, l.iteration, l.iterations, l.loss);
        }
      });
  if (!m.ok()) return std::fprintf(stderr, "training failed: %s\n", m.status().ToString().c_str()), 1;
  progress.Finish();
  if (redial && (o.item_item.scale != 0 || mention_prior != 0)) {
    // ReDial: the item-item term learns from every co-mention of the training-side dialogues,
    // not only from the titles the seekers answered about (the stored interactions), and the
    // popularity prior counts the dialogues that name each film.
    auto co = RedialCoMentions(**catalog);
    if (!co.ok()) return std::fprintf(stderr, "%s\n", co.status().ToString().c_str()), 1;
    if (o.item_item.scale != 0) {
      m->item_item = model::LearnItemItem(*co, (*catalog)->size(), o.item_item);
      m->metrics["item_item_dialogues"] = static_cast<double>(co->size());
      m->metrics["item_item_conditional"] = o.item_item.norm == model::ItemItemNorm::kConditional ? 1 : 0;
    }
    if (mention_prior != 0) {
      std::vector<double> named(m->item_bias.size(), 0);
      for (const auto& rows : *co) {
        absl::flat_hash_set<int32_t> distinct(rows.begin(), rows.end());
        for (int32_t r : distinct) {
          if (r >= 0 && r < static_cast<int32_t>(named.size())) ++named[r];
        }
      }
      const double max_named = std::max(1.0, *std::max_element(named.begin(), named.end()));
      for (size_t r = 0; r < named.size(); ++r) {
        m->item_bias[r] += static_cast<float>(mention_prior * std::log1p(named[r]) / std::log1p(max_named));
      }
      m->metrics["scale_mention_prior"] = mention_prior;
    }
  }
  m->version = model::NewModelVersion();
  if (head_progress) head_progress->Finish();
  const std::string trainer = absl::StrCat("ials", m->kg_dim > 0 ? "+transe-" + m->kg_source : "",
                                           m->metrics.count("head_bpr") ? "+bpr-head" : "");
  if (auto saved = model::SaveModel(layout.model(), *m, trainer); !saved.ok()) {
    return std::fprintf(stderr, "saving the model failed: %s\n", saved.ToString().c_str()), 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("model %s: dim %d, %lld items, %zu entity embeddings, train loss %.5f, %.1f s\n", m->version.c_str(),
              m->dim, static_cast<long long>(m->size()), m->entity_ids.size(), m->metrics["train_loss"], secs);
  if (m->metrics.count("val_ndcg@10")) {
    std::printf("  validation (%.0f users): ndcg@10 %.4f, precision@5 %.4f after %.0f iterations; scales B %.2f C %.2f bias %.3f\n",
                m->metrics["val_users"], m->metrics["val_ndcg@10"], m->metrics["val_precision@5"],
                m->metrics["iterations"], m->metrics["scale_need"], m->metrics["scale_kg"], m->metrics["scale_bias"]);
    if (m->metrics.count("head_bpr")) {
      std::printf("  BPR head: %.0f epochs (best %.0f), early-stopping ndcg@10 %.4f -> %.4f\n", m->metrics["head_epochs"],
                  m->metrics["head_best_epoch"], m->metrics["head_val_ndcg@10_start"], m->metrics["head_val_ndcg@10"]);
    }
  }
  return 0;
}

namespace {

// The catalogue rows each training-side ReDial dialogue mentions (the two splits, distinct conversations).
absl::StatusOr<std::vector<std::vector<int32_t>>> RedialCoMentions(const catalog::Catalog& catalog) {
  eval::MovieTitles titles;
  for (int32_t r = 0; r < catalog.size(); ++r) titles[catalog.item(r).id()] = eval::NormaliseTitle(catalog.item(r).title());
  std::vector<std::vector<int32_t>> out;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& path : RedialTrainingDialogues()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path, " (the item-item term learns from it; "
                                                     "--item_item_weight 0 trains without)"));
    auto parsed = eval::ParseRedialDialogues(in, titles);
    if (!parsed.ok()) return parsed.status();
    for (size_t i = 0; i < parsed->dialogue_mentions.size(); ++i) {
      if (!seen.insert(parsed->dialogue_ids[i]).second) continue;
      auto& rows = out.emplace_back();
      for (int64_t id : parsed->dialogue_mentions[i]) rows.push_back(catalog.RowOf(id));
    }
  }
  return out;
}

}  // namespace

int ModelsCommand(const std::vector<std::string>&) {
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  auto models = model::ListModels(layout.model());
  if (!models.ok()) return std::fprintf(stderr, "%s\n", models.status().ToString().c_str()), 1;
  for (const auto& m : *models) {
    std::string metrics;
    for (const auto& [k, v] : m.metrics()) absl::StrAppendFormat(&metrics, " %s=%.4g", k, v);
    std::string kg = m.kg_dim() > 0 ? absl::StrFormat(" kg=%s/%s dim=%d epochs=%d entities=%lld", m.kg_source(),
                                                      m.kg_method(), m.kg_dim(), m.kg_epochs(),
                                                      static_cast<long long>(m.kg_entities()))
                                    : std::string(" kg=none");
    std::printf("%s  dim=%d items=%lld trainer=%s%s head=%s%s\n", m.version().c_str(), m.dim(),
                static_cast<long long>(m.items()), m.trainer().c_str(), kg.c_str(),
                m.head().empty() ? "fixed" : m.head().c_str(), metrics.c_str());
  }
  return 0;
}

}  // namespace chatrec::cli
