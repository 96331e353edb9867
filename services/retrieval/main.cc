// chatrec-retrieval: finds candidates for scoring.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "libs/common/flag_given.h"
#include "libs/storage/engine_settings.h"
#include "libs/server/model_service.h"
#include "services/retrieval/feedback_signals.h"
#include "services/retrieval/retrieval_service.h"

ABSL_FLAG(int64_t, ann_min_items, 50000, "Catalogues with at least this many items get an ANN index; smaller ones are scanned exactly");
ABSL_FLAG(std::string, ann_index, "ivf", "ivf (lists scanned with the SIMD kernels) or hnsw (hnswlib)");
ABSL_FLAG(int, ivf_nprobe, 8, "IVF lists scanned per query");
ABSL_FLAG(int, hnsw_m, 16, "HNSW graph degree");
ABSL_FLAG(int, hnsw_ef_construction, 100, "HNSW candidate list while building");
ABSL_FLAG(int, hnsw_ef_search, 160, "HNSW candidate list while searching (at least k)");
ABSL_FLAG(std::string, feedback, "",
          "host:port of chatrec-feedback for the TRENDING and CO_OCCURRENCE sources (empty: without them)");
ABSL_FLAG(int, feedback_timeout_ms, 5, "Budget for one co-occurrence read on the request path");
ABSL_FLAG(int, trending_refresh_ms, 2000, "How often the trending list is fetched (in the background)");
ABSL_FLAG(std::string, kg_score, "spread",
          "KG source: spread (relation-weighted, two hops, the need's genres and people too) or adamic_adar (what a "
          "film shares with the context's titles and people, 1/log(2 + degree) per shared entity; chosen on ReDial); "
          "default: the store's engine.json, else spread");
ABSL_FLAG(int, index_build_threads, 1, "Threads building the index of a new model version (in the background, niced)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace chatrec;
  auto started = server::StartModelService("retrieval", 50052, 9462);
  if (!started.ok()) return std::fprintf(stderr, "%s\n", started.status().ToString().c_str()), 1;
  // The store's engine.json sets the KG score and the sources' shares; --kg_score given wins.
  const storage::EngineSettings& settings = started->serving.settings;
  auto kg_score = retrieval::ParseKgScore(FlagOrStored(FLAGS_kg_score, "kg_score", settings.kg_score));
  if (!kg_score.ok()) {
    std::fprintf(stderr, "%s: %s\n",
                 TakesStored("kg_score", settings.kg_score) ? storage::EngineSettingName(started->layout, "kg_score").c_str()
                                                            : "--kg_score",
                 std::string(kg_score.status().message()).c_str());
    return 2;
  }
  retrieval::RetrievalOptions options;
  if (settings.item_item_quota) options.quotas.item_item = static_cast<float>(*settings.item_item_quota);
  if (settings.kg_quota) options.quotas.kg = static_cast<float>(*settings.kg_quota);
  if (settings.vector_quota) options.quotas.vector = static_cast<float>(*settings.vector_quota);
  options.index.index.ann_min_items = absl::GetFlag(FLAGS_ann_min_items);
  options.index.index.hnsw.m = absl::GetFlag(FLAGS_hnsw_m);
  options.index.index.hnsw.ef_construction = absl::GetFlag(FLAGS_hnsw_ef_construction);
  options.index.index.hnsw.ef_search = absl::GetFlag(FLAGS_hnsw_ef_search);
  options.index.index.hnsw.threads = absl::GetFlag(FLAGS_index_build_threads);
  options.index.index.ivf.threads = absl::GetFlag(FLAGS_index_build_threads);
  options.index.index.ivf.nprobe = absl::GetFlag(FLAGS_ivf_nprobe);
  options.kg.score = *kg_score;
  const std::string kind = absl::GetFlag(FLAGS_ann_index);
  if (kind != "ivf" && kind != "hnsw") return std::fprintf(stderr, "--ann_index must be ivf or hnsw\n"), 2;
  options.index.index.kind = kind == "ivf" ? retrieval::AnnKind::kIvf : retrieval::AnnKind::kHnsw;
  std::unique_ptr<retrieval::FeedbackSignals> signals;
  if (!absl::GetFlag(FLAGS_feedback).empty()) {
    signals = std::make_unique<retrieval::FeedbackSignals>(
        retrieval::FeedbackSignalsOptions{.address = absl::GetFlag(FLAGS_feedback),
                                          .refresh = std::chrono::milliseconds(absl::GetFlag(FLAGS_trending_refresh_ms)),
                                          .timeout = std::chrono::milliseconds(absl::GetFlag(FLAGS_feedback_timeout_ms))},
        &started->server->metrics());
    options.signals = signals.get();
  }
  std::fprintf(stderr, "retrieval: KG score %s, ITEM_ITEM share %.2f, KG share %.2f, vector share %.2f%s\n",
               retrieval::KgScoreName(*kg_score), options.quotas.item_item, options.quotas.kg,
               options.quotas.vector, settings.empty() ? "" : " (the store's engine.json)");
  auto core = retrieval::RetrievalCore::Create(started->catalog(), started->models(), options);
  if (!core.ok()) return std::fprintf(stderr, "%s\n", core.status().ToString().c_str()), 1;
  retrieval::RetrievalServiceImpl service(core->get(), &started->server->metrics());
  started->server->AddService(&service, "chatrec.v1.RetrievalService");
  return started->server->Run().ok() ? 0 : 1;
}
