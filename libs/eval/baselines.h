// Baselines run side by side with our model in `chatrec eval`. All treat every
// training rating as one implicit interaction (x_ui = 1), the usual input of
// top-k recommendation on MovieLens.
//
//   pop      most popular: number of training interactions of the item
//   itemknn  item-based kNN, cosine similarity on the binary matrix, `neighbours` kept per item
//   bpr      BPR-MF (Rendle et al. 2009): SGD on sampled (user, positive, negative) triples,
//            with an item bias; single-threaded so that it is deterministic for a seed
//   ease     EASE (Steck 2019): B = I - P·diagMat(1/diag(P)), P = (XᵀX + λI)⁻¹, closed form
#pragma once

#include <cstdint>
#include <vector>

#include "libs/eval/recommender.h"

namespace chatrec::eval {

class MostPopular : public Recommender {
 public:
  std::string name() const override { return "pop"; }
  absl::Status Fit(const TrainData& data) override;
  void Score(int32_t user, absl::Span<float> scores) const override;

 private:
  std::vector<float> count_;
};

// Adds the rows of a dense item x item matrix W for every training item of the user:
// score(i) = Σ_{j ∈ history} W[j][i]. Shared by ItemKNN and EASE.
class ItemItemRecommender : public Recommender {
 public:
  void Score(int32_t user, absl::Span<float> scores) const override;
  // W[j][i], row-major, num_items x num_items.
  const std::vector<float>& weights() const { return w_; }

 protected:
  const TrainData* data_ = nullptr;
  int32_t n_ = 0;
  std::vector<float> w_;
};

class ItemKnn : public ItemItemRecommender {
 public:
  explicit ItemKnn(int neighbours = 200) : neighbours_(neighbours) {}
  std::string name() const override { return "itemknn"; }
  absl::Status Fit(const TrainData& data) override;

 private:
  int neighbours_;
};

class Ease : public ItemItemRecommender {
 public:
  explicit Ease(double lambda = 250) : lambda_(lambda) {}
  std::string name() const override { return "ease"; }
  absl::Status Fit(const TrainData& data) override;

 private:
  double lambda_;
};

struct BprOptions {
  int dim = 64;
  int epochs = 100;  // one epoch = as many sampled triples as training interactions
  float learning_rate = 0.05f;
  float reg = 0.01f;
  uint64_t seed = 42;
};

class BprMf : public Recommender {
 public:
  explicit BprMf(BprOptions o = {}) : o_(o) {}
  std::string name() const override { return "bpr"; }
  absl::Status Fit(const TrainData& data) override;
  void Score(int32_t user, absl::Span<float> scores) const override;

 private:
  BprOptions o_;
  int32_t n_ = 0;
  std::vector<float> users_, items_, bias_;
};

}  // namespace chatrec::eval
