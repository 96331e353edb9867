// A model version's item embeddings laid out for the SIMD kernels. Built once per
// version and shared by every request on that version (scoring and retrieval).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

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

  // Top k over the whole catalogue. Large catalogues take the int8 first pass with
  // exact fp32 rescoring (a quarter of the bytes read; same top k in nearly all
  // queries, see libs/kernels/README.md); small ones the exact scan.
  std::vector<kernels::ScoredItem> TopK(absl::Span<const float> w, int k) const;

  // Catalogues at least this large get the quantised copy.
  static constexpr int64_t kQuantizeFrom = 100'000;

 private:
  ItemIndex(ModelPtr m, kernels::ItemMatrix matrix) : model_(std::move(m)), matrix_(std::move(matrix)) {}
  ModelPtr model_;
  kernels::ItemMatrix matrix_;
  std::optional<kernels::QuantizedItemMatrix> quantized_;
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
