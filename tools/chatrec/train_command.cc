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
#include "libs/nlu/understander.h"
#include "libs/nlu/word_lists.h"
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
ABSL_FLAG(double, item_item_directed, -1,
          "ReDial: share a of the direction-aware item-item term in W = (1-a) W_mentions + a W_directed, where "
          "W_directed[j][i] = share of the training dialogues with j in a recommendation turn's context in which the "
          "recommender then names i; -1: the ReDial default (see README)");
ABSL_FLAG(bool, item_item_repeated_targets, false,
          "ReDial: the direction-aware term also counts targets already mentioned before their turn");
ABSL_FLAG(double, item_item_two_hop, -1,
          "Discount of the item-item term's second hop, W + d W·W (neighbours of neighbours); 0 off; -1: the ReDial "
          "default (see README), off otherwise");
ABSL_FLAG(double, recommended_prior_weight, -1,
          "ReDial: weight of the recommended prior added to the item bias, w * log1p(r_i) / log1p(max r), r_i = "
          "training-side dialogues in which the recommender names film i; 0 off; -1: the ReDial default (see README)");
ABSL_FLAG(double, entity_item_weight, -1,
          "ReDial: scale of the entity-item term (W[e][i] = share of the training dialogues with genre or person e "
          "named by the seeker before a recommendation turn in which the recommender then names film i; the need's "
          "entities add scale * W[e][i]); 0 off; -1: the ReDial default (see README)");
ABSL_FLAG(int, entity_item_neighbours, 300, "Films kept per entity of the entity-item term");
ABSL_FLAG(int, seeker_words_min_dialogues, -1,
          "ReDial: the seeker's content words (nlu::ContentWords) also become keys of the entity-item term when "
          "they come before a recommendation turn in at least this many training dialogues; 0 off; -1: the ReDial "
          "default (see README)");
ABSL_FLAG(bool, seeker_words_lift, false,
          "ReDial: the words' shares are lifts, W[w][i] minus the share of all training dialogues in which the "
          "recommender names i (kept where positive), so that words do not add the popularity of what recommenders name");
ABSL_FLAG(double, plot_words_weight, -1,
          "ReDial: the words of the films' plots become rows of the entity-item term too (TF-IDF, "
          "model::LearnTextKeyItem), added with this weight to the seeker-word shares, so the seeker's words "
          "(DialogueCoreOptions.seeker_word_weight) reach films whose plots use them; 0 off; -1: the ReDial default");
ABSL_FLAG(double, plot_words_max_share, 0.05, "ReDial: plot words of more than this share of the films are left out");
ABSL_FLAG(double, seeker_words_max_share, 0.2,
          "ReDial: words before recommendation turns in more than this share of the training dialogues are no keys");
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
constexpr double kRedialDirected = 0;
constexpr double kRedialTwoHop = 0.25;
constexpr double kRedialRecommendedPrior = 0;
constexpr double kRedialEntityItem = 0.05;
constexpr int kRedialSeekerWordsMinDialogues = 0;
constexpr double kRedialPlotWords = 0;
struct RedialTraining {
  std::vector<std::vector<int32_t>> mentions;              // the rows each dialogue names
  std::vector<std::vector<model::DirectedTurn>> directed;  // its recommendation turns
  // The genres and people (not titles) the seeker named before each recommendation turn, as
  // the NLU finds them (keys index entity_ids); targets as in `directed`.
  std::vector<std::string> entity_ids;
  std::vector<std::vector<model::DirectedTurn>> entities;
  std::vector<std::vector<std::vector<int32_t>>> items_before;  // parallel to `entities`
};
// With `word_min_dialogues` > 0 the seeker's content words ("word:<w>") are keys too, those
// before a recommendation turn in at least that many dialogues and at most `word_max_share` of them.
absl::StatusOr<RedialTraining> ReadRedialTraining(const catalog::Catalog& catalog, bool entities,
                                                  int word_min_dialogues, double word_max_share);
// Keeps the keys (entity_ids and their uses in `entities`) with keep[key], renumbered in order.
void KeepKeys(const std::vector<bool>& keep, RedialTraining* training);
// w · log1p(n_i) / log1p(max n) added to the bias, n_i = the dialogues whose `rows` hold i.
void AddCountPrior(const std::vector<std::vector<int32_t>>& rows, double w, std::vector<float>* bias);
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
  // A flag left at -1 takes the ReDial default on ReDial and is off otherwise.
  auto redial_default = [&](double flag, double value) { return flag >= 0 ? flag : redial ? value : 0.0; };
  const double mention_prior = redial_default(absl::GetFlag(FLAGS_mention_prior_weight), kRedialMentionPrior);
  const double directed = redial_default(absl::GetFlag(FLAGS_item_item_directed), kRedialDirected);
  const double two_hop = redial_default(absl::GetFlag(FLAGS_item_item_two_hop), kRedialTwoHop);
  const double recommended_prior = redial_default(absl::GetFlag(FLAGS_recommended_prior_weight), kRedialRecommendedPrior);
  const double entity_item = redial_default(absl::GetFlag(FLAGS_entity_item_weight), kRedialEntityItem);
  const int seeker_words = static_cast<int>(
      redial_default(absl::GetFlag(FLAGS_seeker_words_min_dialogues), kRedialSeekerWordsMinDialogues));
  const double seeker_words_max_share = absl::GetFlag(FLAGS_seeker_words_max_share);
  const double plot_words = redial_default(absl::GetFlag(FLAGS_plot_words_weight), kRedialPlotWords);
  const double plot_words_max_share = absl::GetFlag(FLAGS_plot_words_max_share);
  if (plot_words_max_share <= 0 || plot_words_max_share > 1) {
    return std::fprintf(stderr, "--plot_words_max_share must be in (0, 1]\n"), 2;
  }
  if (directed > 1) return std::fprintf(stderr, "--item_item_directed must be 0..1\n"), 2;
  if (seeker_words_max_share <= 0 || seeker_words_max_share > 1) {
    return std::fprintf(stderr, "--seeker_words_max_share must be in (0, 1]\n"), 2;
  }
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
  if (redial && (o.item_item.scale != 0 || mention_prior != 0 || recommended_prior != 0 || entity_item != 0)) {
    // ReDial: the item-item term learns from every co-mention of the training-side dialogues,
    // not only from the titles the seekers answered about (the stored interactions), and the
    // popularity prior counts the dialogues that name each film.
    auto training = ReadRedialTraining(**catalog, entity_item != 0, seeker_words, seeker_words_max_share);
    if (!training.ok()) return std::fprintf(stderr, "%s\n", training.status().ToString().c_str()), 1;
    const auto& co = training->mentions;
    if (o.item_item.scale != 0) {
      model::ItemItem mentions = directed < 1 ? model::LearnItemItem(co, (*catalog)->size(), o.item_item) : model::ItemItem{};
      if (directed > 0) {
        model::ItemItem dir = model::LearnDirectedItemItem(training->directed, (*catalog)->size(), o.item_item,
                                                           absl::GetFlag(FLAGS_item_item_repeated_targets));
        mentions = model::BlendItemItem(mentions, static_cast<float>(1 - directed), dir, static_cast<float>(directed),
                                        o.item_item.neighbours, o.item_item.scale);
      }
      if (two_hop > 0) mentions = model::WithTwoHops(mentions, static_cast<float>(two_hop), o.item_item.neighbours);
      m->item_item = std::move(mentions);
      m->metrics["item_item_dialogues"] = static_cast<double>(co.size());
      m->metrics["item_item_conditional"] = o.item_item.norm == model::ItemItemNorm::kConditional ? 1 : 0;
      m->metrics["item_item_directed"] = directed;
      m->metrics["item_item_two_hop"] = two_hop;
    }
    if (entity_item != 0) {
      model::ItemItemOptions eo = o.item_item;
      eo.scale = static_cast<float>(entity_item);
      eo.neighbours = absl::GetFlag(FLAGS_entity_item_neighbours);
      const auto keys = static_cast<int32_t>(training->entity_ids.size());
      if (seeker_words > 0 && absl::GetFlag(FLAGS_seeker_words_lift)) {
        // Two learners over disjoint rows: the entities' plain shares and the words' lifts.
        std::vector<bool> is_word(keys);
        for (int32_t k = 0; k < keys; ++k) is_word[k] = training->entity_ids[k].rfind("word:", 0) == 0;
        auto only = [&](bool words) {
          auto turns = training->entities;
          for (auto& dialogue : turns) {
            for (auto& t : dialogue) std::erase_if(t.context, [&](int32_t k) { return is_word[k] != words; });
          }
          return turns;
        };
        model::ItemItemOptions wo = eo;
        wo.lift = true;
        m->entity_item = model::BlendItemItem(
            model::LearnKeyItem(only(false), training->items_before, keys, (*catalog)->size(), eo), 1,
            model::LearnKeyItem(only(true), training->items_before, keys, (*catalog)->size(), wo), 1, eo.neighbours,
            eo.scale);
      } else {
        m->entity_item = model::LearnKeyItem(training->entities, training->items_before, keys, (*catalog)->size(), eo);
      }
      if (plot_words > 0) {
        // The plots' words join the key space (new keys after the dialogues' ones).
        absl::flat_hash_map<std::string, int32_t> key_of;
        for (size_t k = 0; k < training->entity_ids.size(); ++k) key_of[training->entity_ids[k]] = static_cast<int32_t>(k);
        std::vector<std::vector<int32_t>> item_keys((*catalog)->size());
        for (int32_t r = 0; r < (*catalog)->size(); ++r) {
          for (const std::string& w : nlu::ContentWords((*catalog)->item(r).abstract())) {
            const std::string id = absl::StrCat("word:", w);
            auto [it, added] = key_of.emplace(id, static_cast<int32_t>(training->entity_ids.size()));
            if (added) training->entity_ids.push_back(id);
            item_keys[r].push_back(it->second);
          }
        }
        model::ItemItem plots = model::LearnTextKeyItem(item_keys, static_cast<int32_t>(training->entity_ids.size()),
                                                        plot_words_max_share, eo.neighbours, eo.scale);
        m->entity_item = model::BlendItemItem(m->entity_item, 1, plots, static_cast<float>(plot_words), eo.neighbours,
                                              eo.scale);
        m->metrics["entity_item_plot_words"] = plot_words;
      }
      m->entity_item_ids = training->entity_ids;
      m->metrics["scale_entity_item"] = entity_item;
      m->metrics["entity_item_entities"] = static_cast<double>(training->entity_ids.size());
      m->metrics["entity_item_seeker_words_min_dialogues"] = seeker_words;
    }
    if (mention_prior != 0) {
      AddCountPrior(co, mention_prior, &m->item_bias);
      m->metrics["scale_mention_prior"] = mention_prior;
    }
    if (recommended_prior != 0) {
      std::vector<std::vector<int32_t>> recommended;
      for (const auto& dialogue : training->directed) {
        auto& rows = recommended.emplace_back();
        for (const auto& t : dialogue) rows.insert(rows.end(), t.targets.begin(), t.targets.end());
      }
      AddCountPrior(recommended, recommended_prior, &m->item_bias);
      m->metrics["scale_recommended_prior"] = recommended_prior;
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

// The catalogue rows each training-side ReDial dialogue mentions, and its recommendation turns
// (the two splits, distinct conversations).
absl::StatusOr<RedialTraining> ReadRedialTraining(const catalog::Catalog& catalog, bool entities,
                                                  int word_min_dialogues, double word_max_share) {
  std::unique_ptr<nlu::Understander> nlu;
  if (entities) {
    auto created = nlu::Understander::Create(catalog);
    if (!created.ok()) return created.status();
    nlu = std::move(*created);
  }
  absl::flat_hash_map<std::string, int32_t> entity_key;
  eval::MovieTitles titles;
  for (int32_t r = 0; r < catalog.size(); ++r) titles[catalog.item(r).id()] = eval::NormaliseTitle(catalog.item(r).title());
  RedialTraining out;
  absl::flat_hash_set<std::string> seen;
  auto rows_of = [&](const std::vector<int64_t>& ids) {
    std::vector<int32_t> rows;
    for (int64_t id : ids) rows.push_back(catalog.RowOf(id));
    return rows;
  };
  for (const std::string& path : RedialTrainingDialogues()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path, " (the item-item term learns from it; "
                                                     "--item_item_weight 0 trains without)"));
    auto parsed = eval::ParseRedialDialogues(in, titles);
    if (!parsed.ok()) return parsed.status();
    absl::flat_hash_map<std::string, size_t> index;  // dialog id -> position in out (new dialogues of this file)
    for (size_t i = 0; i < parsed->dialogue_mentions.size(); ++i) {
      if (!seen.insert(parsed->dialogue_ids[i]).second) continue;
      index[parsed->dialogue_ids[i]] = out.mentions.size();
      out.mentions.push_back(rows_of(parsed->dialogue_mentions[i]));
      out.directed.emplace_back();
      out.entities.emplace_back();
      out.items_before.emplace_back();
    }
    // The seeker's genres and people so far in each dialogue (turns come in dialogue order and
    // extend one another's context), as the session state would hold them.
    std::string last_dialog;
    size_t read = 0;
    std::vector<int32_t> keys;
    for (const auto& t : parsed->turns) {
      auto it = index.find(t.dialog_id);
      if (it == index.end()) continue;
      out.directed[it->second].push_back({rows_of(t.mentioned_before), rows_of(t.targets)});
      if (!nlu) continue;
      if (t.dialog_id != last_dialog) {
        last_dialog = t.dialog_id;
        read = 0;
        keys.clear();
      }
      for (; read < t.context.size(); ++read) {
        if (!t.context[read].seeker) continue;
        const nlu::Understanding u = nlu->Understand(t.context[read].text);
        if (u.intent == v1::INTENT_ASK_ABOUT_ITEM || u.intent == v1::INTENT_EXPLAIN) continue;
        auto add_key = [&](const std::string& id) {
          const int32_t key = entity_key.emplace(id, static_cast<int32_t>(entity_key.size())).first->second;
          if (key == static_cast<int32_t>(out.entity_ids.size())) out.entity_ids.push_back(id);
          if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
        };
        for (const auto& m : u.mentions) {
          if (m.negative || m.entity_id.empty() || catalog::ItemIdFromEntity(m.entity_id) >= 0) continue;
          add_key(m.entity_id);
        }
        if (word_min_dialogues > 0) {
          for (const std::string& w : nlu::ContentWords(t.context[read].text)) add_key(absl::StrCat("word:", w));
        }
      }
      out.entities[it->second].push_back({keys, rows_of(t.targets)});
      out.items_before[it->second].push_back(rows_of(t.mentioned_before));
    }
  }
  if (word_min_dialogues > 0) {
    // Words of too few dialogues give shares of one or two conversations; words of most
    // dialogues ("movie", "watch") give the popularity of what recommenders name.
    std::vector<int32_t> dialogues(out.entity_ids.size(), 0);
    absl::flat_hash_set<int32_t> keys;
    for (const auto& dialogue : out.entities) {
      keys.clear();
      for (const auto& t : dialogue) keys.insert(t.context.begin(), t.context.end());
      for (int32_t k : keys) ++dialogues[k];
    }
    std::vector<bool> keep(out.entity_ids.size(), true);
    const double max_dialogues = word_max_share * static_cast<double>(out.entities.size());
    for (size_t k = 0; k < keep.size(); ++k) {
      if (out.entity_ids[k].rfind("word:", 0) != 0) continue;
      keep[k] = dialogues[k] >= word_min_dialogues && dialogues[k] <= max_dialogues;
    }
    KeepKeys(keep, &out);
  }
  return out;
}

void KeepKeys(const std::vector<bool>& keep, RedialTraining* training) {
  std::vector<int32_t> renumbered(keep.size(), -1);
  std::vector<std::string> ids;
  for (size_t k = 0; k < keep.size(); ++k) {
    if (!keep[k]) continue;
    renumbered[k] = static_cast<int32_t>(ids.size());
    ids.push_back(std::move(training->entity_ids[k]));
  }
  training->entity_ids = std::move(ids);
  for (auto& dialogue : training->entities) {
    for (auto& t : dialogue) {
      std::vector<int32_t> context;
      for (int32_t k : t.context) {
        if (k >= 0 && k < static_cast<int32_t>(renumbered.size()) && renumbered[k] >= 0) context.push_back(renumbered[k]);
      }
      t.context = std::move(context);
    }
  }
}

void AddCountPrior(const std::vector<std::vector<int32_t>>& rows, double w, std::vector<float>* bias) {
  std::vector<double> count(bias->size(), 0);
  for (const auto& r : rows) {
    absl::flat_hash_set<int32_t> distinct(r.begin(), r.end());
    for (int32_t i : distinct) {
      if (i >= 0 && i < static_cast<int32_t>(count.size())) ++count[i];
    }
  }
  const double max_count = std::max(1.0, *std::max_element(count.begin(), count.end()));
  for (size_t i = 0; i < count.size(); ++i) (*bias)[i] += static_cast<float>(w * std::log1p(count[i]) / std::log1p(max_count));
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
