// `chatrec simulate`: simulated users (services/dialogue/user_simulator.h) talk to the
// dialogue engine in-process, each with one target film in mind; success@1 and
// success@10 within --max_turns user turns and the average number of turns, with the
// clarifying-question policy on and off. Works on any store (ML-100K or ReDial). The engine is
// the one served, the learned re-ranker included: --reranker as for `eval redial` and the
// dialogue service (the store's reranker.json when it has one, a file, or none), and the engine's
// settings (the store's engine.json, flags given winning over it) as for `eval redial`.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/strings/str_cat.h"
#include "libs/catalog/catalog_store.h"
#include "libs/common/progress.h"
#include "libs/dialogue/reranker_watcher.h"
#include "libs/model/model_store.h"
#include "libs/nlu/understander.h"
#include "libs/storage/layout.h"
#include "services/dialogue/in_process_clients.h"
#include "services/dialogue/user_simulator.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/engine_flags.h"
#include "tools/chatrec/flags.h"

ABSL_DECLARE_FLAG(uint64_t, seed);           // train_command.cc
ABSL_DECLARE_FLAG(std::string, reranker);    // eval_redial_command.cc: the same flag, the same meaning
ABSL_FLAG(int, episodes, 200, "simulate: number of target films (one conversation each per setting)");
ABSL_FLAG(int, max_turns, 5, "simulate: user turns per conversation, the opening included");
ABSL_FLAG(int, follow_up_min_candidates, chatrec::dialogue::DialogueCoreOptions().follow_up_min_candidates,
          "simulate: follow-up questions after a turned-down list while at least this many films are in play "
          "(0: only the first question, the policy before follow-ups)");
ABSL_FLAG(std::vector<std::string>, follow_up_attributes, {},
          "simulate: what follow-up questions may ask about (genre,decade,starring,director; empty: all)");
ABSL_FLAG(bool, transcripts, false, "simulate: print the first conversations of each setting");

namespace chatrec::cli {

int SimulateCommand(const std::vector<std::string>&) {
  const auto started = std::chrono::steady_clock::now();
  const int episodes = absl::GetFlag(FLAGS_episodes), max_turns = absl::GetFlag(FLAGS_max_turns);
  if (episodes < 1 || episodes > 100000) return std::fprintf(stderr, "--episodes must be 1..100000\n"), 2;
  if (max_turns < 1 || max_turns > 50) return std::fprintf(stderr, "--max_turns must be 1..50\n"), 2;
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  auto catalog = catalog::LoadCatalog(layout.catalog());
  if (!catalog.ok()) return std::fprintf(stderr, "%s (run chatrec import first)\n", catalog.status().ToString().c_str()), 1;
  auto models = model::ModelWatcher::Create(layout.model(), **catalog, std::chrono::milliseconds(0));
  if (!models.ok()) return std::fprintf(stderr, "%s (run chatrec train first)\n", models.status().ToString().c_str()), 1;
  // The engine's settings: flags given, else the store's engine.json, else the flags' defaults.
  const auto engine = EngineFlagsFromCommandLine(layout);
  if (!engine.ok()) return std::fprintf(stderr, "%s\n", std::string(engine.status().message()).c_str()), 2;
  if (auto s = ReweightCurrentModel(engine->term_weights, &*models); !s.ok()) {
    return std::fprintf(stderr, "the model's term weights: %s\n", std::string(s.message()).c_str()), 2;
  }
  auto nlu = nlu::Understander::Create(**catalog);
  if (!nlu.ok()) return std::fprintf(stderr, "%s\n", nlu.status().ToString().c_str()), 1;
  auto rerankers =
      dialogue::RerankerWatcher::Create(absl::GetFlag(FLAGS_reranker), layout.root, std::chrono::milliseconds(0));
  if (!rerankers.ok()) return std::fprintf(stderr, "%s\n", rerankers.status().ToString().c_str()), 2;
  const std::string reranker_path = (*rerankers)->CurrentPath();  // "" for none
  const auto session_dir = std::filesystem::temp_directory_path() / ("chatrec_simulate_" + std::to_string(getpid()));
  auto sessions = dialogue::SessionStore::Open(session_dir.string(), 0, /*sync=*/false);
  if (!sessions.ok()) return std::fprintf(stderr, "%s\n", sessions.status().ToString().c_str()), 1;
  retrieval::RetrievalCore retrieval_core(catalog->get(), models->get(), engine->quotas, nullptr,
                                          retrieval::KgOptions{.score = engine->kg_score});
  scoring::ScoringCore scoring_core(catalog->get(), models->get());
  dialogue::InProcessFeedback feedback;  // every simulated user is new
  dialogue::InProcessRetrieval retrieval(&retrieval_core);
  dialogue::InProcessScoring scoring(&scoring_core);

  const std::vector<int64_t> targets = dialogue::SampleTargets(**catalog, episodes, seed);
  if (targets.empty()) return std::fprintf(stderr, "the catalogue has no film with a genre to simulate\n"), 1;
  nlohmann::json j = {{"store", layout.root},
                      {"dataset", (*catalog)->meta().dataset()},
                      {"episodes", targets.size()},
                      {"max_turns", max_turns},
                      {"seed", seed},
                      {"follow_up_min_candidates", absl::GetFlag(FLAGS_follow_up_min_candidates)},
                      {"follow_up_attributes", absl::GetFlag(FLAGS_follow_up_attributes)},
                      {"reranker", reranker_path.empty() ? "none" : reranker_path},
                      {"kg_score", retrieval::KgScoreName(engine->kg_score)},
                      {"source_slots", dialogue::SourceSlotsSpec(engine->source_slots)},
                      {"hard_genre_people", engine->hard_genre_people},
                      {"hard_genre_people_top", engine->hard_genre_people_top},
                      {"hard_genre_people_fill_bonus", engine->hard_genre_people_fill_bonus},
                      {"years_filter_top_only", engine->years_filter_top_only},
                      {"item_item_quota", engine->quotas.item_item},
                      {"bias_scale", engine->term_weights.bias},
                      {"engine_json", nlohmann::json::parse(storage::EngineSettingsJson(engine->store))}};
  Progress progress("simulating", static_cast<int64_t>(targets.size()) * 4);
  int64_t done = 0;
  for (bool ask : {true, false}) {
    dialogue::DialogueCore core({.catalog = catalog->get(), .nlu = nlu->get(), .sessions = sessions->get(),
                                 .feedback = &feedback, .retrieval = &retrieval, .scoring = &scoring,
                                 .ask_questions = ask,
                                 .follow_up_min_candidates = absl::GetFlag(FLAGS_follow_up_min_candidates),
                                 .follow_up_attributes = absl::GetFlag(FLAGS_follow_up_attributes),
                                 .hard_genre_people = engine->hard_genre_people,
                                 .hard_genre_people_top = engine->hard_genre_people_top,
                                 .hard_genre_people_fill_bonus = static_cast<float>(engine->hard_genre_people_fill_bonus),
                                 .years_filter_top_only = engine->years_filter_top_only,
                                 .rerankers = rerankers->get(),
                                 .source_slots = engine->source_slots});
    nlohmann::json setting;
    for (int k : {1, 10}) {
      // The same seed per setting: each setting's users name the same genres.
      dialogue::UserSimulator sim(&core, catalog->get(), {.max_turns = max_turns, .k = k, .seed = seed});
      std::vector<dialogue::Episode> results;
      for (size_t i = 0; i < targets.size(); ++i) {
        progress.Update(done++);
        auto e = sim.Run(targets[i], absl::StrCat("sim:", ask, ":", k, ":", i));
        if (!e.ok()) return std::fprintf(stderr, "\nsimulation failed: %s\n", e.status().ToString().c_str()), 1;
        if (absl::GetFlag(FLAGS_transcripts) && i < 3) {
          std::fprintf(stderr, "\n-- questions %s, k=%d, target %s\n", ask ? "on" : "off", k,
                       (*catalog)->item((*catalog)->RowOf(targets[i])).title().c_str());
          for (const auto& line : e->transcript) std::fprintf(stderr, "   %s\n", line.c_str());
        }
        results.push_back(std::move(*e));
      }
      auto s = dialogue::Summarise(results);
      setting[absl::StrCat("success@", k)] = s.success;
      setting[absl::StrCat("avg_turns@", k)] = s.avg_turns;
      setting[absl::StrCat("avg_turns_when_found@", k)] = s.avg_turns_success;
      if (k == 10) setting["avg_questions"] = s.avg_questions;
    }
    j[ask ? "questions_on" : "questions_off"] = setting;
  }
  progress.Finish();
  std::filesystem::remove_all(session_dir);
  j["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("simulated users on %s (%s): %zu targets, at most %d turns, seed %llu, re-ranker %s, %.1f s\n",
              layout.root.c_str(), (*catalog)->meta().dataset().c_str(), targets.size(), max_turns,
              static_cast<unsigned long long>(seed), reranker_path.empty() ? "none" : reranker_path.c_str(),
              j["seconds"].get<double>());
  std::printf("%-16s %10s %10s %12s %12s %10s\n", "", "success@1", "success@10", "avg turns@1", "avg turns@10",
              "questions");
  for (const char* key : {"questions_on", "questions_off"}) {
    const auto& s = j[key];
    std::printf("%-16s %10.3f %10.3f %12.2f %12.2f %10.2f\n", key, s["success@1"].get<double>(),
                s["success@10"].get<double>(), s["avg_turns@1"].get<double>(), s["avg_turns@10"].get<double>(),
                s["avg_questions"].get<double>());
  }
  return 0;
}

}  // namespace chatrec::cli
