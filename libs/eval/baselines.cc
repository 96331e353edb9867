#include "libs/eval/baselines.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <random>

namespace chatrec::eval {
namespace {

using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// XᵀX of the binary user x item matrix.
MatF CoOccurrence(const TrainData& data) {
  MatF x = MatF::Zero(data.num_users, data.num_items);
  for (int32_t u = 0; u < data.num_users; ++u) {
    for (int32_t i : data.items_of[u]) x(u, i) = 1.f;
  }
  MatF g = MatF::Zero(data.num_items, data.num_items);
  g.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose());
  g.triangularView<Eigen::StrictlyUpper>() = g.transpose();
  return g;
}

}  // namespace

absl::Status MostPopular::Fit(const TrainData& data) {
  count_.assign(data.num_items, 0.f);
  for (int32_t i = 0; i < data.num_items; ++i) count_[i] = static_cast<float>(data.users_of[i].size());
  return absl::OkStatus();
}

void MostPopular::Score(int32_t, absl::Span<float> scores) const {
  std::copy(count_.begin(), count_.end(), scores.begin());
}

void ItemItemRecommender::Score(int32_t user, absl::Span<float> scores) const {
  std::fill(scores.begin(), scores.end(), 0.f);
  for (int32_t j : data_->items_of[user]) {
    const float* row = w_.data() + static_cast<size_t>(j) * n_;
    for (int32_t i = 0; i < n_; ++i) scores[i] += row[i];
  }
}

absl::Status ItemKnn::Fit(const TrainData& data) {
  data_ = &data;
  n_ = data.num_items;
  MatF g = CoOccurrence(data);
  // cosine(i, j) = |U_i ∩ U_j| / sqrt(|U_i| |U_j|)
  std::vector<float> inv_norm(n_);
  for (int32_t i = 0; i < n_; ++i) inv_norm[i] = g(i, i) > 0 ? 1.f / std::sqrt(g(i, i)) : 0.f;
  w_.assign(static_cast<size_t>(n_) * n_, 0.f);
  std::vector<int32_t> order(n_);
  for (int32_t i = 0; i < n_; ++i) {
    // The `neighbours_` most similar items of i vote for i: W[j][i] = cos(i, j).
    std::vector<float> sim(n_);
    for (int32_t j = 0; j < n_; ++j) sim[j] = j == i ? 0.f : g(i, j) * inv_norm[i] * inv_norm[j];
    for (int32_t j = 0; j < n_; ++j) order[j] = j;
    const int k = std::min(neighbours_, n_);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
      return sim[a] != sim[b] ? sim[a] > sim[b] : a < b;
    });
    for (int r = 0; r < k; ++r) w_[static_cast<size_t>(order[r]) * n_ + i] = sim[order[r]];
  }
  return absl::OkStatus();
}

absl::Status Ease::Fit(const TrainData& data) {
  data_ = &data;
  n_ = data.num_items;
  MatD g = CoOccurrence(data).cast<double>();
  g.diagonal().array() += lambda_;
  MatD p = g.llt().solve(MatD::Identity(n_, n_));
  // B_ij = -P_ij / P_jj, zero diagonal. Score(i) = Σ_j x_j B_ji, so W[j][i] = B_ji.
  w_.assign(static_cast<size_t>(n_) * n_, 0.f);
  for (int32_t j = 0; j < n_; ++j) {
    for (int32_t i = 0; i < n_; ++i) {
      if (i != j) w_[static_cast<size_t>(j) * n_ + i] = static_cast<float>(-p(j, i) / p(i, i));
    }
  }
  return absl::OkStatus();
}

absl::Status BprMf::Fit(const TrainData& data) {
  n_ = data.num_items;
  const int d = o_.dim;
  std::mt19937_64 rng(o_.seed);
  std::normal_distribution<float> init(0.f, 0.1f);
  users_.resize(static_cast<size_t>(data.num_users) * d);
  items_.resize(static_cast<size_t>(n_) * d);
  bias_.assign(n_, 0.f);
  for (float& v : users_) v = init(rng);
  for (float& v : items_) v = init(rng);
  std::vector<std::pair<int32_t, int32_t>> pairs;
  for (int32_t u = 0; u < data.num_users; ++u) {
    for (int32_t i : data.items_of[u]) pairs.push_back({u, i});
  }
  if (pairs.empty()) return absl::FailedPreconditionError("no training interactions");
  std::uniform_int_distribution<size_t> pick_pair(0, pairs.size() - 1);
  std::uniform_int_distribution<int32_t> pick_item(0, n_ - 1);
  const float lr = o_.learning_rate, reg = o_.reg;
  std::vector<float> pu(d);
  for (int epoch = 0; epoch < o_.epochs; ++epoch) {
    for (size_t s = 0; s < pairs.size(); ++s) {
      auto [u, i] = pairs[pick_pair(rng)];
      const auto& seen = data.items_of[u];
      int32_t j;
      do j = pick_item(rng);
      while (std::binary_search(seen.begin(), seen.end(), j));
      float* xu = users_.data() + static_cast<size_t>(u) * d;
      float* yi = items_.data() + static_cast<size_t>(i) * d;
      float* yj = items_.data() + static_cast<size_t>(j) * d;
      float x = bias_[i] - bias_[j];
      for (int f = 0; f < d; ++f) x += xu[f] * (yi[f] - yj[f]);
      const float g = 1.f / (1.f + std::exp(x));  // σ(-x) = d/dx of ln σ(x)
      bias_[i] += lr * (g - reg * bias_[i]);
      bias_[j] += lr * (-g - reg * bias_[j]);
      for (int f = 0; f < d; ++f) {
        pu[f] = xu[f];
        xu[f] += lr * (g * (yi[f] - yj[f]) - reg * xu[f]);
        yi[f] += lr * (g * pu[f] - reg * yi[f]);
        yj[f] += lr * (-g * pu[f] - reg * yj[f]);
      }
    }
  }
  return absl::OkStatus();
}

void BprMf::Score(int32_t user, absl::Span<float> scores) const {
  const int d = o_.dim;
  const float* xu = users_.data() + static_cast<size_t>(user) * d;
  for (int32_t i = 0; i < n_; ++i) {
    const float* yi = items_.data() + static_cast<size_t>(i) * d;
    float s = bias_[i];
    for (int f = 0; f < d; ++f) s += xu[f] * yi[f];
    scores[i] = s;
  }
}

}  // namespace chatrec::eval
