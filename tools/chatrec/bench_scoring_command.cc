// `chatrec bench scoring`: Score RPC latency on loopback against a running
// chatrec-scoring, one request in flight: k=100 over 1,000 random candidates,
// and over the whole catalogue. Prints p50/p99 (and JSON with --json).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "absl/flags/flag.h"
#include "chatrec/v1/scoring.grpc.pb.h"
#include "libs/server/client.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"

ABSL_FLAG(std::string, scoring, "127.0.0.1:50053", "Scoring service address");
ABSL_FLAG(int, requests, 2000, "Requests per case (after 100 warm-up requests)");

namespace chatrec::cli {
namespace {

struct Percentiles {
  double p50_ms = 0, p99_ms = 0, mean_ms = 0;
};

Percentiles Summarise(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  Percentiles p;
  if (ms.empty()) return p;
  p.p50_ms = ms[ms.size() / 2];
  p.p99_ms = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  for (double x : ms) p.mean_ms += x / ms.size();
  return p;
}

}  // namespace

int BenchScoringCommand(const std::vector<std::string>&) {
  auto stub = v1::ScoringService::NewStub(server::MakeChannel(absl::GetFlag(FLAGS_scoring)));
  v1::ModelInfo info;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx.set_wait_for_ready(true);
    grpc::Status s = stub->GetModelInfo(&ctx, v1::GetModelInfoRequest(), &info);
    if (!s.ok()) return std::fprintf(stderr, "GetModelInfo: %s\n", s.error_message().c_str()), 1;
  }
  std::mt19937_64 rng(7);
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<int64_t> item(1, info.items());
  auto run = [&](int candidates, int n) -> std::vector<double> {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      v1::ScoreRequest req;
      req.set_k(100);
      for (int j = 0; j < info.dim(); ++j) req.add_user_vector(normal(rng));
      req.set_user_model_version(info.version());
      for (int j = 0; j < candidates; ++j) req.add_candidate_ids(item(rng));
      v1::ScoreResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      auto start = std::chrono::steady_clock::now();
      grpc::Status s = stub->Score(&ctx, req, &resp);
      double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (!s.ok()) {
        std::fprintf(stderr, "Score: %s\n", s.error_message().c_str());
        return {};
      }
      ms.push_back(elapsed);
    }
    return ms;
  };
  // Item ids of a synthetic or ML-100K catalogue are 1..items.
  const int n = absl::GetFlag(FLAGS_requests);
  run(1000, 100);
  Percentiles subset = Summarise(run(1000, n));
  run(0, 10);
  Percentiles full = Summarise(run(0, std::max(20, n / 10)));
  nlohmann::json j = {{"model_version", info.version()},
                      {"items", info.items()},
                      {"dim", info.dim()},
                      {"k", 100},
                      {"candidates_1000", {{"p50_ms", subset.p50_ms}, {"p99_ms", subset.p99_ms}, {"mean_ms", subset.mean_ms}}},
                      {"full_catalogue", {{"p50_ms", full.p50_ms}, {"p99_ms", full.p99_ms}, {"mean_ms", full.mean_ms}}}};
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("Score RPC on loopback, model %s, %lld items x %d, k=100, 1 request in flight\n", info.version().c_str(),
                static_cast<long long>(info.items()), info.dim());
    std::printf("  1,000 candidates:    p50 %.3f ms  p99 %.3f ms\n", subset.p50_ms, subset.p99_ms);
    std::printf("  whole catalogue:     p50 %.3f ms  p99 %.3f ms\n", full.p50_ms, full.p99_ms);
  }
  return 0;
}

}  // namespace chatrec::cli
