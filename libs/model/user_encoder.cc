#include "libs/model/user_encoder.h"

#include <Eigen/Dense>

namespace chatrec::model {

std::optional<Signal> SignalOf(v1::EventType type, float rating) {
  switch (type) {
    case v1::EVENT_TYPE_RATING:
      if (rating >= 4) return Signal{1.f, rating >= 5 ? 1.f : 0.6f};
      if (rating >= 3) return Signal{1.f, 0.2f};
      return Signal{0.f, rating >= 2 ? 0.5f : 1.f};
    case v1::EVENT_TYPE_LIKE:
    case v1::EVENT_TYPE_ACCEPT:
    case v1::EVENT_TYPE_WATCH:
      return Signal{1.f, 1.f};
    case v1::EVENT_TYPE_CLICK:
      return Signal{1.f, 0.3f};
    case v1::EVENT_TYPE_DISLIKE:
      return Signal{0.f, 1.f};
    case v1::EVENT_TYPE_REJECT:
      return Signal{0.f, 0.3f};
    default:
      return std::nullopt;  // impressions and unknown types say nothing about taste
  }
}

void ResetStatistics(const Model& model, internal::UserSummary* summary) {
  summary->set_model_version(model.version);
  summary->clear_gram();
  summary->clear_rhs();
  summary->mutable_gram()->Resize(model.dim * model.dim, 0.f);
  summary->mutable_rhs()->Resize(model.dim, 0.f);
}

void Accumulate(const Model& model, int32_t row, const Signal& s, internal::UserSummary* summary) {
  if (summary->model_version() != model.version || summary->rhs_size() != model.dim) {
    ResetStatistics(model, summary);
  }
  const int d = model.dim;
  const float* y = model.item(row);
  const float extra = model.als_alpha * s.strength;  // c - 1
  const float c = 1.f + extra;
  float* g = summary->mutable_gram()->mutable_data();
  float* r = summary->mutable_rhs()->mutable_data();
  for (int i = 0; i < d; ++i) {
    r[i] += c * s.preference * y[i];
    const float e_yi = extra * y[i];
    for (int j = 0; j <= i; ++j) g[i * d + j] += e_yi * y[j];  // the lower triangle (see the header)
  }
}

std::vector<float> EncodeUser(const Model& model, const internal::UserSummary& summary) {
  const int d = model.dim;
  if (summary.model_version() != model.version || summary.rhs_size() != d || summary.gram_size() != d * d) {
    return {};
  }
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Mat> gram(model.gram.data(), d, d);
  Eigen::Map<const Mat> user_gram(summary.gram().data(), d, d);
  Eigen::Map<const Eigen::VectorXf> rhs(summary.rhs().data(), d);
  Mat m = gram + user_gram;
  m.diagonal().array() += model.als_lambda;
  // LDLT reads only the lower triangle of m, the part the user's gram holds.
  Eigen::VectorXf u = m.ldlt().solve(rhs);
  return std::vector<float>(u.data(), u.data() + d);
}

}  // namespace chatrec::model
