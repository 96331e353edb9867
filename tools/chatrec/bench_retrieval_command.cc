// `chatrec bench retrieval --items N --dim D [--json]`: candidate retrieval at scale, in one run.
//
//   1. Data: the catalogue and model `chatrec synth` writes (clustered vectors, power-law
//      popularity, genres/directors/actors per cluster), synthesised into --store_dir if it holds
//      no catalogue of N items yet (default /tmp/chatrec_bench_retrieval_<N>_<D>, reused next time).
//      Every 100th item is then marked cold (no interactions) so the cold-start source has work.
//   2. Queries: folded query vectors w = Aᵀu + Bᵀq + Cᵀh of realistic requests (a user vector,
//      a need entity, a liked item), and their exact top 100 (fp32 scan) as ground truth.
//   3. ANN: recall@100 against exact and single-threaded queries/s for the service's index (IVF over
//      the SIMD kernels) at several nprobe, hnswlib at several ef, and
//      FAISS (Debian's libfaiss: HNSW-Flat, IVF-Flat) when built in; build seconds, bytes per item.
//   4. Retrieve: the real RetrievalCore behind the real RetrievalServiceImpl on a loopback gRPC
//      port in this process, one request in flight: all sources, constraints (year range,
//      must-not genre, 50 excluded ids; every 4th request also a must genre), k = 500. p50/p99.
//      The TRENDING and CO_OCCURRENCE sources read precomputed synthetic counters (SyntheticSignals).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "chatrec/v1/retrieval.grpc.pb.h"
#include "libs/catalog/catalog_store.h"
#include "libs/model/fold.h"
#include "libs/model/model_store.h"
#include "libs/model/model_watcher.h"
#include "libs/storage/layout.h"
#include "services/retrieval/retrieval_core.h"
#include "services/retrieval/retrieval_service.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"
#ifdef CHATREC_HAVE_FAISS
#include "libs/retrieval/faiss_index.h"
#endif

ABSL_DECLARE_FLAG(int, dim);  // train_command.cc: embedding dimension
ABSL_FLAG(int, bench_queries, 1000, "bench retrieval: ANN queries (and Retrieve calls x2)");
ABSL_FLAG(int, bench_hnsw_m, 16, "bench retrieval: hnswlib M");
ABSL_FLAG(int, bench_hnsw_ef_construction, 100, "bench retrieval: hnswlib efConstruction");
ABSL_FLAG(int, bench_hnsw_ef_search, 160, "bench retrieval: hnswlib default ef");
ABSL_FLAG(int, bench_threads, 2, "bench retrieval: index build threads");
ABSL_FLAG(int64_t, bench_faiss_hnsw_max_items, 200000,
          "bench retrieval: skip FAISS HNSW above this many items (its scalar build takes minutes)");
ABSL_FLAG(bool, bench_hnswlib, true, "bench retrieval: also build and measure hnswlib");
ABSL_FLAG(int, bench_nprobe, 8, "bench retrieval: IVF lists the service probes (the headline figures)");
ABSL_FLAG(bool, bench_faiss, true, "bench retrieval: also measure FAISS (if built with libfaiss-dev)");

namespace chatrec::cli {
namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

double Recall(const std::vector<kernels::ScoredItem>& got, const std::vector<kernels::ScoredItem>& truth, size_t k) {
  std::set<int32_t> t;
  for (size_t i = 0; i < std::min(k, truth.size()); ++i) t.insert(truth[i].row);
  size_t hit = 0;
  for (size_t i = 0; i < std::min(k, got.size()); ++i) hit += t.count(got[i].row);
  return t.empty() ? 1.0 : static_cast<double>(hit) / t.size();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// Measures recall@100 and single-threaded queries/s of `search` over the queries.
template <typename Search>
nlohmann::json MeasureAnn(const std::string& name, const std::vector<std::vector<float>>& queries,
                          const std::vector<std::vector<kernels::ScoredItem>>& truth, Search search) {
  for (size_t i = 0; i < std::min<size_t>(20, queries.size()); ++i) search(queries[i]);  // warm-up
  double recall = 0;
  std::vector<std::vector<kernels::ScoredItem>> got(queries.size());
  auto start = Clock::now();
  for (size_t i = 0; i < queries.size(); ++i) got[i] = search(queries[i]);
  double secs = Seconds(start);
  for (size_t i = 0; i < queries.size(); ++i) recall += Recall(got[i], truth[i], 100) / queries.size();
  return {{"index", name}, {"recall@100", recall}, {"queries_per_s", queries.size() / secs}};
}

// Stand-in for the feedback service's counters, so that the bench's Retrieve runs
// every source: 500 trending items (power-law scores) and, per seed, 200 co-occurring
// items spread over the catalogue (the shape GetCoOccurring returns). Precomputed, so
// this measures retrieval's own work, not the feedback RPC (which is cached per seed set).
class SyntheticSignals : public retrieval::ItemSignalSource {
 public:
  explicit SyntheticSignals(const catalog::Catalog& cat) : cat_(cat) {
    for (int i = 0; i < 500; ++i) {
      trending_.push_back({cat.item((i * 104729) % cat.size()).id(), 1000.0 / (i + 1)});
    }
  }
  std::vector<retrieval::SignalItem> Trending() override { return trending_; }
  std::vector<retrieval::SignalItem> CoOccurring(absl::Span<const int64_t> seeds,
                                                 std::chrono::system_clock::time_point) override {
    std::vector<retrieval::SignalItem> out;
    for (int64_t seed : seeds) {
      const int64_t row = std::max(0, cat_.RowOf(seed));
      for (int j = 0; j < 200; ++j) out.push_back({cat_.item((row + 1 + j * 7919) % cat_.size()).id(), 200.0 - j});
    }
    return out;
  }

 private:
  const catalog::Catalog& cat_;
  std::vector<retrieval::SignalItem> trending_;
};

}  // namespace

int BenchRetrievalCommand(const std::vector<std::string>&) {
  const int64_t items = absl::GetFlag(FLAGS_items);
  const int dim = absl::GetFlag(FLAGS_dim);
  const int nq = absl::GetFlag(FLAGS_bench_queries);
  if (items < 1000 || items > 20'000'000 || dim < 2 || dim > 1024 || nq < 10) {
    std::fprintf(stderr, "--items must be 1,000..20M, --dim 2..1024, --bench_queries >= 10\n");
    return 2;
  }
  // 1. Data.
  std::string store = absl::GetFlag(FLAGS_store_dir);
  if (store == "var") store = absl::StrCat("/tmp/chatrec_bench_retrieval_", items, "_", dim);
  storage::StoreLayout layout(store);
  auto catalog = catalog::LoadCatalog(layout.catalog());
  auto fits = [&] {
    return catalog.ok() && (*catalog)->size() == items && (*catalog)->meta().dataset() == absl::StrCat("synthetic-", items) &&
           std::filesystem::exists(absl::StrCat(store, "/.dim_", dim));
  };
  double synth_seconds = 0;
  if (!fits()) {
    // Only a synthetic store of another size is replaced: never a store with real data in it.
    std::error_code ec;
    const bool empty = !std::filesystem::exists(store, ec) || std::filesystem::is_empty(store, ec);
    if (!empty && !(catalog.ok() && absl::StartsWith((*catalog)->meta().dataset(), "synthetic-"))) {
      std::fprintf(stderr,
                   "%s is not empty and holds no synthetic catalogue: bench retrieval will not replace it; give a new "
                   "or empty --store_dir (or leave it out to use /tmp)\n",
                   store.c_str());
      return 2;
    }
    std::fprintf(stderr, "synthesising %lld items x %d into %s\n", static_cast<long long>(items), dim, store.c_str());
    std::filesystem::remove_all(store);
    const std::string saved = absl::GetFlag(FLAGS_store_dir);
    absl::SetFlag(&FLAGS_store_dir, store);
    auto start = Clock::now();
    // synth prints a summary line on stdout, which must stay one JSON object.
    std::fflush(stdout);
    const int saved_stdout = dup(1);
    dup2(2, 1);
    const int rc = SynthCommand({});
    std::fflush(stdout);
    dup2(saved_stdout, 1);
    close(saved_stdout);
    synth_seconds = Seconds(start);
    absl::SetFlag(&FLAGS_store_dir, saved);
    if (rc != 0) return rc;
    catalog = catalog::LoadCatalog(layout.catalog());
    if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str()), 1;
    std::FILE* marker = std::fopen(absl::StrCat(store, "/.dim_", dim).c_str(), "w");  // reuse the store next time
    if (marker) std::fclose(marker);
  }
  {  // Every 100th item has no interactions yet: the cold-start source's share.
    std::vector<catalog::ItemRecord> recs;
    recs.reserve((*catalog)->size());
    for (int32_t r = 0; r < (*catalog)->size(); ++r) {
      recs.push_back((*catalog)->item(r));
      if (r % 100 == 99) recs.back().set_popularity(0);
    }
    auto cold = catalog::Catalog::Create(std::move(recs), (*catalog)->entities(), (*catalog)->meta());
    if (!cold.ok()) return std::fprintf(stderr, "%s\n", cold.status().ToString().c_str()), 1;
    catalog = std::move(cold);
  }
  const catalog::Catalog& cat = **catalog;
  auto watcher = model::ModelWatcher::Create(layout.model(), cat, std::chrono::milliseconds(0));
  if (!watcher.ok()) return std::fprintf(stderr, "%s\n", watcher.status().ToString().c_str()), 1;

  // The service's core; its index manager builds the index (timed) before returning.
  retrieval::RetrievalOptions options;
  options.index.index.hnsw.m = absl::GetFlag(FLAGS_bench_hnsw_m);
  options.index.index.hnsw.ef_construction = absl::GetFlag(FLAGS_bench_hnsw_ef_construction);
  options.index.index.hnsw.ef_search = absl::GetFlag(FLAGS_bench_hnsw_ef_search);
  options.index.index.hnsw.threads = absl::GetFlag(FLAGS_bench_threads);
  options.index.index.ivf.threads = absl::GetFlag(FLAGS_bench_threads);
  options.index.index.ivf.nprobe = absl::GetFlag(FLAGS_bench_nprobe);
  SyntheticSignals signals(cat);
  options.signals = &signals;
  std::fprintf(stderr, "building the index\n");
  auto core = retrieval::RetrievalCore::Create(&cat, watcher->get(), options);
  if (!core.ok()) return std::fprintf(stderr, "%s\n", core.status().ToString().c_str()), 1;
  auto index = (*core)->CurrentIndex();
  const model::Model& m = index->model();
  const kernels::ItemMatrix& matrix = index->items().matrix();

  // 2. Requests and their folded queries; exact top 100.
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int32_t> row(0, cat.size() - 1);
  std::vector<std::string> directors, genres;
  for (const auto& e : cat.entities()) {
    if (e.id().rfind("genre:", 0) == 0) genres.push_back(e.id());
    if (e.id().rfind("person:", 0) == 0 && e.id().size() > 2 && e.id().substr(e.id().size() - 2) == "_0") {
      directors.push_back(e.id());
    }
  }
  if (directors.empty() || genres.empty()) return std::fprintf(stderr, "the catalogue has no people or genres\n"), 1;
  auto make_request = [&](int i) {
    v1::RetrieveRequest req;
    req.set_k(500);
    const int32_t liked = row(rng);
    const float* u = m.item(row(rng));
    for (int j = 0; j < m.dim; ++j) req.add_user_vector(0.5f * u[j]);
    req.set_user_model_version(m.version);
    auto* need = req.add_need();
    need->set_entity_id(directors[i % directors.size()]);
    need->set_weight(1);
    auto* ctx = req.add_kg_context();
    ctx->set_entity_id(catalog::ItemEntityId(cat.item(liked).id()));
    ctx->set_weight(1);
    auto* f = req.mutable_filters();
    f->mutable_years()->set_min_year(1960);
    f->mutable_years()->set_max_year(2015);
    f->add_must_not_entities(genres[(i + 3) % genres.size()]);
    if (i % 4 == 0) f->add_must_entities(genres[i % genres.size()]);
    for (int j = 0; j < 50; ++j) f->add_exclude_item_ids(cat.item(row(rng)).id());
    return req;
  };
  std::vector<v1::RetrieveRequest> requests;
  std::vector<std::vector<float>> queries;
  for (int i = 0; i < nq; ++i) {
    requests.push_back(make_request(i));
    const auto& r = requests.back();
    queries.push_back(model::Fold(m, cat, absl::MakeConstSpan(r.user_vector().data(), r.user_vector_size()), r.need(),
                                  r.kg_context())
                          .w);
  }
  std::fprintf(stderr, "exact top 100 of %d queries\n", nq);
  std::vector<std::vector<kernels::ScoredItem>> truth(nq);
  auto exact_start = Clock::now();
  for (int i = 0; i < nq; ++i) truth[i] = kernels::TopK(matrix, queries[i], 100, 1);
  const double exact_qps = nq / Seconds(exact_start);

  // 3. ANN settings: the service's index (IVF over the SIMD kernels) first, then hnswlib and FAISS.
  nlohmann::json settings = nlohmann::json::array();
  nlohmann::json headline;
  const retrieval::IvfIndex* ivf = index->ivf();
  const double build_seconds = index->build_seconds();
  double ann_bytes = 0;
  if (ivf) {
    ann_bytes = static_cast<double>(ivf->bytes()) / items;
    std::vector<int> probes = {8, 16, 32, 64};
    if (std::find(probes.begin(), probes.end(), ivf->options().nprobe) == probes.end()) probes.push_back(ivf->options().nprobe);
    for (int nprobe : probes) {
      auto j = MeasureAnn(absl::StrCat("ivf_kernels_nlist", ivf->nlist()), queries, truth,
                          [&](const std::vector<float>& q) { return ivf->Search(q, 100, nprobe); });
      j["nprobe"] = nprobe;
      j["build_seconds"] = build_seconds;
      j["bytes_per_item"] = ann_bytes;
      if (nprobe == ivf->options().nprobe) headline = j;
      settings.push_back(j);
    }
  } else {
    std::fprintf(stderr, "%lld items: below ann_min_items, the service scans exactly\n", static_cast<long long>(items));
  }
  if (absl::GetFlag(FLAGS_bench_hnswlib)) {
    std::fprintf(stderr, "building hnswlib\n");
    auto start = Clock::now();
    auto hnsw = retrieval::HnswIndex::Build(matrix, options.index.index.hnsw);
    const double secs = Seconds(start);
    if (hnsw.ok()) {
      for (int ef : {100, 160, 300, 500}) {
        auto j = MeasureAnn(absl::StrCat("hnswlib_m", (*hnsw)->options().m), queries, truth,
                            [&](const std::vector<float>& q) { return (*hnsw)->Search(q, 100, ef); });
        j["ef"] = ef;
        j["build_seconds"] = secs;
        j["bytes_per_item"] = static_cast<double>((*hnsw)->bytes()) / items;
        settings.push_back(j);
      }
    }
  }
#ifdef CHATREC_HAVE_FAISS
  if (absl::GetFlag(FLAGS_bench_faiss)) {
    std::vector<retrieval::FaissOptions> fos;
    retrieval::FaissOptions fo;
    fo.threads = absl::GetFlag(FLAGS_bench_threads);
    fo.m = absl::GetFlag(FLAGS_bench_hnsw_m);
    fo.ef_construction = absl::GetFlag(FLAGS_bench_hnsw_ef_construction);
    if (items <= absl::GetFlag(FLAGS_bench_faiss_hnsw_max_items)) fos.push_back(fo);
    fo.kind = retrieval::FaissOptions::Kind::kIvfFlat;
    fo.nlist = static_cast<int>(std::clamp<int64_t>(static_cast<int64_t>(4 * std::sqrt(static_cast<double>(items))), 64, 4096));
    fos.push_back(fo);
    for (const auto& o : fos) {
      std::fprintf(stderr, "building FAISS %s\n", o.kind == retrieval::FaissOptions::Kind::kHnswFlat ? "HNSW" : "IVF");
      auto start = Clock::now();
      auto fi = retrieval::FaissIndex::Build(matrix, o);
      const double secs = Seconds(start);
      if (!fi.ok()) {
        std::fprintf(stderr, "%s\n", fi.status().ToString().c_str());
        continue;
      }
      const bool ivf = o.kind == retrieval::FaissOptions::Kind::kIvfFlat;
      for (int effort : ivf ? std::vector<int>{8, 32, 64} : std::vector<int>{160, 300}) {
        auto j = MeasureAnn((*fi)->name(), queries, truth,
                            [&](const std::vector<float>& q) { return (*fi)->Search(q, 100, effort); });
        j[ivf ? "nprobe" : "ef"] = effort;
        j["build_seconds"] = secs;
        j["bytes_per_item"] = static_cast<double>((*fi)->bytes()) / items;
        settings.push_back(j);
      }
    }
  }
#endif

  // 4. Retrieve over gRPC on loopback (the real service layer), and in process.
  std::fprintf(stderr, "Retrieve: %zu calls over gRPC, then in process\n", requests.size());
  prometheus::Registry registry;
  retrieval::RetrievalServiceImpl service(core->get(), &registry);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(16 << 20);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) return std::fprintf(stderr, "cannot start a loopback server\n"), 1;
  auto stub = v1::RetrievalService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  std::vector<double> rpc_ms, core_ms;
  int64_t candidates = 0, errors = 0;
  std::map<int, int64_t> by_source;
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < nq; ++i) {
      const auto& req = requests[(i * 7 + pass) % nq];
      v1::RetrieveResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      auto start = Clock::now();
      grpc::Status s = stub->Retrieve(&ctx, req, &resp);
      const double ms = Seconds(start) * 1e3;
      if (!s.ok()) {
        ++errors;
        continue;
      }
      if (i >= 50 || pass > 0) rpc_ms.push_back(ms);  // first 50: warm-up
      candidates += resp.candidates_size();
      for (const auto& c : resp.candidates()) by_source[c.sources(0).source()]++;
    }
  }
  for (int i = 0; i < nq; ++i) {
    auto start = Clock::now();
    auto r = (*core)->Retrieve(requests[i]);
    core_ms.push_back(Seconds(start) * 1e3);
    if (!r.ok()) ++errors;
  }
  server->Shutdown();

  nlohmann::json sources;
  for (const auto& [s, n] : by_source) sources[v1::CandidateSource_Name(static_cast<v1::CandidateSource>(s))] = n;
  const double service_bytes = ann_bytes + static_cast<double>(matrix.scan_bytes()) / items;
  nlohmann::json j = {
      {"items", items},
      {"dim", dim},
      {"queries", nq},
      {"index", ivf ? "ivf_kernels" : "exact"},
      {"ivf_nlist", ivf ? ivf->nlist() : 0},
      {"ivf_nprobe", ivf ? ivf->options().nprobe : 0},
      {"ann_recall@100", ivf ? headline["recall@100"].get<double>() : 1.0},
      {"ann_queries_per_s", ivf ? headline["queries_per_s"].get<double>() : exact_qps},
      {"exact_queries_per_s", exact_qps},
      {"build_seconds", build_seconds},
      {"build_threads", options.index.index.hnsw.threads},
      {"bytes_per_item", ivf ? ann_bytes : static_cast<double>(matrix.scan_bytes()) / items},
      {"service_bytes_per_item", service_bytes},
      {"retrieve_transport", "grpc loopback, in-process server, 1 in flight"},
      {"retrieve_k", 500},
      {"retrieve_p50_ms", Percentile(rpc_ms, 0.5)},
      {"retrieve_p99_ms", Percentile(rpc_ms, 0.99)},
      {"retrieve_in_process_p50_ms", Percentile(core_ms, 0.5)},
      {"retrieve_in_process_p99_ms", Percentile(core_ms, 0.99)},
      {"retrieve_errors", errors},
      {"retrieve_mean_candidates", rpc_ms.empty() ? 0.0 : static_cast<double>(candidates) / (2.0 * nq - errors)},
      {"retrieve_first_source_counts", sources},
      {"cold_items", index->cold_items()},
      {"synth_seconds", synth_seconds},
      {"settings", settings}};
  std::printf("%s\n", absl::GetFlag(FLAGS_json) ? j.dump().c_str() : j.dump(2).c_str());
  return errors == 0 ? 0 : 1;
}

}  // namespace chatrec::cli
