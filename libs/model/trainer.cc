#include "libs/model/trainer.h"

#include <Eigen/Dense>
#include <cmath>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"

namespace chatrec::model {
namespace {

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Entry {
  int32_t other;
  float pref;
  float extra;  // c - 1
};

// Solves every row of `out` against the fixed factors `fixed`, in parallel.
void SolveSide(const std::vector<std::vector<Entry>>& lists, const Mat& fixed, float lambda, int threads, Mat* out) {
  const int d = static_cast<int>(fixed.cols());
  Mat gram = fixed.transpose() * fixed;
  auto work = [&](size_t begin, size_t end) {
    Mat m(d, d);
    Eigen::VectorXf rhs(d);
    for (size_t r = begin; r < end; ++r) {
      if (lists[r].empty()) {
        out->row(r).setZero();
        continue;
      }
      m = gram;
      m.diagonal().array() += lambda;
      rhs.setZero();
      for (const Entry& e : lists[r]) {
        auto y = fixed.row(e.other);
        m.noalias() += e.extra * y.transpose() * y;
        rhs.noalias() += (1.f + e.extra) * e.pref * y.transpose();
      }
      out->row(r) = m.ldlt().solve(rhs).transpose();
    }
  };
  std::vector<std::thread> pool;
  size_t n = lists.size(), chunk = (n + threads - 1) / threads;
  for (int t = 0; t < threads; ++t) {
    size_t b = t * chunk, e = std::min(n, b + chunk);
    if (b < e) pool.emplace_back(work, b, e);
  }
  for (auto& th : pool) th.join();
}

double Loss(const std::vector<std::vector<Entry>>& by_user, const Mat& users, const Mat& items, float lambda) {
  // Σ over all pairs of c (p - uᵀy)²: the unobserved pairs (c = 1, p = 0) come from
  // the Gram trick  Σ_all (uᵀy)² = uᵀ (YᵀY) u, then the observed ones are corrected.
  Mat gram = items.transpose() * items;
  double loss = 0;
  int64_t observed = 0;
  for (size_t u = 0; u < by_user.size(); ++u) {
    auto x = users.row(u);
    loss += x * gram * x.transpose();
    for (const Entry& e : by_user[u]) {
      double s = x.dot(items.row(e.other));
      loss += (1.0 + e.extra) * (e.pref - s) * (e.pref - s) - s * s;
      ++observed;
    }
  }
  loss += lambda * (users.squaredNorm() + items.squaredNorm());
  return loss / std::max<int64_t>(observed, 1);
}

}  // namespace

absl::StatusOr<Model> TrainModel(const catalog::Catalog& catalog, int32_t num_users,
                                 const std::vector<Interaction>& interactions, const TrainOptions& o,
                                 const TrainProgressFn& progress) {
  const int d = o.dim;
  const int32_t n_items = catalog.size();
  if (d < 2 || d > 1024) return absl::InvalidArgumentError("dim must be in 2..1024");
  if (interactions.empty()) return absl::FailedPreconditionError("no interactions to train on; run `chatrec import`");
  std::vector<std::vector<Entry>> by_user(num_users), by_item(n_items);
  std::vector<double> popularity(n_items, 0);
  for (const auto& it : interactions) {
    if (it.user < 0 || it.user >= num_users || it.row < 0 || it.row >= n_items) {
      return absl::InvalidArgumentError(absl::StrCat("interaction out of range: user ", it.user, " row ", it.row));
    }
    float extra = o.alpha * it.signal.strength;
    by_user[it.user].push_back({it.row, it.signal.preference, extra});
    by_item[it.row].push_back({it.user, it.signal.preference, extra});
    if (it.signal.preference > 0) popularity[it.row] += 1;
  }

  std::mt19937_64 rng(o.seed);
  std::normal_distribution<float> init(0.f, 0.1f / std::sqrt(static_cast<float>(d)));
  Mat users(num_users, d), items(n_items, d);
  for (int64_t i = 0; i < items.size(); ++i) items.data()[i] = init(rng);
  for (int it = 1; it <= o.iterations; ++it) {
    SolveSide(by_user, items, o.lambda, o.threads, &users);
    SolveSide(by_item, users, o.lambda, o.threads, &items);
    if (progress) progress(it, o.iterations, Loss(by_user, users, items, o.lambda));
  }

  Model m;
  m.dim = d;
  m.als_lambda = o.lambda;
  m.als_alpha = o.alpha;
  for (int32_t r = 0; r < n_items; ++r) m.item_ids.push_back(catalog.item(r).id());
  m.item_vectors.assign(items.data(), items.data() + items.size());
  double max_pop = 1;
  for (double p : popularity) max_pop = std::max(max_pop, p);
  for (double p : popularity) m.item_bias.push_back(static_cast<float>(o.bias_weight * std::log1p(p) / std::log1p(max_pop)));
  Mat gram = items.transpose() * items;
  m.gram.assign(gram.data(), gram.data() + gram.size());
  auto scaled_identity = [d](float s) {
    std::vector<float> v(static_cast<size_t>(d) * d, 0.f);
    for (int i = 0; i < d; ++i) v[static_cast<size_t>(i) * d + i] = s;
    return v;
  };
  m.a = scaled_identity(1.f);
  m.b = scaled_identity(o.need_weight);
  m.c = scaled_identity(o.kg_weight);

  // Entity embeddings: centroid of the linked items' embeddings, rescaled to the
  // mean item norm so that a genre with 500 items weighs as much as a director with 3.
  double mean_norm = 0;
  for (int32_t r = 0; r < n_items; ++r) mean_norm += items.row(r).norm();
  mean_norm /= std::max(n_items, 1);
  for (const auto& e : catalog.entities()) {
    const auto& rows = catalog.RowsWithEntity(e.id());
    if (rows.empty()) continue;
    Eigen::RowVectorXf centroid = Eigen::RowVectorXf::Zero(d);
    for (int32_t r : rows) centroid += items.row(r);
    float norm = centroid.norm();
    if (norm <= 0) continue;
    centroid *= static_cast<float>(mean_norm) / norm;
    m.entity_ids.push_back(e.id());
    m.entity_vectors.insert(m.entity_vectors.end(), centroid.data(), centroid.data() + d);
  }
  m.metrics["train_loss"] = Loss(by_user, users, items, o.lambda);
  m.metrics["interactions"] = static_cast<double>(interactions.size());
  m.metrics["users"] = num_users;
  m.Index();
  return m;
}

}  // namespace chatrec::model
