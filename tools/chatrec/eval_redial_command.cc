// `chatrec eval redial`: conversational recommendation on ReDial through the
// production path, the way CRS papers report it (Recall@1/10/50 per recommender turn
// and target), next to two floors.
//   --turns FILE      UniCRS/CRSLab turn files (redial-kg-dbpedia-unicrs/test*.jsonl);
//                     target entity ids are mapped back to ReDial movie ids
//   --dialogues FILE  raw ReDial dialogues (redial/test_data*.jsonl), turned into the same
//                     turns by libs/eval/redial_turns
// Each dialogue is one session of the dialogue engine (NLU, state, policy, retrieval and
// scoring in-process, no network): the seeker's utterances go through Converse, the
// recommender's through NoteSystemText (the NLU finds the titles), and at each turn the
// engine's top 50 is compared with the titles the human recommender named. Two variants of
// the engine are measured in the same replay: as served (never re-recommends what was
// discussed) and leading with the titles discussed (--lead_with_discussed). Floors:
// re-mention (titles already mentioned, most recent first) and co-mention counts from the
// training-side dialogues. Needs a store from `chatrec import --dataset redial` + `train`.
//
// `chatrec train reranker` replays dialogues the same way (same engine flags) and learns the
// re-ranker (libs/dialogue/reranker.h) from the engine's top --rerank_depth films at each
// recommender turn, the films the human recommender named being the relevant ones; it writes
// <store_dir>/reranker.json (or --out), which `eval redial`, `simulate` and the dialogue service then apply.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/catalog/catalog_store.h"
#include "libs/common/progress.h"
#include "libs/eval/crs_metrics.h"
#include "libs/eval/redial_turns.h"
#include "libs/events/event_store.h"
#include "libs/model/model_store.h"
#include "libs/model/model_watcher.h"
#include "libs/nlu/understander.h"
#include "libs/storage/layout.h"
#include "libs/dialogue/reranker.h"
#include "libs/dialogue/reranker_watcher.h"
#include "services/dialogue/dialogue_core.h"
#include "services/dialogue/in_process_clients.h"
#include "services/retrieval/event_store_signals.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/engine_flags.h"
#include "tools/chatrec/flags.h"

ABSL_DECLARE_FLAG(std::string, dialogues);  // eval_linking_command.cc
ABSL_FLAG(std::string, turns, "", "UniCRS turn file to evaluate (e.g. <data_dir>/redial-kg-dbpedia-unicrs/test.dev.jsonl)");
ABSL_FLAG(int, max_dialogues, 0, "Evaluate the turns of at most this many dialogues (0: all)");
ABSL_FLAG(int, candidates, 200, "eval redial: candidates the engine asks retrieval for per turn (200 when serving)");
ABSL_FLAG(double, discussed_weight, 0.5,
          "eval redial: weight of the discussed titles in the KG context (DialogueCoreOptions.discussed_context_weight)");
ABSL_FLAG(int, lead_with_discussed, 5,
          "eval redial: the engine variant that leads with up to this many titles already discussed");
ABSL_FLAG(bool, co_occurrence, true,
          "eval redial: feed retrieval's CO_OCCURRENCE source from the store's feedback events, as in serving");
ABSL_FLAG(double, seeker_word_weight, 0,
          "eval redial: weight of the seeker's content words in the need (DialogueCoreOptions.seeker_word_weight; "
          "the model has rows for them when trained with --seeker_words_min_dialogues); 0: off");
ABSL_FLAG(std::string, train_dialogues, "",
          "eval redial: comma-separated training-side dialogue files for the co-mention floor "
          "(default: --redial_dialogues, i.e. the KGSF and CFCRS validation splits)");

ABSL_FLAG(std::string, reranker, "",
          "eval redial, simulate: the learned re-ranker to apply: a file from `chatrec train reranker`, or none; "
          "empty: <store_dir>/reranker.json when the store has one");
ABSL_FLAG(std::string, out, "", "train reranker: where to write the re-ranker (default <store_dir>/reranker.json)");
ABSL_FLAG(int, rerank_depth, chatrec::dialogue::Reranker::kDefaultDepth,
          "train reranker: how many of the engine's first films the re-ranker reorders (and learns from)");
ABSL_FLAG(int, rerank_source_top, 0,
          "train reranker: the first N films of the KG and ITEM_ITEM sources join the films the re-ranker reorders "
          "wherever the engine placed them (0: only the first --rerank_depth places)");
ABSL_FLAG(int, rerank_epochs, 40, "train reranker: SGD epochs over the turns (40 chosen on held-out dialogues, step 5)");
ABSL_FLAG(double, rerank_learning_rate, 0.05, "train reranker: SGD step (decays as 1/sqrt(1 + epoch))");
ABSL_FLAG(double, rerank_l2, 0.01, "train reranker: L2 penalty on the standardised weights (0.01 chosen on held-out dialogues, step 5)");
ABSL_FLAG(bool, rerank_new_only, false,
          "train reranker: only targets not mentioned earlier in the dialogue are relevant (default: all targets)");
ABSL_FLAG(uint64_t, rerank_seed, 42, "train reranker: seed of the SGD's shuffles");
ABSL_FLAG(std::string, rerank_examples_out, "",
          "train reranker: also write the ranked lists it learns from to this file (binary), for --rerank_examples_in");
ABSL_FLAG(std::string, rerank_examples_in, "",
          "train reranker: comma-separated files of --rerank_examples_out to learn from as well (e.g. lists replayed on a "
          "store trained on the other split: more cross-fitted examples)");
ABSL_FLAG(std::string, rerank_serving_counts, "",
          "train reranker: comma-separated dialogue files whose recommenders' counts the written re-ranker keeps for "
          "serving (default: the counts the features were computed with, --train_dialogues / --redial_dialogues)");
ABSL_FLAG(int, candidate_recall_depth, 0,
          "eval redial: also report where the new targets are in the engine's ranking before the re-ranker (up to this "
          "many places, 1..1000; with --candidates at least as large) and which retrieval sources returned them; 0: off");
ABSL_FLAG(std::string, rankings_out, "",
          "eval redial: write one JSON line per turn to this file: dialog_id, utterances (the context's length), "
          "targets, new_targets, as_served and leading (the engine's top 50 item ids), for error analysis");
ABSL_FLAG(std::string, candidate_recall_out, "",
          "eval redial: with --candidate_recall_depth, also write one line per new target to this file: dialogue id, "
          "turn's utterance count, target id, place (-1: not in the list), source bits");
ABSL_FLAG(bool, rerank_lambda, false,
          "train reranker: weight the pairs LambdaRank-style by their change of a DCG-like gain (PairwiseOptions::"
          "Weighting::kRankDiscount); default: all pairs alike (RankNet)");

namespace chatrec::cli {
namespace {

constexpr int kTopK = 50;

nlohmann::json ToJson(const eval::TurnMetrics::Values& v) {
  return {{"turns", v.turns},         {"targets", v.targets},   {"recall@1", v.recall1}, {"recall@10", v.recall10},
          {"recall@50", v.recall50},  {"ndcg@10", v.ndcg10},    {"mrr", v.mrr}};
}

// The interface of the issue: all targets at the top level, new targets under new_items_only.
nlohmann::json Report(const eval::TurnMetrics& m) {
  nlohmann::json j = ToJson(m.All());
  auto fresh = m.NewOnly();
  j["new_items_only"] = {{"turns", fresh.turns},          {"targets", fresh.targets},   {"recall@1", fresh.recall1},
                         {"recall@10", fresh.recall10},   {"recall@50", fresh.recall50}, {"ndcg@10", fresh.ndcg10},
                         {"mrr", fresh.mrr}};
  return j;
}

void PrintSkipped(const std::string& path, const std::vector<eval::SkippedLine>& skipped) {
  for (size_t i = 0; i < skipped.size() && i < 10; ++i) {
    std::fprintf(stderr, "%s:%d: skipped: %s\n", path.c_str(), skipped[i].line, skipped[i].reason.c_str());
  }
  if (skipped.size() > 10) std::fprintf(stderr, "%s: ... and %zu more lines skipped\n", path.c_str(), skipped.size() - 10);
}

absl::StatusOr<eval::RedialTurns> ReadTurns(const std::string& path, bool unicrs, const eval::MovieTitles& titles,
                                            std::unique_ptr<eval::EntityMovieMap>* map) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  if (!unicrs) return eval::ParseRedialDialogues(in, titles);
  auto m = eval::EntityMovieMap::Load(DataDir() + "/redial-kg-dbpedia-unicrs/entity2id.json",
                                      DataDir() + "/redial-dbpedia-link-kgsf/redial_movie_id_to_dbpedia.tsv", titles);
  if (!m.ok()) return m.status();
  *map = std::make_unique<eval::EntityMovieMap>(std::move(*m));
  return eval::ParseUnicrsTurns(in, **map);
}


// The ranked lists a re-ranker learns from, as a small binary file: "CRRX1", then per list n, dim, n labels
// (bytes) and n·dim floats (little-endian, as written on this machine).
absl::Status WriteGroups(const std::string& path, const std::vector<dialogue::RerankGroup>& groups) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  out.write("CRRX1", 5);
  for (const auto& g : groups) {
    const int32_t n = static_cast<int32_t>(g.features.size()), dim = n ? static_cast<int32_t>(g.features[0].size()) : 0;
    out.write(reinterpret_cast<const char*>(&n), 4).write(reinterpret_cast<const char*>(&dim), 4);
    out.write(reinterpret_cast<const char*>(g.relevant.data()), n);
    for (const auto& x : g.features) out.write(reinterpret_cast<const char*>(x.data()), 4 * dim);
  }
  return out.good() ? absl::OkStatus() : absl::UnavailableError(absl::StrCat("cannot write ", path));
}

absl::Status ReadGroups(const std::string& path, size_t dim, std::vector<dialogue::RerankGroup>* groups) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  char magic[5];
  if (!in.read(magic, 5) || std::string(magic, 5) != "CRRX1") {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a file of --rerank_examples_out"));
  }
  int32_t n, d;
  while (in.read(reinterpret_cast<char*>(&n), 4) && in.read(reinterpret_cast<char*>(&d), 4)) {
    if (n < 0 || n > 100000 || static_cast<size_t>(d) != dim) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": a list of ", n, " rows of ", d, " features (this build: ", dim, ")"));
    }
    dialogue::RerankGroup g;
    g.relevant.resize(n);
    g.features.assign(n, std::vector<float>(dim));
    in.read(reinterpret_cast<char*>(g.relevant.data()), n);
    for (auto& x : g.features) in.read(reinterpret_cast<char*>(x.data()), 4 * dim);
    if (!in) return absl::InvalidArgumentError(absl::StrCat(path, " is truncated"));
    groups->push_back(std::move(g));
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// The replay shared by `eval redial` (metrics) and `train reranker` (learning examples).
int RedialReplay(bool train_reranker) {
  const auto started = std::chrono::steady_clock::now();
  std::string turns_path = absl::GetFlag(FLAGS_turns), dialogues_path = absl::GetFlag(FLAGS_dialogues);
  if (!turns_path.empty() && !dialogues_path.empty()) {
    std::fprintf(stderr, "give --turns FILE (UniCRS turn format) or --dialogues FILE (raw ReDial), not both\n");
    return 2;
  }
  const bool unicrs = !turns_path.empty();
  const std::string path = unicrs ? turns_path : !dialogues_path.empty() ? dialogues_path
                                                                         : DataDir() + "/redial/test_data.dev.jsonl";
  const int lead = absl::GetFlag(FLAGS_lead_with_discussed);
  if (lead < 0 || lead > kTopK) return std::fprintf(stderr, "--lead_with_discussed must be 0..%d\n", kTopK), 2;
  const double word_weight = absl::GetFlag(FLAGS_seeker_word_weight);
  if (word_weight < 0) return std::fprintf(stderr, "--seeker_word_weight must be >= 0\n"), 2;
  const int candidates = absl::GetFlag(FLAGS_candidates);
  if (candidates < kTopK || candidates > retrieval::RetrievalCore::kMaxK) {
    return std::fprintf(stderr, "--candidates must be %d..%d\n", kTopK, retrieval::RetrievalCore::kMaxK), 2;
  }

  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  // The engine's settings: flags given, else the store's engine.json, else the flags' defaults.
  const auto engine = EngineFlagsFromCommandLine(layout);
  if (!engine.ok()) return std::fprintf(stderr, "%s\n", std::string(engine.status().message()).c_str()), 2;
  const int hard_top = engine->hard_genre_people_top;
  if (hard_top < 0 || hard_top > kTopK) return std::fprintf(stderr, "--hard_genre_people_top must be 0..%d\n", kTopK), 2;
  const double fill_bonus = engine->hard_genre_people_fill_bonus;
  auto catalog = catalog::LoadCatalog(layout.catalog());
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str()), 1;
  if ((*catalog)->meta().dataset() != "redial") {
    std::fprintf(stderr,
                 "the store %s holds '%s', not redial; build one with scripts/redial_store.sh DIR (import, train "
                 "and the learned re-ranker) or chatrec import --dataset redial --store_dir DIR && chatrec train "
                 "--store_dir DIR, then pass --store_dir DIR\n",
                 layout.root.c_str(), (*catalog)->meta().dataset().c_str());
    return 2;
  }
  eval::MovieTitles titles;
  for (int32_t r = 0; r < (*catalog)->size(); ++r) {
    titles[(*catalog)->item(r).id()] = eval::NormaliseTitle((*catalog)->item(r).title());
  }

  // The turns.
  std::unique_ptr<eval::EntityMovieMap> entity_map;
  auto turns = ReadTurns(path, unicrs, titles, &entity_map);
  if (!turns.ok()) return std::fprintf(stderr, "%s\n", turns.status().ToString().c_str()), 1;
  PrintSkipped(path, turns->skipped);
  if (turns->turns.empty()) {
    std::fprintf(stderr, "%s: no recommendation turns to evaluate (%lld lines, %zu skipped)%s\n", path.c_str(),
                 static_cast<long long>(turns->lines), turns->skipped.size(),
                 unicrs ? "; is it a UniCRS turn file (context, rec)?" : "; is it a raw ReDial dialogue file (messages)?");
    return 1;
  }
  if (int max = absl::GetFlag(FLAGS_max_dialogues); max > 0) {
    std::vector<eval::RedialTurn> kept;
    std::string last;
    int seen = 0;
    for (auto& t : turns->turns) {
      if (t.dialog_id != last && ++seen > max) break;
      last = t.dialog_id;
      kept.push_back(std::move(t));
    }
    turns->turns = std::move(kept);
  }

  // The co-mention floor's training dialogues (distinct conversations).
  std::vector<std::string> train_files = RedialTrainingDialogues();
  if (std::string f = absl::GetFlag(FLAGS_train_dialogues); !f.empty()) {
    train_files.clear();
    for (size_t start = 0; start <= f.size();) {
      size_t comma = f.find(',', start);
      if (comma == std::string::npos) comma = f.size();
      if (comma > start) train_files.push_back(f.substr(start, comma - start));
      start = comma + 1;
    }
  }
  std::vector<std::vector<int64_t>> train_mentions;
  absl::flat_hash_set<std::string> train_ids;
  for (const auto& f : train_files) {
    auto t = ReadTurns(f, false, titles, nullptr);
    if (!t.ok()) return std::fprintf(stderr, "%s\n", t.status().ToString().c_str()), 1;
    PrintSkipped(f, t->skipped);
    for (size_t i = 0; i < t->dialogue_mentions.size(); ++i) {
      if (train_ids.insert(t->dialogue_ids[i]).second) train_mentions.push_back(std::move(t->dialogue_mentions[i]));
    }
  }
  eval::CoMentionRanker co_mention(train_mentions);
  // A dialogue the model learned from says nothing about how it does on new ones (and learning a
  // re-ranker from it teaches the re-ranker to trust the memorised terms): its turns are left out.
  int64_t training_dialogues_left_out = 0;
  {
    std::vector<eval::RedialTurn> kept;
    std::string last;
    for (auto& t : turns->turns) {
      if (train_ids.contains(t.dialog_id)) {
        training_dialogues_left_out += t.dialog_id != last;
        last = t.dialog_id;
        continue;
      }
      kept.push_back(std::move(t));
    }
    turns->turns = std::move(kept);
  }
  if (training_dialogues_left_out > 0) {
    std::fprintf(stderr, "%s: %lld dialogues are training dialogues (%s); their turns are left out\n", path.c_str(),
                 static_cast<long long>(training_dialogues_left_out), absl::StrJoin(train_files, ", ").c_str());
  }
  if (turns->turns.empty()) {
    std::fprintf(stderr, "%s: every dialogue is a training dialogue; nothing to %s\n", path.c_str(),
                 train_reranker ? "learn from" : "evaluate");
    return 1;
  }

  // The engine, in-process.
  auto models = model::ModelWatcher::Create(layout.model(), **catalog, std::chrono::milliseconds(0));
  if (!models.ok()) {
    std::fprintf(stderr, "%s (train a model first: chatrec train --store_dir %s)\n", models.status().ToString().c_str(),
                 layout.root.c_str());
    return 1;
  }
  const model::TermWeights term_weights = engine->term_weights;
  if (auto s = ReweightCurrentModel(term_weights, &*models); !s.ok()) {
    return std::fprintf(stderr, "--need_scale/--kg_scale/--bias_scale/--item_item_scale/--entity_item_scale: %s\n",
                        std::string(s.message()).c_str()),
           2;
  }
  const model::Model& served_model = *(*models)->Current();
  auto nlu = nlu::Understander::Create(**catalog);
  if (!nlu.ok()) return std::fprintf(stderr, "%s\n", nlu.status().ToString().c_str()), 1;
  std::unique_ptr<events::EventStore> event_store;
  std::unique_ptr<retrieval::EventStoreSignals> signals;
  if (absl::GetFlag(FLAGS_co_occurrence)) {
    auto store = events::EventStore::Open({.path = layout.feedback(), .read_only = true, .sync = false});
    if (!store.ok()) {
      std::fprintf(stderr, "no feedback store for the CO_OCCURRENCE source (%s); use --noco_occurrence\n",
                   store.status().ToString().c_str());
      return 1;
    }
    event_store = std::move(*store);
    signals = std::make_unique<retrieval::EventStoreSignals>(event_store.get());
  }
  const auto session_dir = std::filesystem::temp_directory_path() / ("chatrec_eval_redial_" + std::to_string(getpid()));
  auto sessions = dialogue::SessionStore::Open(session_dir.string(), 0, /*sync=*/false);
  if (!sessions.ok()) return std::fprintf(stderr, "%s\n", sessions.status().ToString().c_str()), 1;
  const retrieval::SourceQuotas quotas = engine->quotas;
  retrieval::RetrievalCore retrieval_core(catalog->get(), models->get(), quotas, signals.get(),
                                          retrieval::KgOptions{.score = engine->kg_score});
  scoring::ScoringCore scoring_core(catalog->get(), models->get());
  dialogue::InProcessFeedback feedback;
  dialogue::InProcessRetrieval retrieval(&retrieval_core);
  dialogue::InProcessScoring scoring(&scoring_core);
  dialogue::DialogueCoreOptions core_options{.catalog = catalog->get(), .nlu = nlu->get(), .sessions = sessions->get(),
                               .feedback = &feedback, .retrieval = &retrieval, .scoring = &scoring,
                               .candidates = candidates,
                               .discussed_context_weight = static_cast<float>(absl::GetFlag(FLAGS_discussed_weight)),
                               .hard_genre_people = engine->hard_genre_people};
  core_options.hard_genre_people_top = hard_top;
  core_options.seeker_word_weight = static_cast<float>(word_weight);
  core_options.hard_genre_people_fill_bonus = static_cast<float>(fill_bonus);
  core_options.years_filter_top_only = engine->years_filter_top_only;
  core_options.source_slots = engine->source_slots;
  // The learned re-ranker: the store's unless --reranker says otherwise; never when learning one.
  auto rerankers = dialogue::RerankerWatcher::Create(train_reranker ? "none" : absl::GetFlag(FLAGS_reranker),
                                                     layout.root, std::chrono::milliseconds(0));
  if (!rerankers.ok()) return std::fprintf(stderr, "%s\n", rerankers.status().ToString().c_str()), 2;
  core_options.rerankers = rerankers->get();
  const std::string reranker_path = (*rerankers)->CurrentPath();  // "" for none
  const int rerank_depth = absl::GetFlag(FLAGS_rerank_depth);
  if (train_reranker && (rerank_depth < 1 || rerank_depth > 1000)) {
    return std::fprintf(stderr, "--rerank_depth must be 1..1000\n"), 2;
  }
  const int rerank_source_top = absl::GetFlag(FLAGS_rerank_source_top);
  if (train_reranker && (rerank_source_top < 0 || rerank_source_top > 1000)) {
    return std::fprintf(stderr, "--rerank_source_top must be 0..1000\n"), 2;
  }
  // What the recommenders of the training dialogues named (distinct per dialogue): a re-ranker feature.
  absl::flat_hash_map<int64_t, int> recommended;
  int max_recommended = 0;
  std::vector<dialogue::RerankGroup> groups;
  int64_t groups_without_positive = 0;
  auto count_recommended = [&](const std::vector<std::string>& files, absl::flat_hash_map<int64_t, int>* counts,
                               int* max_count) -> absl::Status {
    for (const auto& f : files) {
      auto t = ReadTurns(f, false, titles, nullptr);
      if (!t.ok()) return t.status();
      absl::flat_hash_set<std::pair<std::string, int64_t>> counted;
      for (const auto& turn : t->turns) {
        for (int64_t id : turn.targets) {
          if (counted.insert({turn.dialog_id, id}).second) *max_count = std::max(*max_count, ++(*counts)[id]);
        }
      }
    }
    return absl::OkStatus();
  };
  if (train_reranker) {
    if (auto s = count_recommended(train_files, &recommended, &max_recommended); !s.ok()) {
      return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
    }
  }
  dialogue::DialogueCore core(core_options);

  // Replay: consecutive turns of one dialogue extend the same session.
  eval::TurnMetrics served, leading, rementioned, co_mentioned;
  // --candidate_recall_depth: per new target, its place in the ranking before the re-ranker (-1: not
  // in the first depth places) and the retrieval sources that returned it.
  const int recall_depth = train_reranker ? 0 : absl::GetFlag(FLAGS_candidate_recall_depth);
  if (recall_depth < 0 || recall_depth > 1000) return std::fprintf(stderr, "--candidate_recall_depth must be 0..1000\n"), 2;
  std::vector<std::pair<int, uint32_t>> new_target_places;
  std::ofstream rankings_out;
  if (const std::string f = absl::GetFlag(FLAGS_rankings_out); !f.empty() && !train_reranker) {
    rankings_out.open(f);
    if (!rankings_out) return std::fprintf(stderr, "cannot write %s\n", f.c_str()), 1;
  }
  std::ofstream places_out;
  if (recall_depth > 0 && !absl::GetFlag(FLAGS_candidate_recall_out).empty()) {
    places_out.open(absl::GetFlag(FLAGS_candidate_recall_out));
    if (!places_out) return std::fprintf(stderr, "cannot write %s\n", absl::GetFlag(FLAGS_candidate_recall_out).c_str()), 1;
  }
  std::string session_id, session_dialog;
  size_t consumed = 0;
  std::string last_text;  // the last utterance replayed, to check that a turn extends the session
  int64_t utterances = 0, too_long = 0, engine_errors = 0;
  Progress progress("evaluating", static_cast<int64_t>(turns->turns.size()));
  int64_t done = 0;
  for (const auto& turn : turns->turns) {
    progress.Update(done++);
    const bool continues = !session_id.empty() && turn.dialog_id == session_dialog && turn.context.size() >= consumed &&
                           (consumed == 0 || turn.context[consumed - 1].text == last_text);
    if (!continues) {
      v1::StartSessionRequest start;
      start.set_user_id("eval:" + turn.dialog_id);
      auto session = core.StartSession(start);
      if (!session.ok()) return std::fprintf(stderr, "%s\n", session.status().ToString().c_str()), 1;
      session_id = session->session_id();
      session_dialog = turn.dialog_id;
      consumed = 0;
    }
    const auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(10);
    for (; consumed < turn.context.size(); ++consumed) {
      const auto& u = turn.context[consumed];
      last_text = u.text;
      if (u.text.empty()) continue;
      if (u.text.size() > dialogue::DialogueCore::kMaxTextBytes) {
        ++too_long;  // the service refuses such turns too
        continue;
      }
      ++utterances;
      if (u.seeker) {
        v1::ConverseRequest req;
        req.set_session_id(session_id);
        req.set_text(u.text);
        req.set_k(1);
        if (!core.Converse(req, deadline).ok()) ++engine_errors;
      } else if (!core.NoteSystemText(session_id, u.text).ok()) {
        ++engine_errors;
      }
    }
    if (train_reranker) {
      auto list = core.RerankCandidates(session_id, rerank_depth, deadline, rerank_source_top);
      if (!list.ok()) return std::fprintf(stderr, "ranking failed: %s\n", list.status().ToString().c_str()), 1;
      dialogue::RerankGroup group;
      int positives = 0;
      for (const auto& cand : list->candidates) {
        group.features.push_back(dialogue::Reranker::Features(list->turn, cand, recommended, max_recommended));
        const bool target = std::find(turn.targets.begin(), turn.targets.end(), cand.item_id) != turn.targets.end() &&
                            (!absl::GetFlag(FLAGS_rerank_new_only) || turn.IsNew(cand.item_id));
        group.relevant.push_back(target ? 1 : 0);
        positives += target;
      }
      if (positives == 0 || positives == static_cast<int>(group.relevant.size())) {
        ++groups_without_positive;
      } else {
        groups.push_back(std::move(group));
      }
      continue;
    }
    if (recall_depth > 0) {
      auto list = core.RerankCandidates(session_id, recall_depth, deadline);
      if (!list.ok()) return std::fprintf(stderr, "ranking failed: %s\n", list.status().ToString().c_str()), 1;
      for (int64_t target : turn.targets) {
        if (!turn.IsNew(target)) continue;
        std::pair<int, uint32_t> place{-1, 0};
        for (const auto& cand : list->candidates) {
          if (cand.item_id == target) place = {cand.position, cand.sources};
        }
        new_target_places.push_back(place);
        if (places_out.is_open()) {
          places_out << turn.dialog_id << '\t' << turn.context.size() << '\t' << target << '\t' << place.first << '\t'
                     << place.second << '\n';
        }
      }
    }
    auto as_served = core.Rank(session_id, kTopK, deadline, 0);
    auto with_lead = core.Rank(session_id, kTopK, deadline, lead);
    if (!as_served.ok() || !with_lead.ok()) {
      std::fprintf(stderr, "ranking failed: %s\n",
                   (!as_served.ok() ? as_served.status() : with_lead.status()).ToString().c_str());
      return 1;
    }
    const std::vector<int64_t> co_mention_ranking = co_mention.Rank(turn, kTopK);
    if (rankings_out.is_open()) {
      nlohmann::json line = {{"dialog_id", turn.dialog_id}, {"utterances", turn.context.size()},
                             {"targets", turn.targets}, {"new_targets", nlohmann::json::array()},
                             {"as_served", *as_served}, {"leading", *with_lead}, {"co_mention", co_mention_ranking},
                             {"mentioned_before", turn.mentioned_before}};
      for (int64_t t : turn.targets) {
        if (turn.IsNew(t)) line["new_targets"].push_back(t);
      }
      // What the engine understood so far: the wishes that filter the list.
      if (auto session = (*sessions)->Get(session_id); session.ok()) {
        const auto& c = session->state().constraints();
        line["must"] = nlohmann::json(std::vector<std::string>(c.must_entities().begin(), c.must_entities().end()));
        line["must_not"] =
            nlohmann::json(std::vector<std::string>(c.must_not_entities().begin(), c.must_not_entities().end()));
        line["years"] = {c.years().min_year(), c.years().max_year()};
      }
      rankings_out << line.dump() << '\n';
    }
    served.AddTurn(*as_served, turn);
    leading.AddTurn(*with_lead, turn);
    rementioned.AddTurn(eval::RementionRanking(turn), turn);
    co_mentioned.AddTurn(co_mention_ranking, turn);
  }
  progress.Finish();
  std::filesystem::remove_all(session_dir);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (train_reranker) {
    const int64_t replayed_lists = static_cast<int64_t>(groups.size());
    if (std::string out = absl::GetFlag(FLAGS_rerank_examples_out); !out.empty()) {
      if (auto w = WriteGroups(out, groups); !w.ok()) return std::fprintf(stderr, "%s\n", w.ToString().c_str()), 1;
    }
    for (const auto& f : SplitCommas(absl::GetFlag(FLAGS_rerank_examples_in))) {
      if (auto r = ReadGroups(f, dialogue::Reranker::FeatureNames().size(), &groups); !r.ok()) {
        return std::fprintf(stderr, "%s\n", r.ToString().c_str()), 1;
      }
    }
    dialogue::PairwiseOptions options{.epochs = absl::GetFlag(FLAGS_rerank_epochs),
                                            .learning_rate = static_cast<float>(absl::GetFlag(FLAGS_rerank_learning_rate)),
                                            .l2 = static_cast<float>(absl::GetFlag(FLAGS_rerank_l2)),
                                            .seed = absl::GetFlag(FLAGS_rerank_seed)};
    options.weighting = absl::GetFlag(FLAGS_rerank_lambda) ? dialogue::PairwiseOptions::Weighting::kRankDiscount
                                                           : dialogue::PairwiseOptions::Weighting::kUniform;
    auto learned = dialogue::TrainPairwise(groups, options);
    if (!learned.ok()) {
      return std::fprintf(stderr, "cannot learn a re-ranker from %s: %s\n", path.c_str(),
                          learned.status().ToString().c_str()),
             1;
    }
    dialogue::LinearRanker zero = *learned;
    std::fill(zero.weights.begin(), zero.weights.end(), 0.f);
    const double loss_before = dialogue::PairwiseLoss(zero, groups), loss_after = dialogue::PairwiseLoss(*learned, groups);
    nlohmann::json info = {{"dialogues", path},
                           {"store", layout.root},
                           {"model_version", served_model.version},
                           {"lists", groups.size()},
                           {"lists_replayed", replayed_lists},
                           {"examples_in", SplitCommas(absl::GetFlag(FLAGS_rerank_examples_in))},
                           {"lists_left_out", groups_without_positive},
                           {"training_dialogues_left_out", training_dialogues_left_out},
                           {"depth", rerank_depth},
                           {"source_top", rerank_source_top},
                           {"epochs", options.epochs},
                           {"learning_rate", options.learning_rate},
                           {"l2", options.l2},
                           {"seed", options.seed},
                           {"new_only", absl::GetFlag(FLAGS_rerank_new_only)},
                           {"lambda", absl::GetFlag(FLAGS_rerank_lambda)},
                           {"recommended_counts_from", train_files},
                           {"pairwise_loss_before", loss_before},
                           {"pairwise_loss_after", loss_after},
                           {"engine",
                            {{"candidates", candidates},
                             {"item_item_quota", quotas.item_item},
                             {"hard_genre_people", engine->hard_genre_people},
                             {"hard_genre_people_top", hard_top},
                             {"hard_genre_people_fill_bonus", fill_bonus},
                             {"years_filter_top_only", engine->years_filter_top_only},
                             {"kg_score", retrieval::KgScoreName(engine->kg_score)},
                             {"source_slots", dialogue::SourceSlotsSpec(engine->source_slots)},
                             {"engine_json", nlohmann::json::parse(storage::EngineSettingsJson(engine->store))},
                             {"discussed_weight", absl::GetFlag(FLAGS_discussed_weight)},
                             {"need_scale", term_weights.need},
                             {"kg_scale", term_weights.kg},
                             {"bias_scale", term_weights.bias}}}};
    if (std::string f = absl::GetFlag(FLAGS_rerank_serving_counts); !f.empty()) {
      recommended.clear();
      max_recommended = 0;
      if (auto s = count_recommended(SplitCommas(f), &recommended, &max_recommended); !s.ok()) {
        return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
      }
      info["recommended_counts_from"] = SplitCommas(f);
    }
    const dialogue::Reranker learned_reranker(*learned, rerank_depth, recommended, info.dump(), rerank_source_top);
    std::string out = absl::GetFlag(FLAGS_out);
    if (out.empty()) out = layout.root + "/" + dialogue::Reranker::kStoreFile;
    if (auto saved = learned_reranker.Save(out); !saved.ok()) {
      return std::fprintf(stderr, "%s\n", saved.ToString().c_str()), 1;
    }
    info["out"] = out;
    info["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (absl::GetFlag(FLAGS_json)) {
      std::printf("%s\n", info.dump().c_str());
    } else {
      std::printf("re-ranker learned from %zu ranked lists of %s (%lld without a target among the first %d left out): "
                  "pairwise loss %.4f -> %.4f; written to %s\n",
                  groups.size(), path.c_str(), static_cast<long long>(groups_without_positive), rerank_depth, loss_before,
                  loss_after, out.c_str());
    }
    return 0;
  }

  nlohmann::json j = Report(lead > 0 ? leading : served);
  j["engine"] = lead > 0 ? absl::StrCat("lead_with_discussed=", lead) : "as_served";
  j["as_served"] = Report(served);
  if (lead > 0) j["lead_with_discussed"] = Report(leading);
  j["baselines"] = {{"re_mention", Report(rementioned)}, {"co_mention", Report(co_mentioned)}};
  j["published"] = {{"KBRD", {{"recall@1", 0.030}, {"recall@10", 0.163}, {"recall@50", 0.338}}},
                    {"KGSF", {{"recall@1", 0.039}, {"recall@10", 0.183}, {"recall@50", 0.378}}},
                    {"UniCRS", {{"recall@1", 0.051}, {"recall@10", 0.224}, {"recall@50", 0.428}}}};
  nlohmann::json input = {{"file", path},
                          {"format", unicrs ? "unicrs_turns" : "redial_dialogues"},
                          {"lines", turns->lines},
                          {"dialogues", turns->dialogues},
                          {"skipped_lines", turns->skipped.size()},
                          {"utterances_replayed", utterances},
                          {"utterances_too_long", too_long},
                          {"engine_errors", engine_errors},
                          {"co_mention_training_dialogues", train_mentions.size()},
                          {"training_dialogues_left_out", training_dialogues_left_out}};
  if (unicrs) {
    input["target_entities"] = turns->target_entities;
    input["targets_mapped_by_link"] = turns->mapped_by_link;
    input["targets_mapped_by_name"] = turns->mapped_by_name;
    input["targets_unmapped"] = turns->unmapped;
  }
  j["input"] = input;
  j["candidates"] = candidates;
  j["item_item_quota"] = quotas.item_item;
  j["kg_quota"] = quotas.kg;
  j["vector_quota"] = quotas.vector;
  j["hard_genre_people"] = engine->hard_genre_people;
  j["hard_genre_people_top"] = hard_top;
  j["seeker_word_weight"] = word_weight;
  j["hard_genre_people_fill_bonus"] = fill_bonus;
  j["years_filter_top_only"] = engine->years_filter_top_only;
  j["kg_score"] = retrieval::KgScoreName(engine->kg_score);
  j["source_slots"] = dialogue::SourceSlotsSpec(engine->source_slots);
  // What the store's engine.json set (flags given on the command line win over it).
  j["engine_json"] = nlohmann::json::parse(storage::EngineSettingsJson(engine->store));
  j["term_weights"] = {{"need_scale", term_weights.need},
                       {"kg_scale", term_weights.kg},
                       {"bias_scale", term_weights.bias},
                       {"item_item_scale", served_model.item_item.scale},
                       {"entity_item_scale", served_model.entity_item.scale}};
  j["reranker"] = reranker_path.empty() ? "none" : reranker_path;
  j["seconds"] = seconds;
  if (recall_depth > 0) {
    // Shares of the new targets: in the first d places; returned by each source (anywhere in the list).
    const double n = std::max<size_t>(1, new_target_places.size());
    nlohmann::json within, by_source, only_source;
    for (int d : {10, 50, 100, 200, 300, 500, 1000}) {
      if (d > recall_depth) break;
      within[std::to_string(d)] = std::count_if(new_target_places.begin(), new_target_places.end(), [d](const auto& p) {
                                    return p.first >= 0 && p.first < d;
                                  }) / n;
    }
    for (int s = 1; s <= v1::CandidateSource_MAX; ++s) {
      const uint32_t bit = 1u << s;
      int64_t any = 0, only = 0;
      for (const auto& [place, sources] : new_target_places) {
        if (place < 0) continue;
        any += (sources & bit) != 0;
        only += sources == bit;
      }
      by_source[v1::CandidateSource_Name(s)] = any / n;
      only_source[v1::CandidateSource_Name(s)] = only / n;
    }
    j["candidate_recall"] = {{"depth", recall_depth}, {"new_targets", new_target_places.size()}, {"within", within},
                             {"returned_by", by_source}, {"only_by", only_source}};
    std::fprintf(stderr, "candidate recall (new targets): %s\n", j["candidate_recall"].dump().c_str());
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("ReDial %s (%s): %lld recommendation turns of %lld dialogues, %.1f s\n", path.c_str(),
              input["format"].get<std::string>().c_str(), static_cast<long long>(served.All().turns),
              static_cast<long long>(turns->dialogues), seconds);
  if (unicrs) {
    std::printf("targets: %lld entity ids, %lld mapped through the KGSF link, %lld by title, %lld not mapped (dropped)\n",
                static_cast<long long>(turns->target_entities), static_cast<long long>(turns->mapped_by_link),
                static_cast<long long>(turns->mapped_by_name), static_cast<long long>(turns->unmapped));
  }
  std::printf("%-44s %6s %6s %6s %8s %6s | new only: %6s %6s %6s\n", "", "R@1", "R@10", "R@50", "NDCG@10", "MRR", "R@1",
              "R@10", "R@50");
  auto row = [](const std::string& name, const eval::TurnMetrics& m) {
    auto a = m.All(), n = m.NewOnly();
    std::printf("%-44s %6.3f %6.3f %6.3f %8.3f %6.3f |           %6.3f %6.3f %6.3f\n", name.c_str(), a.recall1,
                a.recall10, a.recall50, a.ndcg10, a.mrr, n.recall1, n.recall10, n.recall50);
  };
  row("ours, as served", served);
  if (lead > 0) row(absl::StrCat("ours, leading with <= ", lead, " discussed titles"), leading);
  row("floor: re-mention", rementioned);
  row("floor: co-mention counts (training dialogues)", co_mentioned);
  std::printf("published (all targets): KBRD 0.030/0.163/0.338, KGSF 0.039/0.183/0.378, UniCRS 0.051/0.224/0.428\n");
  std::printf("re-ranker: %s\n", reranker_path.empty() ? "none" : reranker_path.c_str());
  return 0;
}

}  // namespace

int EvalRedialCommand(const std::vector<std::string>&) { return RedialReplay(/*train_reranker=*/false); }

int TrainRerankerCommand(const std::vector<std::string>&) {
  if (absl::GetFlag(FLAGS_dialogues).empty() && absl::GetFlag(FLAGS_turns).empty()) {
    std::fprintf(stderr,
                 "train reranker needs --dialogues FILE (raw ReDial dialogues the store's model was NOT trained on, "
                 "e.g. the held-out split) or --turns FILE\n");
    return 2;
  }
  return RedialReplay(/*train_reranker=*/true);
}

}  // namespace chatrec::cli
