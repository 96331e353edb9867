// Our model in `chatrec eval`: the bilinear model trained by model::TrainModel on
// the split's training ratings, each test user folded exactly as the services do
// (u from the fold-in of their rating events; q and h from model::FoldHistory, since
// offline there is no dialogue), scored w·yᵢ + bᵢ. Variants switch terms off
// (ablation) and share one trained model.
#pragma once

#include <memory>
#include <string>

#include "libs/catalog/catalog.h"
#include "libs/eval/recommender.h"
#include "libs/model/fold.h"
#include "libs/model/trainer.h"

namespace chatrec::eval {

struct OursTerms {
  bool user = true;
  bool need = true;
  bool kg = true;
  bool bias = true;
};

// Trained once by the first variant's Fit, then read-only.
struct OursShared {
  const catalog::Catalog* catalog = nullptr;
  model::TrainOptions options;
  model::TrainProgressFn progress;
  model::TrainLogFn log;
  std::shared_ptr<model::Model> model;
  std::vector<model::FoldedQuery> folded;  // per user
};

class OursRecommender : public Recommender {
 public:
  OursRecommender(std::string name, std::shared_ptr<OursShared> shared, OursTerms terms)
      : name_(std::move(name)), shared_(std::move(shared)), terms_(terms) {}
  std::string name() const override { return name_; }
  absl::Status Fit(const TrainData& data) override;
  void Score(int32_t user, absl::Span<float> scores) const override;

 private:
  std::string name_;
  std::shared_ptr<OursShared> shared_;
  OursTerms terms_;
};

// Interactions for model::TrainModel from the training ratings, summed per pair the
// way `chatrec train` sums rating events.
std::vector<model::Interaction> InteractionsOf(const TrainData& data);

}  // namespace chatrec::eval
