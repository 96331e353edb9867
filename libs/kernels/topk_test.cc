// Tests for exact fp32 scoring: TopK, TopKSubset, ScoreRows, Dot and ItemMatrix, at every ISA
// level this CPU has, against the double-precision reference in test_util.h.
#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "libs/kernels/kernels.h"
#include "libs/kernels/test_util.h"

namespace chatrec::kernels {
namespace {

using testing::AvailableIsas;
using testing::IsaScope;

ItemMatrix MakeMatrix(const testing::Dataset& d) {
  absl::StatusOr<ItemMatrix> m = ItemMatrix::Create(d.dim, d.rows, d.bias);
  EXPECT_TRUE(m.ok()) << m.status();
  return std::move(m).value();
}

TEST(KernelsTest, TopKMatchesReferenceAtEveryIsa) {
  // Exactly representable data: scores are exact at every level, so results (including the
  // order of the many ties) must equal the reference bit for bit.
  uint32_t seed = 1;
  for (int dim : {1, 16, 33, 64, 128}) {
    for (int64_t n : {1, 15, 16, 17, 250, 4099}) {
      for (bool bias : {false, true}) {
        const testing::Dataset d = testing::ExactData(n, dim, bias, seed++);
        const ItemMatrix m = MakeMatrix(d);
        const std::vector<float> w = testing::ExactQuery(dim, seed++);
        const std::vector<double> ref = testing::ReferenceScores(d, w);
        for (int k : {1, 10, 100, static_cast<int>(n), static_cast<int>(n) + 7}) {
          const std::vector<ScoredItem> want = testing::ReferenceTopK(ref, k);
          for (Isa isa : AvailableIsas()) {
            IsaScope scope(isa);
            for (int threads : {1, 2, 3}) {
              EXPECT_TRUE(testing::SameItems(TopK(m, w, k, threads), want))
                  << IsaName(isa) << " dim=" << dim << " n=" << n << " k=" << k
                  << " bias=" << bias << " threads=" << threads;
            }
          }
        }
      }
    }
  }
}

TEST(KernelsTest, TopKOnGaussianDataIsValidWithinRounding) {
  std::mt19937 rng(7);
  for (int dim : {33, 64, 128}) {
    testing::Dataset d;
    d.dim = dim;
    d.rows = testing::GaussianVector(static_cast<size_t>(3001) * dim, rng);
    d.bias = testing::GaussianVector(3001, rng);
    const ItemMatrix m = MakeMatrix(d);
    const std::vector<float> w = testing::GaussianVector(dim, rng);
    const std::vector<double> ref = testing::ReferenceScores(d, w);
    for (Isa isa : AvailableIsas()) {
      IsaScope scope(isa);
      const std::vector<ScoredItem> got = TopK(m, w, 50, 1);
      EXPECT_TRUE(testing::ValidTopK(got, ref, 50, 1e-3)) << IsaName(isa) << " dim=" << dim;
      // Threads split the rows but must not change a single score or position.
      EXPECT_TRUE(testing::SameItems(TopK(m, w, 50, 2), got)) << IsaName(isa);
    }
  }
}

TEST(KernelsTest, TiesGoToTheSmallerRow) {
  const int dim = 20, n = 100;
  std::vector<float> rows(static_cast<size_t>(n * dim), 0.5f);
  const ItemMatrix m = ItemMatrix::Create(dim, rows).value();
  const std::vector<float> w(dim, 1.0f);
  for (Isa isa : AvailableIsas()) {
    IsaScope scope(isa);
    for (int threads : {1, 2}) {
      const std::vector<ScoredItem> got = TopK(m, w, 5, threads);
      ASSERT_EQ(got.size(), 5u);
      for (int i = 0; i < 5; ++i) EXPECT_EQ(got[i].row, i) << IsaName(isa);
    }
  }
}

TEST(KernelsTest, EmptyResultForZeroKOrWrongQuerySize) {
  const testing::Dataset d = testing::ExactData(40, 8, false, 3);
  const ItemMatrix m = MakeMatrix(d);
  EXPECT_TRUE(TopK(m, testing::ExactQuery(8, 1), 0).empty());
  EXPECT_TRUE(TopK(m, testing::ExactQuery(8, 1), -3).empty());
  EXPECT_TRUE(TopK(m, testing::ExactQuery(9, 1), 5).empty());
}

TEST(KernelsTest, TopKSubsetMatchesReferenceAndDeduplicates) {
  const testing::Dataset d = testing::ExactData(1000, 33, true, 11);
  const ItemMatrix m = MakeMatrix(d);
  const std::vector<float> w = testing::ExactQuery(33, 12);
  const std::vector<double> ref = testing::ReferenceScores(d, w);
  std::mt19937 rng(13);
  std::uniform_int_distribution<int32_t> id(0, 999);
  std::vector<int32_t> subset;
  for (int i = 0; i < 300; ++i) subset.push_back(id(rng));
  subset.push_back(subset[0]);  // duplicates are one candidate
  subset.push_back(subset[1]);
  std::vector<int32_t> unique = subset;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  for (Isa isa : AvailableIsas()) {
    IsaScope scope(isa);
    for (int k : {1, 17, static_cast<int>(unique.size()), 1000}) {
      absl::StatusOr<std::vector<ScoredItem>> got = TopKSubset(m, w, subset, k);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_TRUE(testing::SameItems(*got, testing::ReferenceTopK(ref, k, unique)))
          << IsaName(isa) << " k=" << k;
    }
    EXPECT_TRUE(TopKSubset(m, w, subset, 0)->empty());
    EXPECT_TRUE(TopKSubset(m, w, {}, 5)->empty());
  }
}

TEST(KernelsTest, TopKSubsetRejectsBadInput) {
  const ItemMatrix m = MakeMatrix(testing::ExactData(50, 8, false, 5));
  const std::vector<float> w = testing::ExactQuery(8, 6);
  const std::vector<int32_t> negative = {1, -1}, too_big = {3, 50};
  EXPECT_EQ(TopKSubset(m, w, negative, 5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TopKSubset(m, w, too_big, 5).status().code(), absl::StatusCode::kInvalidArgument);
  const std::vector<int32_t> ok = {1, 2};
  EXPECT_EQ(TopKSubset(m, testing::ExactQuery(7, 6), ok, 5).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(KernelsTest, ScoreRowsIsBitIdenticalToTopK) {
  std::mt19937 rng(21);
  for (int dim : {33, 64, 128}) {
    testing::Dataset d;
    d.dim = dim;
    d.rows = testing::GaussianVector(static_cast<size_t>(777) * dim, rng);
    d.bias = testing::GaussianVector(777, rng);
    const ItemMatrix m = MakeMatrix(d);
    const std::vector<float> w = testing::GaussianVector(dim, rng);
    for (Isa isa : AvailableIsas()) {
      IsaScope scope(isa);
      const std::vector<ScoredItem> top = TopK(m, w, 777, 1);
      std::vector<int32_t> ids;
      for (const ScoredItem& it : top) ids.push_back(it.row);
      std::vector<float> scores(ids.size());
      ScoreRows(m, w, ids, absl::MakeSpan(scores));
      for (size_t i = 0; i < ids.size(); ++i) {
        ASSERT_EQ(scores[i], top[i].score) << IsaName(isa) << " dim=" << dim << " row=" << ids[i];
      }
    }
  }
}

TEST(KernelsTest, DotCopyRowAndBiasRoundTrip) {
  const testing::Dataset d = testing::ExactData(37, 33, true, 8);
  const ItemMatrix m = MakeMatrix(d);
  EXPECT_EQ(m.size(), 37);
  EXPECT_EQ(m.dim(), 33);
  EXPECT_EQ(m.stride(), 48);
  const std::vector<float> v = testing::ExactQuery(33, 9);
  std::vector<float> row(33);
  for (int64_t r = 0; r < m.size(); ++r) {
    m.CopyRow(r, row.data());
    EXPECT_TRUE(std::equal(row.begin(), row.end(), d.rows.begin() + r * 33));
    EXPECT_EQ(m.Bias(r), d.bias[r]);
    double want = 0;
    for (int j = 0; j < 33; ++j) want += double{row[j]} * v[j];
    EXPECT_EQ(Dot(m, r, v), static_cast<float>(want));
  }
}

TEST(KernelsTest, CreateRejectsBadShapesAndNonFiniteValues) {
  const std::vector<float> rows(12, 1.0f);
  EXPECT_FALSE(ItemMatrix::Create(0, rows).ok());
  EXPECT_FALSE(ItemMatrix::Create(5, rows).ok());
  const std::vector<float> short_bias(2, 0.0f);
  EXPECT_FALSE(ItemMatrix::Create(4, rows, short_bias).ok());
  std::vector<float> nan_rows = rows;
  nan_rows[5] = NAN;
  EXPECT_EQ(ItemMatrix::Create(4, nan_rows).status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<ItemMatrix> empty = ItemMatrix::Create(4, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(TopK(*empty, std::vector<float>(4, 1.0f), 3).empty());
}

}  // namespace
}  // namespace chatrec::kernels
