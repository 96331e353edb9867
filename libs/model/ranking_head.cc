#include "libs/model/ranking_head.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "libs/eval/metrics.h"
#include "libs/model/parallel.h"

namespace chatrec::model {
namespace {

using Vec4 = Eigen::Matrix<float, 4, 1>;

Vec4 AsVector(const HeadWeights& w) { return Vec4(w.a, w.b, w.c, w.bias); }
HeadWeights FromVector(const Vec4& v) { return {v[0], v[1], v[2], v[3]}; }

// The unseen items of a user, best first, at most k of them (ties by smaller row).
std::vector<int32_t> Ranked(const HeadUser& u, const Vec4& w, int k) {
  Eigen::VectorXf scores = u.features * w;
  std::vector<int32_t> rows;
  rows.reserve(scores.size());
  size_t s = 0;
  for (int32_t i = 0; i < static_cast<int32_t>(scores.size()); ++i) {
    while (s < u.seen.size() && u.seen[s] < i) ++s;
    if (s < u.seen.size() && u.seen[s] == i) continue;
    rows.push_back(i);
  }
  const size_t n = std::min<size_t>(k, rows.size());
  std::partial_sort(rows.begin(), rows.begin() + n, rows.end(), [&](int32_t a, int32_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
  });
  rows.resize(n);
  return rows;
}

// Keeps a > 0, b and c above the floor, the prior weight non-negative.
Vec4 Project(Vec4 v, float floor) {
  v[0] = std::max(v[0], 1e-3f);
  v[1] = std::max(v[1], floor * v[0]);
  v[2] = std::max(v[2], floor * v[0]);
  v[3] = std::max(v[3], 0.f);
  return v;
}

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Early-stopping half: a fixed hash of the user index.
bool ForValidation(size_t user, uint64_t seed) { return Mix(seed ^ (user * 0x632be59bd9b4e019ULL)) & 1; }

}  // namespace

std::pair<double, double> HeadMetrics(const std::vector<HeadUser>& users, const HeadWeights& weights, int threads,
                                      const std::function<bool(size_t)>& pick) {
  const Vec4 w = AsVector(weights);
  std::vector<double> ndcg(users.size(), 0), p5(users.size(), 0);
  std::vector<char> counted(users.size(), 0);
  ParallelFor(users.size(), threads, [&](size_t begin, size_t end) {
    for (size_t u = begin; u < end; ++u) {
      if (users[u].held.empty() || (pick && !pick(u))) continue;
      auto top = Ranked(users[u], w, 10);
      ndcg[u] = eval::NdcgAt(top, users[u].held, 10);
      p5[u] = eval::PrecisionAt(top, users[u].held, 5);
      counted[u] = 1;
    }
  });
  double n = 0, p = 0, c = 0;
  for (size_t u = 0; u < users.size(); ++u) n += ndcg[u], p += p5[u], c += counted[u];
  return {n / std::max(c, 1.0), p / std::max(c, 1.0)};
}

HeadResult TrainHead(const std::vector<HeadUser>& users, const HeadWeights& start, const HeadOptions& o,
                     const HeadLogFn& log) {
  auto is_val = [&](size_t u) { return ForValidation(u, o.seed); };
  auto is_fit = [&](size_t u) { return !ForValidation(u, o.seed); };
  HeadResult result;
  Vec4 w = Project(AsVector(start), o.floor);
  result.weights = FromVector(w);
  result.start_ndcg10 = result.val_ndcg10 = HeadMetrics(users, result.weights, o.threads, is_val).first;
  Vec4 m = Vec4::Zero(), v = Vec4::Zero();  // Adam moments
  const float beta1 = 0.9f, beta2 = 0.999f;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    std::vector<Vec4> grad(users.size(), Vec4::Zero());
    std::vector<double> loss(users.size(), 0);
    std::vector<int64_t> pairs(users.size(), 0);
    ParallelFor(users.size(), o.threads, [&](size_t begin, size_t end) {
      for (size_t u = begin; u < end; ++u) {
        const HeadUser& hu = users[u];
        if (hu.held.empty() || !is_fit(u)) continue;
        std::mt19937_64 rng(Mix(o.seed * 0x2545f4914f6cdd1dULL + static_cast<uint64_t>(epoch) * 0x100000001b3ULL + u));
        std::vector<int32_t> pool;
        if (o.hard_pool > 0) {
          for (int32_t i : Ranked(hu, w, o.hard_pool + static_cast<int>(hu.held.size()))) {
            if (!std::binary_search(hu.held.begin(), hu.held.end(), i)) pool.push_back(i);
          }
        } else {
          for (int32_t i = 0; i < static_cast<int32_t>(hu.features.rows()); ++i) {
            if (!std::binary_search(hu.seen.begin(), hu.seen.end(), i) &&
                !std::binary_search(hu.held.begin(), hu.held.end(), i)) {
              pool.push_back(i);
            }
          }
        }
        if (pool.empty()) continue;
        std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
        for (int32_t p : hu.held) {
          for (int n = 0; n < o.negatives; ++n) {
            const int32_t neg = pool[pick(rng)];
            Vec4 diff = (hu.features.row(p) - hu.features.row(neg)).transpose();
            const float x = w.dot(diff);
            const float sig = 1.f / (1.f + std::exp(x));  // σ(−x) = 1 − σ(x)
            loss[u] += std::log1p(std::exp(-std::abs(x))) + std::max(-x, 0.f);  // −log σ(x), stable
            grad[u] -= sig * diff;
            ++pairs[u];
          }
        }
      }
    });
    Vec4 g = Vec4::Zero();
    double total_loss = 0;
    int64_t total_pairs = 0;
    for (size_t u = 0; u < users.size(); ++u) g += grad[u], total_loss += loss[u], total_pairs += pairs[u];
    if (total_pairs == 0) break;
    g /= static_cast<float>(total_pairs);
    g += o.l2 * w;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g.cwiseProduct(g);
    const float mc = 1 - std::pow(beta1, epoch), vc = 1 - std::pow(beta2, epoch);
    w -= o.learning_rate * ((m / mc).array() / ((v / vc).array().sqrt() + 1e-8f)).matrix();
    w = Project(w, o.floor);
    HeadEpochLog entry;
    entry.epoch = epoch;
    entry.epochs = o.epochs;
    entry.loss = total_loss / static_cast<double>(total_pairs);
    entry.val_ndcg10 = HeadMetrics(users, FromVector(w), o.threads, is_val).first;
    entry.weights = FromVector(w);
    entry.best = entry.val_ndcg10 > result.val_ndcg10 + 1e-9;
    result.epochs = epoch;
    if (entry.best) result.val_ndcg10 = entry.val_ndcg10, result.best_epoch = epoch, result.weights = entry.weights;
    if (log) log(entry);
    if (epoch - result.best_epoch >= o.patience) break;
  }
  return result;
}

}  // namespace chatrec::model
