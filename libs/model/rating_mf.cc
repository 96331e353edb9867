#include "libs/model/rating_mf.h"

#include <Eigen/Dense>
#include <algorithm>
#include <random>

#include "libs/model/parallel.h"

namespace chatrec::model {
namespace {

struct Obs {
  int32_t other;
  float value;
};

// Solves each row's [bias, factors] against the other side's fixed [bias, factors]:
// target = r − μ − other_bias, features = other factors with a leading 1 for the bias.
void SolveRows(const std::vector<std::vector<Obs>>& lists, const std::vector<float>& other_bias,
               const std::vector<float>& other_factors, float mean, const RatingMfOptions& o,
               std::vector<float>* bias, std::vector<float>* factors) {
  const int d = o.dim, k = d + 1;
  ParallelFor(lists.size(), o.threads, [&](size_t begin, size_t end) {
    Eigen::MatrixXf a(k, k);
    Eigen::VectorXf rhs(k), x(k);
    for (size_t r = begin; r < end; ++r) {
      const auto& list = lists[r];
      if (list.empty()) {
        (*bias)[r] = 0;
        std::fill(factors->begin() + r * d, factors->begin() + (r + 1) * d, 0.f);
        continue;
      }
      a.setZero();
      rhs.setZero();
      for (const Obs& ob : list) {
        x[0] = 1;
        for (int j = 0; j < d; ++j) x[j + 1] = other_factors[static_cast<size_t>(ob.other) * d + j];
        a.selfadjointView<Eigen::Lower>().rankUpdate(x);
        rhs += (ob.value - mean - other_bias[ob.other]) * x;
      }
      Eigen::MatrixXf full = a.selfadjointView<Eigen::Lower>();
      full(0, 0) += o.bias_lambda;
      for (int j = 1; j < k; ++j) full(j, j) += o.lambda * static_cast<float>(list.size());
      Eigen::VectorXf sol = full.ldlt().solve(rhs);
      (*bias)[r] = sol[0];
      for (int j = 0; j < d; ++j) (*factors)[r * d + j] = sol[j + 1];
    }
  });
}

}  // namespace

absl::StatusOr<RatingMf> RatingMf::Train(const std::vector<Rating>& ratings, int32_t num_users, int32_t num_items,
                                         const RatingMfOptions& o) {
  if (o.dim < 1 || o.dim > 512) return absl::InvalidArgumentError("rating MF dim must be in 1..512");
  if (o.iterations < 1) return absl::InvalidArgumentError("rating MF iterations must be at least 1");
  if (ratings.empty()) return absl::FailedPreconditionError("no ratings to train on");
  RatingMf m;
  m.o_ = o;
  m.users_ = num_users;
  m.items_ = num_items;
  std::vector<std::vector<Obs>> by_user(num_users), by_item(num_items);
  double sum = 0;
  for (const Rating& r : ratings) {
    if (r.user < 0 || r.user >= num_users || r.item < 0 || r.item >= num_items) {
      return absl::InvalidArgumentError("rating out of range");
    }
    by_user[r.user].push_back({r.item, r.value});
    by_item[r.item].push_back({r.user, r.value});
    sum += r.value;
  }
  m.mean_ = static_cast<float>(sum / ratings.size());
  const int d = o.dim;
  m.user_bias_.assign(num_users, 0);
  m.item_bias_.assign(num_items, 0);
  m.p_.assign(static_cast<size_t>(num_users) * d, 0);
  m.q_.assign(static_cast<size_t>(num_items) * d, 0);
  std::mt19937_64 rng(o.seed);
  std::normal_distribution<float> init(0.f, 0.1f);
  for (float& v : m.q_) v = init(rng);
  for (int it = 0; it < o.iterations; ++it) {
    SolveRows(by_user, m.item_bias_, m.q_, m.mean_, o, &m.user_bias_, &m.p_);
    SolveRows(by_item, m.user_bias_, m.p_, m.mean_, o, &m.item_bias_, &m.q_);
    double se = 0;
    for (const Rating& r : ratings) {
      double e = r.value - m.Predict(r.user, r.item);
      se += e * e;
    }
    m.train_mse_.push_back(se / ratings.size());
  }
  return m;
}

float RatingMf::Predict(int32_t user, int32_t item) const {
  float s = mean_;
  if (user >= 0 && user < users_) s += user_bias_[user];
  if (item >= 0 && item < items_) s += item_bias_[item];
  if (user >= 0 && user < users_ && item >= 0 && item < items_) {
    const float* p = p_.data() + static_cast<size_t>(user) * o_.dim;
    const float* q = q_.data() + static_cast<size_t>(item) * o_.dim;
    for (int j = 0; j < o_.dim; ++j) s += p[j] * q[j];
  }
  return std::clamp(s, o_.min_rating, o_.max_rating);
}

}  // namespace chatrec::model
