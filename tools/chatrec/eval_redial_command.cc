// `chatrec eval redial --dialogues FILE`: conversational recommendation on ReDial
// through the production path. Each dialogue becomes one session of the
// dialogue engine (NLU, state, policy, retrieval, scoring — in-process, no
// network); at every recommender message that mentions movies, the system's top
// 50 at that point is compared with those movies. Recall@1/10/50, NDCG@10 and
// MRR@50 are reported (a) over all targets, as published, and (b) over targets
// not mentioned earlier in the dialogue; plus the floor of re-recommending the
// movies already mentioned. Needs a store from `chatrec import --dataset redial`
// and `chatrec train`.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "libs/catalog/catalog_store.h"
#include "libs/catalog/redial.h"
#include "libs/common/progress.h"
#include "libs/model/model_store.h"
#include "libs/nlu/understander.h"
#include "libs/storage/layout.h"
#include "services/dialogue/dialogue_core.h"
#include "services/dialogue/in_process_clients.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"

ABSL_DECLARE_FLAG(std::string, dialogues);  // eval_linking_command.cc
ABSL_FLAG(int, max_dialogues, 0, "Evaluate at most this many dialogues (0: all)");

namespace chatrec::cli {
namespace {

struct Ranking {
  int64_t targets = 0;
  double hit1 = 0, hit10 = 0, hit50 = 0, ndcg10 = 0, mrr = 0;
  void Add(const std::vector<int64_t>& ranked, int64_t target) {
    ++targets;
    for (size_t r = 0; r < ranked.size() && r < 50; ++r) {
      if (ranked[r] != target) continue;
      hit1 += r < 1;
      hit10 += r < 10;
      hit50 += 1;
      if (r < 10) ndcg10 += 1.0 / std::log2(r + 2.0);
      mrr += 1.0 / (r + 1.0);
      return;
    }
  }
  nlohmann::json Json() const {
    double n = std::max<int64_t>(targets, 1);
    return {{"targets", targets},          {"recall@1", hit1 / n}, {"recall@10", hit10 / n},
            {"recall@50", hit50 / n},      {"ndcg@10", ndcg10 / n}, {"mrr@50", mrr / n}};
  }
};

}  // namespace

int EvalRedialCommand(const std::vector<std::string>&) {
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  auto catalog = catalog::LoadCatalog(layout.catalog());
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str()), 1;
  if ((*catalog)->meta().dataset() != "redial") {
    std::fprintf(stderr, "the store holds %s; run: chatrec import --dataset redial --store_dir DIR && chatrec train --store_dir DIR\n",
                 (*catalog)->meta().dataset().c_str());
    return 2;
  }
  auto models = model::ModelWatcher::Create(layout.model(), **catalog, std::chrono::milliseconds(0));
  if (!models.ok()) return std::fprintf(stderr, "%s\n", models.status().ToString().c_str()), 1;
  auto nlu = nlu::Understander::Create(**catalog);
  if (!nlu.ok()) return std::fprintf(stderr, "%s\n", nlu.status().ToString().c_str()), 1;
  auto session_dir = std::filesystem::temp_directory_path() / ("chatrec_eval_redial_" + std::to_string(getpid()));
  auto sessions = dialogue::SessionStore::Open(session_dir.string(), 0);
  if (!sessions.ok()) return std::fprintf(stderr, "%s\n", sessions.status().ToString().c_str()), 1;
  retrieval::RetrievalCore retrieval_core(catalog->get(), models->get());
  scoring::ScoringCore scoring_core(catalog->get(), models->get());
  dialogue::InProcessFeedback feedback;
  dialogue::InProcessRetrieval retrieval(&retrieval_core);
  dialogue::InProcessScoring scoring(&scoring_core);
  dialogue::DialogueCore core({.catalog = catalog->get(), .nlu = nlu->get(), .sessions = sessions->get(),
                               .feedback = &feedback, .retrieval = &retrieval, .scoring = &scoring});

  std::string path = absl::GetFlag(FLAGS_dialogues);
  if (path.empty()) path = DataDir() + "/redial/test_data.dev.jsonl";
  std::ifstream in(path);
  if (!in) return std::fprintf(stderr, "cannot open %s\n", path.c_str()), 1;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (int max = absl::GetFlag(FLAGS_max_dialogues); max > 0 && lines.size() > static_cast<size_t>(max)) lines.resize(max);

  const std::regex mention("@(\\d+)");
  Ranking all, unseen, floor_all;
  int64_t turns = 0, dialogues = 0;
  Progress progress("evaluating", static_cast<int64_t>(lines.size()));
  for (const auto& line : lines) {
    progress.Update(dialogues++);
    nlohmann::json d = nlohmann::json::parse(line, nullptr, false);
    if (d.is_discarded() || !d.contains("messages") || !d.contains("respondentWorkerId")) continue;
    const auto recommender = d["respondentWorkerId"];
    const auto& names = d.contains("movieMentions") && d["movieMentions"].is_object() ? d["movieMentions"] : nlohmann::json::object();
    v1::StartSessionRequest start;
    start.set_user_id("eval:" + d.value("conversationId", std::string("x")));
    auto session = core.StartSession(start);
    if (!session.ok()) continue;
    std::vector<int64_t> mentioned;  // in order
    for (const auto& m : d["messages"]) {
      if (!m.contains("text") || !m["text"].is_string()) continue;
      std::string text = m["text"].get<std::string>(), rewritten;
      std::vector<int64_t> ids;
      size_t last = 0;
      for (auto it = std::sregex_iterator(text.begin(), text.end(), mention); it != std::sregex_iterator(); ++it) {
        rewritten += text.substr(last, it->position() - last);
        last = it->position() + it->length();
        std::string id = (*it)[1];
        int64_t item_id = std::stoll(id);
        if ((*catalog)->RowOf(item_id) >= 0) ids.push_back(item_id);
        rewritten += names.contains(id) && names[id].is_string() ? names[id].get<std::string>() : it->str();
      }
      rewritten += text.substr(last);
      const auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(5);
      if (m.value("senderWorkerId", nlohmann::json()) == recommender) {
        if (!ids.empty()) {
          ++turns;
          auto ranked = core.Rank(session->session_id(), 50, deadline);
          std::vector<int64_t> floor(mentioned.rbegin(), mentioned.rend());
          for (int64_t target : ids) {
            if (ranked.ok()) all.Add(*ranked, target);
            floor_all.Add(floor, target);
            if (std::find(mentioned.begin(), mentioned.end(), target) == mentioned.end() && ranked.ok()) {
              unseen.Add(*ranked, target);
            }
          }
          (void)core.NoteShown(session->session_id(), ids);
        }
      } else if (!rewritten.empty() && rewritten.size() <= dialogue::DialogueCore::kMaxTextBytes) {
        v1::ConverseRequest req;
        req.set_session_id(session->session_id());
        req.set_text(rewritten);
        req.set_k(1);
        (void)core.Converse(req, deadline);
      }
      for (int64_t id : ids) {
        if (std::find(mentioned.begin(), mentioned.end(), id) == mentioned.end()) mentioned.push_back(id);
      }
    }
  }
  progress.Finish();
  std::filesystem::remove_all(session_dir);
  nlohmann::json j = {{"dialogues", dialogues},
                      {"recommendation_turns", turns},
                      {"as_published", all.Json()},
                      {"excluding_mentioned", unseen.Json()},
                      {"floor_rerecommend_mentioned", floor_all.Json()},
                      {"published", {{"KBRD", {0.030, 0.163, 0.338}}, {"KGSF", {0.039, 0.183, 0.378}}, {"UniCRS", {0.051, 0.224, 0.428}}}}};
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("ReDial %s: %lld dialogues, %lld recommendation turns\n", path.c_str(), static_cast<long long>(dialogues),
              static_cast<long long>(turns));
  std::printf("%-34s %8s %8s %8s %8s %8s\n", "", "R@1", "R@10", "R@50", "NDCG@10", "MRR@50");
  for (const auto& [name, key] : std::vector<std::pair<std::string, std::string>>{
           {"ours, all targets (as published)", "as_published"},
           {"ours, targets not mentioned before", "excluding_mentioned"},
           {"floor: re-recommend mentioned", "floor_rerecommend_mentioned"}}) {
    const auto& r = j[key];
    std::printf("%-34s %8.3f %8.3f %8.3f %8.3f %8.3f\n", name.c_str(), r["recall@1"].get<double>(),
                r["recall@10"].get<double>(), r["recall@50"].get<double>(), r["ndcg@10"].get<double>(),
                r["mrr@50"].get<double>());
  }
  std::printf("published (all targets): KBRD 0.030/0.163/0.338, KGSF 0.039/0.183/0.378, UniCRS 0.051/0.224/0.428\n");
  return 0;
}

}  // namespace chatrec::cli
