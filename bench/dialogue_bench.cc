// Dialogue turn cost without the network (issue 5: "NLU + state + policy + NLG,
// excluding downstream RPCs", p99 under 2 ms on ML-100K's 1,682 items). The four
// services' cores run in one process (services/dialogue/in_process_clients.h), so
// a whole turn here is NLU, the session read and write (RocksDB), feedback, retrieval
// and scoring in-process, and the response text. Each downstream call is timed, and
// "dialogue only" is the turn minus the time inside them: what the dialogue service
// itself adds to a turn. Its thread CPU time is reported too: on a shared machine the
// wall-clock tail is mostly time slices lost to other processes.
//   build/bin/chatrec-bench-dialogue --store_dir=var [--conversations=300] [--json]
//   build/bin/chatrec-bench-dialogue --store_dir=var --benchmark   (Google Benchmark means, as before)
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
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

using Clock = std::chrono::steady_clock;

// This thread's CPU time: unlike wall time, it does not grow while the scheduler runs other processes.
std::chrono::nanoseconds ThreadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Time spent inside downstream calls during the current turn (wall and CPU).
thread_local Clock::duration g_downstream{};
thread_local std::chrono::nanoseconds g_downstream_cpu{};

// Adds the wall and CPU time of its scope to the downstream totals.
struct DownstreamTimer {
  Clock::time_point wall = Clock::now();
  std::chrono::nanoseconds cpu = ThreadCpu();
  ~DownstreamTimer() {
    g_downstream += Clock::now() - wall;
    g_downstream_cpu += ThreadCpu() - cpu;
  }
};

class TimedFeedback : public dialogue::FeedbackClient {
 public:
  explicit TimedFeedback(dialogue::FeedbackClient* inner) : inner_(inner) {}
  absl::StatusOr<chatrec::v1::UserState> GetUserState(const std::string& user, dialogue::Deadline d) override {
    DownstreamTimer timer;
    return inner_->GetUserState(user, d);
  }
  absl::Status Record(const chatrec::v1::RecordRequest& req, dialogue::Deadline d) override {
    DownstreamTimer timer;
    return inner_->Record(req, d);
  }

 private:
  dialogue::FeedbackClient* inner_;
};

class TimedRetrieval : public dialogue::RetrievalClient {
 public:
  explicit TimedRetrieval(dialogue::RetrievalClient* inner) : inner_(inner) {}
  absl::StatusOr<chatrec::v1::RetrieveResponse> Retrieve(const chatrec::v1::RetrieveRequest& req,
                                                         dialogue::Deadline d) override {
    DownstreamTimer timer;
    return inner_->Retrieve(req, d);
  }

 private:
  dialogue::RetrievalClient* inner_;
};

class TimedScoring : public dialogue::ScoringClient {
 public:
  explicit TimedScoring(dialogue::ScoringClient* inner) : inner_(inner) {}
  absl::StatusOr<chatrec::v1::ScoreResponse> Score(const chatrec::v1::ScoreRequest& req, dialogue::Deadline d) override {
    DownstreamTimer timer;
    return inner_->Score(req, d);
  }

 private:
  dialogue::ScoringClient* inner_;
};

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
  std::unique_ptr<TimedFeedback> timed_feedback;
  std::unique_ptr<TimedRetrieval> timed_retrieval;
  std::unique_ptr<TimedScoring> timed_scoring;
  std::unique_ptr<dialogue::DialogueCore> core;
  std::filesystem::path session_dir;
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
    w->session_dir = std::filesystem::temp_directory_path() / ("chatrec_bench_dialogue_" + std::to_string(getpid()));
    w->sessions = std::move(*dialogue::SessionStore::Open(w->session_dir.string(), 0));
    w->retrieval_core = std::make_unique<retrieval::RetrievalCore>(w->catalog.get(), w->models.get());
    w->scoring_core = std::make_unique<scoring::ScoringCore>(w->catalog.get(), w->models.get());
    w->feedback = std::make_unique<dialogue::InProcessFeedback>();
    w->retrieval = std::make_unique<dialogue::InProcessRetrieval>(w->retrieval_core.get());
    w->scoring = std::make_unique<dialogue::InProcessScoring>(w->scoring_core.get());
    w->timed_feedback = std::make_unique<TimedFeedback>(w->feedback.get());
    w->timed_retrieval = std::make_unique<TimedRetrieval>(w->retrieval.get());
    w->timed_scoring = std::make_unique<TimedScoring>(w->scoring.get());
    w->core = std::make_unique<dialogue::DialogueCore>(dialogue::DialogueCoreOptions{
        .catalog = w->catalog.get(), .nlu = w->nlu.get(), .sessions = w->sessions.get(),
        .feedback = w->timed_feedback.get(), .retrieval = w->timed_retrieval.get(),
        .scoring = w->timed_scoring.get()});
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

// One conversation exercising each kind of turn: recommend, refine, a liked title, negation, item
// questions, explain, reject, another, start over.
const char* kConversation[] = {"I'd like a comedy from the 90s", "something with Tom Hanks", "I loved Fargo",
                               "no horror, something from the 80s", "who directed the first one?",
                               "why that one?", "seen it", "another one", "is it scary?", "start over"};

struct Percentiles {
  double p50, p90, p99, max, mean;
};

Percentiles Summarise(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))]; };
  double sum = 0;
  for (double v : us) sum += v;
  return {at(0.50), at(0.90), at(0.99), us.back(), sum / us.size()};
}

nlohmann::json ToJson(const Percentiles& p) {
  return {{"p50_us", p.p50}, {"p90_us", p.p90}, {"p99_us", p.p99}, {"max_us", p.max}, {"mean_us", p.mean}};
}

// Per-turn latency over whole conversations, one turn at a time (no concurrency).
int RunPercentiles(int conversations, bool json) {
  World& w = GetWorld();
  const int turns_per = static_cast<int>(std::size(kConversation));
  std::vector<double> whole, dialogue_only, dialogue_cpu, nlu_only;
  // Warm-up: a few conversations that are not measured (caches, RocksDB memtable, allocator).
  for (int c = -5; c < conversations; ++c) {
    std::string session;
    for (int t = 0; t < turns_per; ++t) {
      chatrec::v1::ConverseRequest req;
      req.set_session_id(session);
      req.set_user_id("bench-" + std::to_string(c % 50 + 50));
      req.set_text(kConversation[t]);
      g_downstream = {};
      g_downstream_cpu = {};
      auto start = Clock::now();
      auto start_cpu = ThreadCpu();
      auto r = w.core->Converse(req, std::chrono::system_clock::now() + std::chrono::seconds(5));
      auto took = Clock::now() - start;
      auto took_cpu = ThreadCpu() - start_cpu;
      if (!r.ok()) {
        std::fprintf(stderr, "turn \"%s\" failed: %s\n", kConversation[t], r.status().ToString().c_str());
        return 1;
      }
      session = r->session_id();
      w.feedback->events.clear();
      auto n0 = Clock::now();
      benchmark::DoNotOptimize(w.nlu->Understand(kConversation[t]));
      auto nlu = Clock::now() - n0;
      if (c < 0) continue;
      auto us = [](Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); };
      whole.push_back(us(took));
      dialogue_only.push_back(us(took - g_downstream));
      dialogue_cpu.push_back(us(took_cpu - g_downstream_cpu));
      nlu_only.push_back(us(nlu));
    }
  }
  Percentiles pw = Summarise(whole), pd = Summarise(dialogue_only), pc = Summarise(dialogue_cpu),
              pn = Summarise(nlu_only);
  if (json) {
    nlohmann::json j = {{"items", w.catalog->size()},
                        {"turns", whole.size()},
                        {"conversations", conversations},
                        {"dialogue_only", ToJson(pd)},
                        {"dialogue_only_cpu", ToJson(pc)},
                        {"whole_turn_in_process", ToJson(pw)},
                        {"nlu_only", ToJson(pn)}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%d items, %zu turns (%d conversations of %d turns), one at a time; microseconds per turn\n",
                w.catalog->size(), whole.size(), conversations, turns_per);
    std::printf("%-40s %9s %9s %9s %9s %9s\n", "", "p50", "p90", "p99", "max", "mean");
    auto row = [](const char* name, const Percentiles& p) {
      std::printf("%-40s %9.1f %9.1f %9.1f %9.1f %9.1f\n", name, p.p50, p.p90, p.p99, p.max, p.mean);
    };
    row("dialogue only (turn - downstream calls)", pd);
    row("dialogue only, thread CPU time", pc);
    row("whole turn, retrieval+scoring in-process", pw);
    row("NLU alone", pn);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false, gbench = false;
  int conversations = 300;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--store_dir=", 12) == 0) g_store = argv[i] + 12;
    if (std::strcmp(argv[i], "--json") == 0) json = true;
    if (std::strcmp(argv[i], "--benchmark") == 0 || std::strncmp(argv[i], "--benchmark_", 12) == 0) gbench = true;
    if (std::strncmp(argv[i], "--conversations=", 16) == 0) conversations = std::max(1, std::atoi(argv[i] + 16));
  }
  int rc = 0;
  if (gbench) {
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
      if (std::strcmp(argv[i], "--benchmark") != 0) args.push_back(argv[i]);
    }
    int n = static_cast<int>(args.size());
    benchmark::Initialize(&n, args.data());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
  } else {
    rc = RunPercentiles(conversations, json);
  }
  std::error_code ec;
  std::filesystem::remove_all(GetWorld().session_dir, ec);
  return rc;
}
