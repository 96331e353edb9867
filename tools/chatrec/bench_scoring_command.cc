// `chatrec bench scoring --items N --dim D`: the scoring kernels against Eigen and
// OpenBLAS in one process (it runs chatrec-bench-kernels, built beside this binary
// with -march=native for Eigen's sake, and summarises its JSON).
// `chatrec bench scoring rpc`: Score RPC latency on loopback against a running
// chatrec-scoring, one request in flight: k=100 over 1,000 random candidates,
// and over the whole catalogue. Prints p50/p99 (and JSON with --json).
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "chatrec/v1/scoring.grpc.pb.h"
#include "libs/server/client.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"

ABSL_FLAG(std::string, scoring, "127.0.0.1:50053", "Scoring service address");
ABSL_FLAG(int, requests, 2000, "Requests per case (after 100 warm-up requests)");
ABSL_DECLARE_FLAG(int, dim);  // train_command.cc: embedding dimension
ABSL_FLAG(int, repetitions, 3, "Repetitions per benchmark (medians are reported)");

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

int BenchScoreRpc();

int BenchKernelsCommand() {
  const int64_t items = absl::GetFlag(FLAGS_items);
  const int dim = absl::GetFlag(FLAGS_dim);
  if (items < 1000 || items > 50'000'000 || dim < 2 || dim > 1024) {
    std::fprintf(stderr, "--items must be 1,000..50M and --dim 2..1024\n");
    return 2;
  }
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  std::string bench = (self.parent_path() / "chatrec-bench-kernels").string();
  if (!std::filesystem::exists(bench)) {
    std::fprintf(stderr, "%s not found: build it (it needs libbenchmark-dev)\n", bench.c_str());
    return 1;
  }
  std::string out = (std::filesystem::temp_directory_path() / ("chatrec_bench_scoring_" + std::to_string(getpid()) + ".json")).string();
  std::string cmd = "CHATREC_BENCH_ITEMS=" + std::to_string(items) + " CHATREC_BENCH_DIM=" + std::to_string(dim) + " '" +
                    bench + "' --benchmark_filter='read_bandwidth|ours_fp32/|ours_int8/|eigen_gemv_heap|openblas' " +
                    "--benchmark_repetitions=" + std::to_string(absl::GetFlag(FLAGS_repetitions)) +
                    " --benchmark_report_aggregates_only=true --benchmark_out_format=json --benchmark_out='" + out +
                    "' > /dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "the benchmark failed: %s\n", cmd.c_str());
    return 1;
  }
  nlohmann::json raw = nlohmann::json::parse(std::ifstream(out), nullptr, false);
  std::filesystem::remove(out);
  if (raw.is_discarded()) return std::fprintf(stderr, "cannot parse the benchmark output\n"), 1;
  // Medians by benchmark family (one repetition has no aggregates: its single run is the median).
  const bool single = absl::GetFlag(FLAGS_repetitions) <= 1;
  std::map<std::string, nlohmann::json> median;
  for (const auto& b : raw["benchmarks"]) {
    if (single ? b.value("run_type", "") != "iteration" : b.value("aggregate_name", "") != "median") continue;
    std::string name = b.value("run_name", b.value("name", ""));
    median[name.substr(0, name.find('/'))] = b;
  }
  auto rate = [&](const char* family, const char* counter) -> double {
    auto it = median.find(family);
    return it == median.end() ? 0.0 : it->second.value(counter, 0.0);
  };
  double eigen = rate("eigen_gemv_heap", "items_per_second");
  nlohmann::json j = {
      {"items", items},
      {"dim", dim},
      {"k", 100},
      {"kernel_isa", raw["context"].value("kernel_isa", "")},
      {"bandwidth_gb_per_s", rate("read_bandwidth", "bytes_per_second") / 1e9},
      {"fp32_items_per_s", rate("ours_fp32", "items_per_second")},
      {"fp32_bandwidth_fraction", rate("ours_fp32", "bw_fraction")},
      {"quantized_items_per_s", rate("ours_int8", "items_per_second")},
      {"eigen_items_per_s", eigen},
      {"openblas_items_per_s", rate("openblas_sgemv_heap", "items_per_second")},
      {"quantized_top100_identical_fraction", rate("ours_int8", "top100_identical")},
      {"fp32_vs_eigen", eigen > 0 ? rate("ours_fp32", "items_per_second") / eigen : 0.0},
      {"quantized_vs_eigen", eigen > 0 ? rate("ours_int8", "items_per_second") / eigen : 0.0}};
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s\n", j.dump(2).c_str());
  }
  return 0;
}

int BenchScoringCommand(const std::vector<std::string>& args) {
  if (args.size() < 2 || args[1] != "rpc") return BenchKernelsCommand();
  return BenchScoreRpc();
}

int BenchScoreRpc() {
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
  // The transport floor in the same run: GetModelInfo (no work, a small response) on the same
  // channel after every other Score call of the 1,000-candidate case.
  std::vector<double> floor_ms;
  auto run = [&](int candidates, int n) -> std::vector<double> {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      if (candidates > 0 && i % 2 == 1) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        v1::ModelInfo unused;
        auto start = std::chrono::steady_clock::now();
        if (stub->GetModelInfo(&ctx, v1::GetModelInfoRequest(), &unused).ok()) {
          floor_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        }
      }
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
  floor_ms.clear();
  Percentiles subset = Summarise(run(1000, n));
  Percentiles floor = Summarise(floor_ms);
  run(0, 10);
  Percentiles full = Summarise(run(0, std::max(20, n / 10)));
  nlohmann::json j = {{"model_version", info.version()},
                      {"items", info.items()},
                      {"dim", info.dim()},
                      {"k", 100},
                      {"candidates_1000", {{"p50_ms", subset.p50_ms}, {"p99_ms", subset.p99_ms}, {"mean_ms", subset.mean_ms}}},
                      {"full_catalogue", {{"p50_ms", full.p50_ms}, {"p99_ms", full.p99_ms}, {"mean_ms", full.mean_ms}}},
                      {"grpc_floor", {{"p50_ms", floor.p50_ms}, {"p99_ms", floor.p99_ms}, {"mean_ms", floor.mean_ms}}}};
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("Score RPC on loopback, model %s, %lld items x %d, k=100, 1 request in flight\n", info.version().c_str(),
                static_cast<long long>(info.items()), info.dim());
    std::printf("  1,000 candidates:    p50 %.3f ms  p99 %.3f ms\n", subset.p50_ms, subset.p99_ms);
    std::printf("  whole catalogue:     p50 %.3f ms  p99 %.3f ms\n", full.p50_ms, full.p99_ms);
    std::printf("  floor (GetModelInfo, same channel, interleaved): p50 %.3f ms  p99 %.3f ms\n", floor.p50_ms,
                floor.p99_ms);
  }
  return 0;
}

}  // namespace chatrec::cli
