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

// The query's quantisation step: the largest |w| over a pair of dims (2i, 2i+1), divided by 127
// (what QuantizeQuery uses, so that u8 x s8 pair sums fit in int16).
double QueryStep(const std::vector<float>& w) {
  double max_pair = 0;
  for (size_t j = 0; j < w.size(); j += 2) {
    max_pair = std::max(max_pair, std::fabs(double{w[j]}) +
                                      (j + 1 < w.size() ? std::fabs(double{w[j + 1]}) : 0.0));
  }
  return max_pair / 127;
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
    // factor, |e| <= sum_j (s_y |w_j| + s_w |y_j|) / 2 with s_y = max|y| / 127 and
    // s_w = QueryStep(w).
    double sum_w = 0;
    for (float x : w) sum_w += std::fabs(x);
    const double step_w = QueryStep(w);
    for (int64_t r = 0; r < d.n(); ++r) {
      double max_y = 0, sum_y = 0;
      for (int j = 0; j < dim; ++j) {
        max_y = std::max<double>(max_y, std::fabs(d.rows[r * dim + j]));
        sum_y += std::fabs(d.rows[r * dim + j]);
      }
      const double bound = 0.5 * (max_y / 127 * sum_w + step_w * sum_y) * 1.05 + 1e-4;
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

TEST(QuantizedTest, ExtremeCodesAndWeightsDoNotSaturate) {
  // Rows of +-1 quantise to codes 1 and 255 (q = -127, +127); queries whose neighbouring weights
  // are both at the largest magnitude (or one at the largest, one zero) give the largest int16 pair
  // sums in the AVX2 kernel's VPMADDUBSW. Any saturation would be off by thousands of steps, far
  // outside the int8 error bound, and would make the levels disagree.
  constexpr int kDim = 64;
  testing::Dataset d;
  d.dim = kDim;
  const int kPatterns = 6;
  for (int p = 0; p < kPatterns; ++p) {
    for (int j = 0; j < kDim; ++j) {
      const bool plus = p == 0 ? true : p == 1 ? false : p == 2 ? j % 2 == 0 : p == 3 ? j % 4 < 2
                      : p == 4 ? j % 3 == 0 : j < kDim / 2;
      d.rows.push_back(plus ? 1.0f : -1.0f);
    }
  }
  // Padding rows (code 128) and a row of zeros share the block.
  for (int j = 0; j < kDim; ++j) d.rows.push_back(0.0f);
  const Matrices m = Make(d);
  std::vector<std::vector<float>> queries;
  queries.push_back(std::vector<float>(kDim, 1.0f));
  queries.push_back(std::vector<float>(kDim, -1.0f));
  std::vector<float> alternating(kDim), single(kDim, 0.0f), mixed(kDim);
  for (int j = 0; j < kDim; ++j) {
    alternating[j] = j % 2 == 0 ? 1.0f : -1.0f;
    mixed[j] = j % 4 == 0 ? 3.0f : j % 4 == 1 ? -3.0f : j % 4 == 2 ? 1.5f : 0.0f;
  }
  single[7] = -2.0f;
  queries.push_back(alternating);
  queries.push_back(single);
  queries.push_back(mixed);
  for (const std::vector<float>& w : queries) {
    const std::vector<double> ref = testing::ReferenceScores(d, w);
    double sum_w = 0;
    for (float x : w) sum_w += std::fabs(x);
    std::vector<double> scalar_scores(ref.size());
    for (Isa isa : AvailableIsas()) {
      IsaScope scope(isa);
      const std::vector<ScoredItem> got = TopKQuantizedApprox(m.quantized, w, d.n());
      ASSERT_EQ(static_cast<int64_t>(got.size()), d.n());
      for (const ScoredItem& it : got) {
        // max|y| = 1 (or 0), sum|y| = kDim: the bound of the test above.
        const double bound = 0.5 * (sum_w / 127 + QueryStep(w) * kDim) * 1.05 + 1e-4;
        EXPECT_LE(std::fabs(it.score - ref[it.row]), bound)
            << IsaName(isa) << " row=" << it.row << " w[0]=" << w[0];
        if (isa == Isa::kScalar) {
          scalar_scores[it.row] = it.score;
        } else {
          EXPECT_NEAR(it.score, scalar_scores[it.row], 1e-4 * (1 + std::fabs(ref[it.row])))
              << IsaName(isa) << " row=" << it.row;
        }
      }
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
