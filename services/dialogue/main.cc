// chatrec-dialogue: the conversational front; the only service frontends call.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "libs/common/flag_given.h"
#include "libs/storage/engine_settings.h"
#include "libs/catalog/catalog_store.h"
#include "libs/dialogue/reranker_watcher.h"
#include "libs/server/server.h"
#include "libs/storage/layout.h"
#include "services/dialogue/dialogue_service.h"
#include "services/dialogue/grpc_clients.h"

ABSL_FLAG(std::string, store_dir, "var", "Root of the stores (catalog; sessions live in <store_dir>/dialogue)");
ABSL_FLAG(std::string, feedback, "127.0.0.1:50054", "Feedback service address");
ABSL_FLAG(std::string, retrieval, "127.0.0.1:50052", "Retrieval service address");
ABSL_FLAG(std::string, scoring, "127.0.0.1:50053", "Scoring service address");
ABSL_FLAG(int, session_ttl_seconds, 7 * 24 * 3600, "Sessions untouched this long expire");
ABSL_FLAG(bool, session_sync, false,
          "fsync the session store on every turn (a machine crash then loses no turn; a process crash never does)");
ABSL_FLAG(int, workers, 16, "Threads that run conversational turns");
ABSL_FLAG(int, candidates, 200, "Candidates asked from retrieval per turn");
ABSL_FLAG(std::string, source_slots, "",
          "Places kept for retrieval sources in lists of at least N films, e.g. kg:7,item_item:5: every 7th place goes "
          "to the next of the KG source's best films not placed above, every 5th to ITEM_ITEM's "
          "(DialogueCoreOptions.source_slots); none or empty: none; default: the store's engine.json (ReDial: "
          "kg:7,item_item:5, with the retrieval service's KG score adamic_adar from the same file)");
ABSL_FLAG(std::string, reranker, "",
          "The learned re-ranker (`chatrec train reranker`): a file, or none; empty: <store_dir>/reranker.json when "
          "the store has one");
ABSL_FLAG(int, reranker_poll_ms, 5000,
          "How often to look for a new re-ranker file (0: never): a changed file is swapped in, one that does not "
          "load keeps the current one, and a removed <store_dir>/reranker.json means none (a removed --reranker "
          "FILE keeps the one loaded)");
ABSL_FLAG(std::string, llm_endpoint, "",
          "Optional LLM: base URL of an OpenAI-compatible chat-completions server (llama.cpp, vLLM, Ollama), "
          "e.g. http://127.0.0.1:8080; empty: no LLM");
ABSL_FLAG(std::string, llm_model, "", "Model name sent to the LLM server");
ABSL_FLAG(int, llm_timeout_ms, 1500, "Per-call LLM timeout; the turn's deadline also bounds it");
ABSL_FLAG(std::string, llm_api_key_env, "", "Name of the environment variable holding the LLM API key (empty: none)");
ABSL_FLAG(bool, llm_rerank, true, "With --llm_endpoint: let the LLM re-rank the top-20 candidates");
ABSL_FLAG(bool, llm_reword, false, "With --llm_endpoint: let the LLM reword the reply (titles are checked)");
ABSL_FLAG(double, llm_temperature, 0.2, "LLM sampling temperature, 0..2");
ABSL_FLAG(int, llm_max_tokens, 256, "Most tokens the LLM may answer with");

namespace {

// The LLM backend the flags ask for, or null when --llm_endpoint is empty.
absl::StatusOr<std::unique_ptr<chatrec::llm::HttpChatClient>> LlmClientFromFlags() {
  using chatrec::llm::HttpChatClient;
  if (absl::GetFlag(FLAGS_llm_endpoint).empty()) return std::unique_ptr<HttpChatClient>();
  std::string key;
  if (std::string env = absl::GetFlag(FLAGS_llm_api_key_env); !env.empty()) {
    const char* value = std::getenv(env.c_str());
    if (value == nullptr || *value == '\0') {
      return absl::InvalidArgumentError("--llm_api_key_env=" + env + " names an environment variable that is not set");
    }
    key = value;
  }
  return HttpChatClient::Create({.endpoint = absl::GetFlag(FLAGS_llm_endpoint),
                                 .model = absl::GetFlag(FLAGS_llm_model),
                                 .api_key = key,
                                 .timeout_ms = absl::GetFlag(FLAGS_llm_timeout_ms),
                                 .temperature = absl::GetFlag(FLAGS_llm_temperature),
                                 .max_tokens = absl::GetFlag(FLAGS_llm_max_tokens)});
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace chatrec;
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  // The store's engine.json sets the genre/people filter and the places kept for sources;
  // --source_slots given wins.
  auto settings = storage::LoadEngineSettings(layout);
  if (!settings.ok()) return std::fprintf(stderr, "%s\n", std::string(settings.status().message()).c_str()), 2;
  const std::string slots_spec = FlagOrStored(FLAGS_source_slots, "source_slots", settings->source_slots);
  auto source_slots = dialogue::ParseSourceSlots(slots_spec == "none" ? "" : slots_spec);
  if (!source_slots.ok()) {
    return std::fprintf(stderr, "%s: %s\n",
                        TakesStored("source_slots", settings->source_slots)
                            ? storage::EngineSettingName(layout, "source_slots").c_str()
                            : "--source_slots",
                        std::string(source_slots.status().message()).c_str()),
           2;
  }
  const dialogue::DialogueCoreOptions defaults;
  const bool hard_genre_people = settings->hard_genre_people.value_or(defaults.hard_genre_people);
  const int hard_genre_people_top = settings->hard_genre_people_top.value_or(defaults.hard_genre_people_top);
  const float fill_bonus =
      static_cast<float>(settings->hard_genre_people_fill_bonus.value_or(defaults.hard_genre_people_fill_bonus));
  const bool years_top_only = settings->years_filter_top_only.value_or(defaults.years_filter_top_only);
  if (!settings->empty()) {
    std::fprintf(stderr, "dialogue: the store's engine.json: genres and people%s %s%s, places kept for sources: %s\n",
                 years_top_only ? " (and years)" : "", hard_genre_people ? "filter" : "only rank",
                 hard_genre_people && hard_genre_people_top > 0
                     ? (" the first " + std::to_string(hard_genre_people_top) + " places").c_str()
                     : "",
                 source_slots->empty() ? "none" : dialogue::SourceSlotsSpec(*source_slots).c_str());
  }
  auto server = server::Server::Create(server::ServerOptionsFromFlags("dialogue", 50051, 9461));
  if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
  auto catalog = catalog::LoadCatalog(layout.catalog());
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str()), 1;
  auto nlu = nlu::Understander::Create(**catalog);
  if (!nlu.ok()) return std::fprintf(stderr, "%s\n", nlu.status().ToString().c_str()), 1;
  auto sessions = dialogue::SessionStore::Open(layout.dialogue(), absl::GetFlag(FLAGS_session_ttl_seconds),
                                               absl::GetFlag(FLAGS_session_sync));
  if (!sessions.ok()) return std::fprintf(stderr, "%s\n", sessions.status().ToString().c_str()), 1;

  auto llm_client = LlmClientFromFlags();
  if (!llm_client.ok()) return std::fprintf(stderr, "%s\n", llm_client.status().ToString().c_str()), 1;
  std::unique_ptr<llm::LlmBackend> llm;
  if (*llm_client) {
    llm = std::make_unique<llm::LlmBackend>(
        catalog->get(), llm_client->get(),
        llm::LlmOptions{.rerank = absl::GetFlag(FLAGS_llm_rerank), .reword = absl::GetFlag(FLAGS_llm_reword)});
    std::fprintf(stderr, "dialogue: LLM at %s (re-rank %s, reword %s)\n", (*llm_client)->url().c_str(),
                 llm->rerank() ? "on" : "off", llm->reword() ? "on" : "off");
  }

  auto rerankers = dialogue::RerankerWatcher::Create(absl::GetFlag(FLAGS_reranker), layout.root,
                                                     std::chrono::milliseconds(absl::GetFlag(FLAGS_reranker_poll_ms)));
  if (!rerankers.ok()) return std::fprintf(stderr, "%s\n", rerankers.status().ToString().c_str()), 1;
  if (auto current = (*rerankers)->Current()) {
    std::fprintf(stderr, "dialogue: re-ranker %s (first %d places)\n", (*rerankers)->CurrentPath().c_str(),
                 current->depth());
  } else if (!(*rerankers)->watched_path().empty() && absl::GetFlag(FLAGS_reranker_poll_ms) > 0) {
    std::fprintf(stderr, "dialogue: no re-ranker yet; watching %s\n", (*rerankers)->watched_path().c_str());
  }

  // chatrec_reranker_info{file, content_hash} 1 while a re-ranker is served (no series: none).
  auto* reranker_info = &prometheus::BuildGauge()
                             .Name("chatrec_reranker_info")
                             .Help("The learned re-ranker this service applies (value 1; no series while it applies none)")
                             .Register((*server)->metrics());
  (*rerankers)->OnServe([reranker_info, shown = static_cast<prometheus::Gauge*>(nullptr)](
                            const std::string& file, const std::string& hash) mutable {
    if (shown != nullptr) reranker_info->Remove(shown);
    shown = nullptr;
    if (!hash.empty()) {
      shown = &reranker_info->Add({{"file", file}, {"content_hash", hash}});
      shown->Set(1);
    }
  });

  dialogue::ClientTimeouts timeouts;
  dialogue::GrpcFeedbackClient feedback(absl::GetFlag(FLAGS_feedback), timeouts.feedback);
  dialogue::GrpcRetrievalClient retrieval(absl::GetFlag(FLAGS_retrieval), timeouts.retrieval);
  dialogue::GrpcScoringClient scoring(absl::GetFlag(FLAGS_scoring), timeouts.scoring);
  dialogue::DialogueCore core({.catalog = catalog->get(),
                               .nlu = nlu->get(),
                               .sessions = sessions->get(),
                               .feedback = &feedback,
                               .retrieval = &retrieval,
                               .scoring = &scoring,
                               .candidates = absl::GetFlag(FLAGS_candidates),
                               .llm = llm.get(),
                               .hard_genre_people = hard_genre_people,
                               .hard_genre_people_top = hard_genre_people_top,
                               .hard_genre_people_fill_bonus = fill_bonus,
                               .years_filter_top_only = years_top_only,
                               .rerankers = rerankers->get(),
                               .source_slots = *source_slots});
  ThreadPool pool(absl::GetFlag(FLAGS_workers));
  dialogue::DialogueServiceImpl service(&core, &pool);
  (*server)->AddService(&service, "chatrec.v1.DialogueService");
  return (*server)->Run([&] { (void)core.Flush(); }).ok() ? 0 : 1;
}
