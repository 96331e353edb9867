// Dialogue turn cost without the network (issue 5: "NLU + state + policy + NLG,
// excluding downstream RPCs", p99 under 2 ms on ML-100K's 1,682 items). The four
// services' cores run in one process (services/dialogue/in_process_clients.h), so
// a turn here is NLU, the session read and write (RocksDB), retrieval and scoring
// in-process, and the response text. Baseline in the same run: NLU alone.
//   build/bin/chatrec-bench-dialogue --store_dir var    (a store from `chatrec import` + `chatrec train`)
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "libs/catalog/catalog_store.h"
#include "libs/storage/layout.h"
#include "services/dialogue/dialogue_core.h"
#include "services/dialogue/in_process_clients.h"

namespace {

using namespace chatrec;

std::string g_store = "var";

struct World {
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<model::ModelWatcher> models;
  std::unique_ptr<nlu::Understander> nlu;
  std::unique_ptr<dialogue::SessionStore> sessions;
  std::unique_ptr<retrieval::RetrievalCore> retrieval_core;
  std::unique_ptr<scoring::ScoringCore> scoring_core;
  std::unique_ptr<dialogue::InProcessFeedback> feedback;
  std::unique_ptr<dialogue::InProcessRetrieval> retrieval;
  std::unique_ptr<dialogue::InProcessScoring> scoring;
  std::unique_ptr<dialogue::DialogueCore> core;
};

World& GetWorld() {
  static World* w = [] {
    auto* w = new World();
    storage::StoreLayout layout(g_store);
    auto c = catalog::LoadCatalog(layout.catalog());
    if (!c.ok()) {
      std::fprintf(stderr, "%s\n", c.status().ToString().c_str());
      std::exit(1);
    }
    w->catalog = std::move(*c);
    w->models = std::move(*model::ModelWatcher::Create(layout.model(), *w->catalog, std::chrono::milliseconds(0)));
    w->nlu = std::move(*nlu::Understander::Create(*w->catalog));
    auto dir = std::filesystem::temp_directory_path() / ("chatrec_bench_dialogue_" + std::to_string(getpid()));
    w->sessions = std::move(*dialogue::SessionStore::Open(dir.string(), 0));
    w->retrieval_core = std::make_unique<retrieval::RetrievalCore>(w->catalog.get(), w->models.get());
    w->scoring_core = std::make_unique<scoring::ScoringCore>(w->catalog.get(), w->models.get());
    w->feedback = std::make_unique<dialogue::InProcessFeedback>();
    w->retrieval = std::make_unique<dialogue::InProcessRetrieval>(w->retrieval_core.get());
    w->scoring = std::make_unique<dialogue::InProcessScoring>(w->scoring_core.get());
    w->core = std::make_unique<dialogue::DialogueCore>(dialogue::DialogueCoreOptions{
        .catalog = w->catalog.get(), .nlu = w->nlu.get(), .sessions = w->sessions.get(),
        .feedback = w->feedback.get(), .retrieval = w->retrieval.get(), .scoring = w->scoring.get()});
    return w;
  }();
  return *w;
}

const char* kTurns[] = {"I'd like a comedy from the 90s", "something with Tom Hanks", "I loved Fargo",
                        "no horror, something from the 80s", "who directed the first one?"};

void BM_NluOnly(benchmark::State& state) {
  World& w = GetWorld();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(w.nlu->Understand(kTurns[i++ % 5]));
}

void BM_ConverseTurnInProcess(benchmark::State& state) {
  World& w = GetWorld();
  size_t i = 0;
  std::string session;
  for (auto _ : state) {
    if (i % 5 == 0) session.clear();  // a new conversation every five turns
    chatrec::v1::ConverseRequest req;
    req.set_session_id(session);
    req.set_user_id("bench");
    req.set_text(kTurns[i++ % 5]);
    auto r = w.core->Converse(req, std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
    session = r->session_id();
    w.feedback->events.clear();
  }
}

BENCHMARK(BM_NluOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ConverseTurnInProcess)->Unit(benchmark::kMicrosecond)->Repetitions(5)->ComputeStatistics(
    "max_of_repetition_means", [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); });

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--store_dir=", 12) == 0) g_store = argv[i] + 12;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
