// Test helpers for the kernels: a plain double-precision reference, data generators, and a scope
// that forces a dispatch level. Tests only; not part of chatrec::kernels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/kernels/kernels.h"
#include "libs/kernels/synthetic.h"

namespace chatrec::kernels::testing {

// Every level this CPU can run, lowest first.
inline std::vector<Isa> AvailableIsas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (static_cast<int>(isa) <= static_cast<int>(DetectedIsa())) out.push_back(isa);
  }
  return out;
}

// Forces `isa` for the scope's lifetime, then restores what was active.
class IsaScope {
 public:
  explicit IsaScope(Isa isa) : saved_(ActiveIsa()) { EXPECT_TRUE(SetIsaOverride(isa).ok()); }
  ~IsaScope() { (void)SetIsaOverride(saved_); }

 private:
  Isa saved_;
};

struct Dataset {
  int dim = 0;
  std::vector<float> rows;  // n * dim
  std::vector<float> bias;  // n or empty
  int64_t n() const { return dim == 0 ? 0 : static_cast<int64_t>(rows.size()) / dim; }
};

// Multiples of 1/4 in [-2, 2]: every product and partial sum is exact in float, so any summation
// order gives the same score and results must match the reference exactly, ties included.
inline Dataset ExactData(int64_t n, int dim, bool with_bias, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> q(-8, 8);
  Dataset d;
  d.dim = dim;
  d.rows.resize(static_cast<size_t>(n * dim));
  for (float& v : d.rows) v = q(rng) * 0.25f;
  if (with_bias) {
    d.bias.resize(static_cast<size_t>(n));
    for (float& v : d.bias) v = q(rng) * 0.25f;
  }
  return d;
}

inline std::vector<float> ExactQuery(int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> q(-8, 8);
  std::vector<float> w(static_cast<size_t>(dim));
  for (float& v : w) v = q(rng) * 0.25f;
  return w;
}

inline std::vector<float> GaussianVector(size_t size, std::mt19937& rng) {
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> v(size);
  for (float& x : v) x = g(rng);
  return v;
}

// Clustered data (synthetic.h) as a Dataset plus its queries.
struct ClusteredData {
  Dataset items;
  std::vector<std::vector<float>> queries;
};
inline ClusteredData Clustered(int64_t n, int dim, int clusters, int queries, uint32_t seed) {
  SyntheticOptions o;
  o.items = n;
  o.dim = dim;
  o.clusters = clusters;
  o.queries = queries;
  o.seed = seed;
  SyntheticData s = MakeClusteredData(o);
  ClusteredData out;
  out.items.dim = dim;
  out.items.rows = std::move(s.rows);
  out.items.bias = std::move(s.bias);
  out.queries = std::move(s.queries);
  return out;
}

// Reference scores in double precision.
inline std::vector<double> ReferenceScores(const Dataset& d, const std::vector<float>& w) {
  std::vector<double> s(static_cast<size_t>(d.n()));
  for (int64_t i = 0; i < d.n(); ++i) {
    double sum = d.bias.empty() ? 0.0 : d.bias[i];
    for (int j = 0; j < d.dim; ++j) sum += double{d.rows[i * d.dim + j]} * w[j];
    s[i] = sum;
  }
  return s;
}

// Reference top-k over `rows` (all rows if empty): score descending, then row ascending.
inline std::vector<ScoredItem> ReferenceTopK(const std::vector<double>& scores, int64_t k,
                                             std::vector<int32_t> rows = {}) {
  if (rows.empty()) {
    for (int32_t i = 0; i < static_cast<int32_t>(scores.size()); ++i) rows.push_back(i);
  }
  std::sort(rows.begin(), rows.end(), [&](int32_t a, int32_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  });
  std::vector<ScoredItem> out;
  for (int64_t i = 0; i < std::min<int64_t>(k, rows.size()); ++i) {
    out.push_back(ScoredItem{rows[i], static_cast<float>(scores[rows[i]])});
  }
  return out;
}

inline std::string Describe(const std::vector<ScoredItem>& items, size_t max = 8) {
  std::ostringstream s;
  for (size_t i = 0; i < std::min(max, items.size()); ++i) {
    s << "(" << items[i].row << "," << items[i].score << ") ";
  }
  return s.str();
}

// Exact equality of rows and scores, in order.
inline ::testing::AssertionResult SameItems(const std::vector<ScoredItem>& got,
                                            const std::vector<ScoredItem>& want) {
  bool same = got.size() == want.size();
  for (size_t i = 0; same && i < got.size(); ++i) {
    same = got[i].row == want[i].row && got[i].score == want[i].score;
  }
  if (same) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << got.size() << ": " << Describe(got)
                                       << "\nwant " << want.size() << ": " << Describe(want);
}

// For inexact (float-rounded) scores: `got` is a valid top-k of `ref` up to `tol`: the right size,
// sorted, distinct rows, each score within tol of the reference, and no row left out whose
// reference score beats the weakest returned one by more than tol.
inline ::testing::AssertionResult ValidTopK(const std::vector<ScoredItem>& got,
                                            const std::vector<double>& ref, int64_t k,
                                            double tol) {
  const size_t want = static_cast<size_t>(std::min<int64_t>(k, ref.size()));
  if (got.size() != want) {
    return ::testing::AssertionFailure() << "size " << got.size() << " want " << want;
  }
  std::vector<char> taken(ref.size(), 0);
  double weakest = INFINITY;
  for (size_t i = 0; i < got.size(); ++i) {
    const ScoredItem& it = got[i];
    if (it.row < 0 || static_cast<size_t>(it.row) >= ref.size() || taken[it.row]) {
      return ::testing::AssertionFailure() << "bad or repeated row " << it.row;
    }
    taken[it.row] = 1;
    if (std::fabs(it.score - ref[it.row]) > tol) {
      return ::testing::AssertionFailure() << "row " << it.row << " score " << it.score
                                           << " reference " << ref[it.row];
    }
    if (i > 0 && got[i - 1].score < it.score) {
      return ::testing::AssertionFailure() << "not sorted at " << i;
    }
    weakest = std::min(weakest, ref[it.row]);
  }
  for (size_t r = 0; r < ref.size(); ++r) {
    if (!taken[r] && ref[r] > weakest + tol) {
      return ::testing::AssertionFailure() << "missed row " << r << " with " << ref[r]
                                           << " > weakest " << weakest;
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace chatrec::kernels::testing
