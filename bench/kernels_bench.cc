// Benchmarks for libs/kernels (issue 4): exact fp32 top-k, quantised top-k, Eigen GEMV + top-k,
// OpenBLAS sgemv + top-k, and a streaming read of 512 MB for the machine's read bandwidth, all in
// one run so ratios are comparable on a noisy shared machine. k = 100 throughout.
//
// Counters: items_per_second, bytes_per_second (bytes each method must read), bw_fraction
// (bytes_per_second / the bandwidth measured first in this run) and, for the quantised path,
// top100_identical (fraction of 200 queries whose top 100 equals exact TopK's).
// bench/run_kernels.sh runs this with JSON output and prints each of ours as a ratio to Eigen.
//
// This file is compiled with -march=native (for Eigen's sake); chatrec::kernels is not.
#include <benchmark/benchmark.h>
#include <immintrin.h>
#include <sys/mman.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "libs/kernels/kernels.h"
#include "libs/kernels/synthetic.h"

#ifdef CHATREC_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace {

using chatrec::kernels::ItemMatrix;
using chatrec::kernels::QuantizedItemMatrix;
using chatrec::kernels::ScoredItem;

using Clock = std::chrono::steady_clock;

constexpr int kTopK = 100;
constexpr int kQueries = 200;
constexpr size_t kBandwidthBytes = size_t{512} << 20;

// ------------------------------------------------------------------------------------------------
// Read bandwidth: a streaming sum over 512 MB (far beyond any cache), 8 independent accumulators
// so the adds vectorise and never limit the stream.

struct BandwidthBuffer {
  uint64_t* words = nullptr;
  size_t count = 0;
};

BandwidthBuffer& Buffer() {
  static BandwidthBuffer buffer = [] {
    BandwidthBuffer b;
    b.count = kBandwidthBytes / sizeof(uint64_t);
    b.words = static_cast<uint64_t*>(std::aligned_alloc(size_t{2} << 20, kBandwidthBytes));
    madvise(b.words, kBandwidthBytes, MADV_HUGEPAGE);  // same page policy as ItemMatrix
    for (size_t i = 0; i < b.count; ++i) b.words[i] = i;
    return b;
  }();
  return buffer;
}

uint64_t StreamSum(const uint64_t* p, size_t n) {
#ifdef __AVX512F__
  // Four independent 512-bit adds per 256 bytes: loads are the only limit.
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 32 <= n; i += 32) {
    a0 = _mm512_add_epi64(a0, _mm512_load_si512(p + i));
    a1 = _mm512_add_epi64(a1, _mm512_load_si512(p + i + 8));
    a2 = _mm512_add_epi64(a2, _mm512_load_si512(p + i + 16));
    a3 = _mm512_add_epi64(a3, _mm512_load_si512(p + i + 24));
  }
  alignas(64) uint64_t lanes[8];  // not _mm512_reduce_add_epi64: GCC 12 warns inside it (PR105593)
  _mm512_store_si512(lanes, _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)));
  return std::accumulate(lanes, lanes + 8, uint64_t{0});
#else
  uint64_t acc[8] = {};
  for (size_t i = 0; i + 8 <= n; i += 8) {
    for (int l = 0; l < 8; ++l) acc[l] += p[i + l];
  }
  return std::accumulate(acc, acc + 8, uint64_t{0});
#endif
}

double g_bandwidth = 0;  // bytes/s: the best repetition of BM_ReadBandwidth in this run

void BM_ReadBandwidth(benchmark::State& state) {
  const BandwidthBuffer& b = Buffer();
  const Clock::time_point start = Clock::now();
  for (auto _ : state) benchmark::DoNotOptimize(StreamSum(b.words, b.count));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double bandwidth = static_cast<double>(state.iterations()) * kBandwidthBytes / seconds;
  if (state.iterations() > 1) g_bandwidth = std::max(g_bandwidth, bandwidth);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBandwidthBytes));
  state.counters["bw_fraction"] = 1.0;
}

// Measures the bandwidth if a filter skipped BM_ReadBandwidth.
double Bandwidth() {
  if (g_bandwidth == 0) {
    const BandwidthBuffer& b = Buffer();
    benchmark::DoNotOptimize(StreamSum(b.words, b.count));  // warm-up: page faults
    const Clock::time_point start = Clock::now();
    for (int i = 0; i < 5; ++i) benchmark::DoNotOptimize(StreamSum(b.words, b.count));
    g_bandwidth = 5.0 * kBandwidthBytes / std::chrono::duration<double>(Clock::now() - start).count();
  }
  return g_bandwidth;
}

// ------------------------------------------------------------------------------------------------
// One data set at a time (1M x 128 is 512 MB per copy), rebuilt when (n, dim) changes; the
// benchmarks are registered grouped by data set.

struct Data {
  int64_t n = 0;
  int dim = 0;
  chatrec::kernels::SyntheticData raw;  // row-major, what Eigen and OpenBLAS read
  std::optional<ItemMatrix> exact;
  std::optional<QuantizedItemMatrix> quantized;
  double identical = -1;  // quantised top-100 == exact top-100, fraction of queries
};

Data& GetData(int64_t n, int dim) {
  static Data data;
  if (data.n != n || data.dim != dim) {
    data = Data();
    chatrec::kernels::SyntheticOptions options;
    options.items = n;
    options.dim = dim;
    options.queries = kQueries;
    options.seed = static_cast<uint32_t>(n * 131 + dim);
    data.raw = chatrec::kernels::MakeClusteredData(options);
    data.raw.bias.clear();  // every method computes plain w·y (Eigen/BLAS would need an extra pass)
    data.n = n;
    data.dim = dim;
    data.exact.emplace(ItemMatrix::Create(dim, data.raw.rows).value());
    data.quantized.emplace(QuantizedItemMatrix::Create(*data.exact).value());
  }
  return data;
}

double IdenticalFraction(Data& d) {
  if (d.identical < 0) {
    int same = 0;
    for (const std::vector<float>& w : d.raw.queries) {
      const std::vector<ScoredItem> a = chatrec::kernels::TopK(*d.exact, w, kTopK);
      const std::vector<ScoredItem> b =
          chatrec::kernels::TopKQuantized(*d.quantized, *d.exact, w, kTopK);
      bool equal = a.size() == b.size();
      for (size_t i = 0; equal && i < a.size(); ++i) equal = a[i].row == b[i].row;
      same += equal ? 1 : 0;
    }
    d.identical = static_cast<double>(same) / static_cast<double>(d.raw.queries.size());
  }
  return d.identical;
}

// Streams `bytes` of the bandwidth buffer (rotating through it so the reads come from DRAM) and
// returns the seconds taken. Used between timed iterations of DRAM-sized benchmarks: on a shared
// machine the bandwidth moves by +-30% within a minute, so each method is compared with reads
// made at the same moments ("paired" bandwidth), not only with the figure measured at the start.
double PairedRead(double bytes) {
  static size_t offset = 0;
  const BandwidthBuffer& b = Buffer();
  const size_t words = std::min(b.count, static_cast<size_t>(bytes / sizeof(uint64_t))) & ~size_t{31};
  if (offset + words > b.count) offset = 0;
  const Clock::time_point start = Clock::now();
  benchmark::DoNotOptimize(StreamSum(b.words + offset, words));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  offset += words;
  return seconds * bytes / static_cast<double>(words * sizeof(uint64_t));
}

// Benchmarks reading at least this much per iteration get a paired bandwidth measurement.
constexpr double kPairedMinBytes = 64.0 * (1 << 20);

// Accumulates the paired reads of one benchmark run; call Between() once per iteration.
class PairedBandwidth {
 public:
  PairedBandwidth(benchmark::State& state, double bytes) : state_(state), bytes_(bytes) {}
  void Between() {
    if (bytes_ < kPairedMinBytes) return;
    state_.PauseTiming();
    seconds_ += PairedRead(bytes_);
    reads_ += 1;
    state_.ResumeTiming();
  }
  // bytes/s of the paired reads, or the run's start-up bandwidth if there were none.
  double BytesPerSecond() const { return reads_ > 0 ? reads_ * bytes_ / seconds_ : Bandwidth(); }

 private:
  benchmark::State& state_;
  double bytes_;
  double seconds_ = 0;
  double reads_ = 0;
};

// items/s and bytes/s come from the framework; bw_fraction is computed here (wall time of the
// timed loop minus paused time) so it prints as a plain fraction rather than as a rate.
void SetCounters(benchmark::State& state, double timed_seconds, int64_t items, double bytes,
                 const PairedBandwidth& paired) {
  const double iterations = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * items);
  state.SetBytesProcessed(static_cast<int64_t>(iterations * bytes));
  state.counters["bw_fraction"] = iterations * bytes / timed_seconds / Bandwidth();
  if (bytes >= kPairedMinBytes) {
    state.counters["paired_bw_gbps"] = paired.BytesPerSecond() / 1e9;
    state.counters["paired_bw_fraction"] =
        iterations * bytes / timed_seconds / paired.BytesPerSecond();
  }
}

// ------------------------------------------------------------------------------------------------
// Ours.

// Times `work(query)` per iteration (queries rotate), with a paired bandwidth read in between
// for DRAM-sized data, and sets the counters.
template <typename Work>
void RunTimed(benchmark::State& state, const Data& d, double bytes, const Work& work) {
  PairedBandwidth paired(state, bytes);
  double timed = 0;
  size_t q = 0;
  for (auto _ : state) {
    const std::vector<float>& w = d.raw.queries[q++ % d.raw.queries.size()];
    const Clock::time_point start = Clock::now();
    work(w);
    timed += std::chrono::duration<double>(Clock::now() - start).count();
    paired.Between();
  }
  SetCounters(state, timed, d.n, bytes, paired);
}

void BM_OursFp32(benchmark::State& state, int64_t n, int dim, int threads) {
  Data& d = GetData(n, dim);
  RunTimed(state, d, static_cast<double>(d.exact->scan_bytes()), [&](const std::vector<float>& w) {
    benchmark::DoNotOptimize(chatrec::kernels::TopK(*d.exact, w, kTopK, threads));
  });
}

void BM_OursInt8(benchmark::State& state, int64_t n, int dim, int threads) {
  Data& d = GetData(n, dim);
  const double identical = IdenticalFraction(d);
  const double rescored = static_cast<double>(chatrec::kernels::QuantizedCandidates(kTopK, 4, n)) *
                          static_cast<double>(d.exact->stride() * sizeof(float));
  RunTimed(state, d, static_cast<double>(d.quantized->scan_bytes()) + rescored,
           [&](const std::vector<float>& w) {
             benchmark::DoNotOptimize(
                 chatrec::kernels::TopKQuantized(*d.quantized, *d.exact, w, kTopK, 4, threads));
           });
  state.counters["top100_identical"] = identical;
}

// ------------------------------------------------------------------------------------------------
// Baselines: a full score array, then top-k by a heap scan (the faster choice; 0.86 ms at 1M) or
// by nth_element over an index array (what the issue names; much slower at 1M).

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::vector<ScoredItem> HeapTopK(const float* scores, int64_t n, int k) {
  auto better = [](const ScoredItem& a, const ScoredItem& b) {
    return a.score > b.score || (a.score == b.score && a.row < b.row);
  };
  std::vector<ScoredItem> heap;
  heap.reserve(static_cast<size_t>(k));
  int64_t i = 0;
  for (; i < n && static_cast<int64_t>(heap.size()) < k; ++i) {
    heap.push_back(ScoredItem{static_cast<int32_t>(i), scores[i]});
    std::push_heap(heap.begin(), heap.end(), better);
  }
  for (; i < n; ++i) {
    if (scores[i] > heap.front().score) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = ScoredItem{static_cast<int32_t>(i), scores[i]};
      std::push_heap(heap.begin(), heap.end(), better);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), better);
  return heap;
}

std::vector<int32_t> NthElementTopK(const float* scores, int64_t n, int k) {
  std::vector<int32_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  auto better = [scores](int32_t a, int32_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  };
  const int64_t keep = std::min<int64_t>(k, n);
  std::nth_element(idx.begin(), idx.begin() + keep - 1, idx.end(), better);
  std::sort(idx.begin(), idx.begin() + keep, better);
  idx.resize(static_cast<size_t>(keep));
  return idx;
}

enum class Select { kHeap, kNthElement };

void BM_EigenGemv(benchmark::State& state, int64_t n, int dim, Select select) {
  Data& d = GetData(n, dim);
  const Eigen::Map<const RowMatrix> y(d.raw.rows.data(), n, dim);
  Eigen::VectorXf scores(n);
  RunTimed(state, d, static_cast<double>(n) * dim * sizeof(float), [&](const std::vector<float>& w) {
    scores.noalias() = y * Eigen::Map<const Eigen::VectorXf>(w.data(), dim);
    if (select == Select::kHeap) {
      benchmark::DoNotOptimize(HeapTopK(scores.data(), n, kTopK));
    } else {
      benchmark::DoNotOptimize(NthElementTopK(scores.data(), n, kTopK));
    }
  });
}

#ifdef CHATREC_HAVE_OPENBLAS
void BM_OpenBlasSgemv(benchmark::State& state, int64_t n, int dim) {
  Data& d = GetData(n, dim);
  std::vector<float> scores(static_cast<size_t>(n));
  RunTimed(state, d, static_cast<double>(n) * dim * sizeof(float), [&](const std::vector<float>& w) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(n), dim, 1.0f, d.raw.rows.data(),
                dim, w.data(), 1, 0.0f, scores.data(), 1);
    benchmark::DoNotOptimize(HeapTopK(scores.data(), n, kTopK));
  });
}
#endif

// Sizes to run: CHATREC_BENCH_ITEMS / CHATREC_BENCH_DIM (as `chatrec bench scoring --items N --dim D`
// sets them) pick one size; otherwise N = 10k, 100k, 1M at d = 64 and 128.
std::vector<int64_t> SizesFromEnv(const char* name, std::vector<int64_t> defaults) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return defaults;
  return {std::strtoll(v, nullptr, 10)};
}

void RegisterAll() {
  benchmark::RegisterBenchmark("read_bandwidth/512MB", BM_ReadBandwidth)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  for (int64_t dim64 : SizesFromEnv("CHATREC_BENCH_DIM", {64, 128})) {
    const int dim = static_cast<int>(dim64);
    for (int64_t n : SizesFromEnv("CHATREC_BENCH_ITEMS", {10'000, 100'000, 1'000'000})) {
      const std::string suffix = "/n:" + std::to_string(n) + "/d:" + std::to_string(dim);
      auto add = [&](const std::string& name, auto fn, auto... args) {
        benchmark::RegisterBenchmark((name + suffix).c_str(), fn, n, dim, args...)
            ->UseRealTime()  // rates over wall time: the auto variants use more than one thread
            ->Unit(benchmark::kMicrosecond);
      };
      add("ours_fp32", BM_OursFp32, 1);
      add("ours_int8", BM_OursInt8, 1);
      add("ours_fp32_auto_threads", BM_OursFp32, 0);
      add("ours_int8_auto_threads", BM_OursInt8, 0);
      add("eigen_gemv_heap", BM_EigenGemv, Select::kHeap);
      add("eigen_gemv_nth_element", BM_EigenGemv, Select::kNthElement);
#ifdef CHATREC_HAVE_OPENBLAS
      add("openblas_sgemv_heap", BM_OpenBlasSgemv);
#endif
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
#ifdef CHATREC_HAVE_OPENBLAS
  openblas_set_num_threads(1);  // single-threaded, like Eigen's GEMV and ours without _auto_
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("kernel_isa", chatrec::kernels::IsaName(chatrec::kernels::ActiveIsa()));
  benchmark::AddCustomContext("eigen_simd", Eigen::SimdInstructionSetsInUse());
  RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::fprintf(stderr, "measured read bandwidth: %.2f GB/s\n", g_bandwidth / 1e9);
  return 0;
}
