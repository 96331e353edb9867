// Tests for the quantised path: int8 kernels agree across ISA levels, the first pass approximates
// the exact scores, rescoring reproduces TopK exactly when no candidate is lost, and on clustered
// data (the realistic case) top-k rarely changes.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "libs/kernels/kernels.h"
#include "libs/kernels/test_util.h"

namespace chatrec::kernels {
namespace {

using testing::AvailableIsas;
using testing::IsaScope;

struct Matrices {
  ItemMatrix exact;
  QuantizedItemMatrix quantized;
};
Matrices Make(const testing::Dataset& d) {
  ItemMatrix exact = ItemMatrix::Create(d.dim, d.rows, d.bias).value();
  QuantizedItemMatrix q = QuantizedItemMatrix::Create(exact).value();
  return Matrices{std::move(exact), std::move(q)};
}

testing::Dataset Gaussian(int64_t n, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  testing::Dataset d;
  d.dim = dim;
  d.rows = testing::GaussianVector(static_cast<size_t>(n * dim), rng);
  d.bias = testing::GaussianVector(static_cast<size_t>(n), rng);
  return d;
}

TEST(QuantizedTest, ApproxScoresAgreeAcrossIsasAndApproximateExactScores) {
  for (int dim : {5, 33, 64, 128}) {
    const testing::Dataset d = Gaussian(1003, dim, 40 + dim);
    const Matrices m = Make(d);
    std::mt19937 rng(dim);
    const std::vector<float> w = testing::GaussianVector(dim, rng);
    const std::vector<double> ref = testing::ReferenceScores(d, w);
    std::vector<double> scalar_scores(ref.size());
    {
      IsaScope scope(Isa::kScalar);
      for (const ScoredItem& it : TopKQuantizedApprox(m.quantized, w, 1003)) {
        scalar_scores[it.row] = it.score;
      }
    }
    // Error bound of symmetric int8: each product is off by at most about half a step of each
    // factor, |e| <= sum_j (s_y |w_j| + s_w |y_j|) / 2 with s = max|.| / 127.
    double max_w = 0, sum_w = 0;
    for (float x : w) max_w = std::max<double>(max_w, std::fabs(x)), sum_w += std::fabs(x);
    for (int64_t r = 0; r < d.n(); ++r) {
      double max_y = 0, sum_y = 0;
      for (int j = 0; j < dim; ++j) {
        max_y = std::max<double>(max_y, std::fabs(d.rows[r * dim + j]));
        sum_y += std::fabs(d.rows[r * dim + j]);
      }
      const double bound = 0.5 * (max_y / 127 * sum_w + max_w / 127 * sum_y) * 1.05 + 1e-4;
      ASSERT_LE(std::fabs(scalar_scores[r] - ref[r]), bound) << "dim=" << dim << " row=" << r;
    }
    for (Isa isa : AvailableIsas()) {
      IsaScope scope(isa);
      // The integer dot products are exact at every level; only the final float ops may round
      // differently, so the SIMD results are a valid top-k of the scalar approximate scores.
      EXPECT_TRUE(testing::ValidTopK(TopKQuantizedApprox(m.quantized, w, 40, 1), scalar_scores,
                                     40, 1e-4))
          << IsaName(isa) << " dim=" << dim;
    }
  }
}

TEST(QuantizedTest, RescoringEqualsTopKWhenEveryRowIsACandidate) {
  // With k * oversample >= N the first pass keeps everything: the result must be TopK's exactly.
  for (int dim : {33, 64}) {
    const testing::Dataset d = Gaussian(517, dim, 3);
    const Matrices m = Make(d);
    std::mt19937 rng(4);
    const std::vector<float> w = testing::GaussianVector(dim, rng);
    for (Isa isa : AvailableIsas()) {
      IsaScope scope(isa);
      for (int k : {1, 10, 517, 600}) {
        EXPECT_TRUE(testing::SameItems(TopKQuantized(m.quantized, m.exact, w, k, 1000, 2),
                                       TopK(m.exact, w, k, 1)))
            << IsaName(isa) << " dim=" << dim << " k=" << k;
      }
    }
  }
}

TEST(QuantizedTest, EdgeCasesGiveTopKShapes) {
  const testing::Dataset d = Gaussian(20, 16, 9);
  const Matrices m = Make(d);
  const std::vector<float> w(16, 0.25f);
  EXPECT_TRUE(TopKQuantized(m.quantized, m.exact, w, 0).empty());
  EXPECT_TRUE(TopKQuantized(m.quantized, m.exact, std::vector<float>(15, 1.0f), 5).empty());
  EXPECT_EQ(TopKQuantized(m.quantized, m.exact, w, 50).size(), 20u);  // N < k
  EXPECT_EQ(QuantizedCandidates(10, 4, 1'000'000), 42);  // k + 32 beats 4k for small k
  EXPECT_EQ(QuantizedCandidates(100, 4, 1'000'000), 400);
  EXPECT_EQ(QuantizedCandidates(100, 4, 150), 150);
  // A zero query and zero rows must not divide by zero.
  const ItemMatrix zeros = ItemMatrix::Create(8, std::vector<float>(80, 0.0f)).value();
  const QuantizedItemMatrix qz = QuantizedItemMatrix::Create(zeros).value();
  const std::vector<ScoredItem> got = TopKQuantized(qz, zeros, std::vector<float>(8, 0.0f), 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].row, 0);
  EXPECT_EQ(got[2].row, 2);
}

TEST(QuantizedTest, TopKOverlapWithExactIsHighOnClusteredData) {
  // Realistic structure: many items close to the query's cluster, so near-ties are common.
  // The first pass may only lose a true top-100 item if its int8 error exceeds the score gap
  // between ranks 100 and 400; assert that this is rare.
  constexpr int kQueries = 40, kK = 100;
  const testing::ClusteredData data = testing::Clustered(30'000, 64, 50, kQueries, 5);
  const Matrices m = Make(data.items);
  for (Isa isa : AvailableIsas()) {
    IsaScope scope(isa);
    int identical = 0;
    double overlap = 0;
    for (const std::vector<float>& w : data.queries) {
      const std::vector<ScoredItem> exact = TopK(m.exact, w, kK, 1);
      const std::vector<ScoredItem> quant = TopKQuantized(m.quantized, m.exact, w, kK);
      identical += testing::SameItems(quant, exact) ? 1 : 0;
      std::vector<char> in_exact(static_cast<size_t>(m.exact.size()), 0);
      for (const ScoredItem& it : exact) in_exact[it.row] = 1;
      int common = 0;
      for (const ScoredItem& it : quant) common += in_exact[it.row];
      overlap += static_cast<double>(common) / kK;
    }
    std::printf("[%s] top-%d identical in %d/%d queries, mean overlap %.4f\n", IsaName(isa), kK,
                identical, kQueries, overlap / kQueries);
    EXPECT_GE(identical, kQueries * 95 / 100) << IsaName(isa);
    EXPECT_GE(overlap / kQueries, 0.995) << IsaName(isa);
  }
}

}  // namespace
}  // namespace chatrec::kernels
