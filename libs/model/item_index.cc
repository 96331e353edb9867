#include "libs/model/item_index.h"

#include "libs/common/status_macros.h"

namespace chatrec::model {

absl::StatusOr<std::shared_ptr<const ItemIndex>> ItemIndex::Build(ModelPtr model) {
  ASSIGN_OR_RETURN(kernels::ItemMatrix matrix,
                   kernels::ItemMatrix::Create(model->dim, model->item_vectors, model->item_bias));
  std::shared_ptr<ItemIndex> index(new ItemIndex(std::move(model), std::move(matrix)));
  if (index->matrix_.size() >= kQuantizeFrom) {
    ASSIGN_OR_RETURN(kernels::QuantizedItemMatrix q, kernels::QuantizedItemMatrix::Create(index->matrix_));
    index->quantized_.emplace(std::move(q));
  }
  return std::shared_ptr<const ItemIndex>(std::move(index));
}

std::vector<kernels::ScoredItem> ItemIndex::TopK(absl::Span<const float> w, int k) const {
  if (quantized_) return kernels::TopKQuantized(*quantized_, matrix_, w, k);
  return kernels::TopK(matrix_, w, k);
}

absl::StatusOr<std::shared_ptr<const ItemIndex>> ItemIndexCache::For(const ModelPtr& model) {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ && current_->model_ptr() == model) return current_;
  ASSIGN_OR_RETURN(current_, ItemIndex::Build(model));
  return current_;
}

}  // namespace chatrec::model
