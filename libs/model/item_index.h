// A model version's item embeddings laid out for the SIMD kernels. Built once per
// version and shared by every request on that version (scoring and retrieval).
#pragma once

#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "libs/kernels/kernels.h"
#include "libs/model/model.h"

namespace chatrec::model {

class ItemIndex {
 public:
  static absl::StatusOr<std::shared_ptr<const ItemIndex>> Build(ModelPtr model);
  const Model& model() const { return *model_; }
  const ModelPtr& model_ptr() const { return model_; }
  const kernels::ItemMatrix& matrix() const { return matrix_; }

 private:
  ItemIndex(ModelPtr m, kernels::ItemMatrix matrix) : model_(std::move(m)), matrix_(std::move(matrix)) {}
  ModelPtr model_;
  kernels::ItemMatrix matrix_;
};

// Keeps the index of the newest model asked for; thread-safe.
class ItemIndexCache {
 public:
  absl::StatusOr<std::shared_ptr<const ItemIndex>> For(const ModelPtr& model);

 private:
  std::mutex mu_;
  std::shared_ptr<const ItemIndex> current_;  // guarded by mu_
};

}  // namespace chatrec::model
