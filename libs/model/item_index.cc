#include "libs/model/item_index.h"

#include "libs/common/status_macros.h"

namespace chatrec::model {

absl::StatusOr<std::shared_ptr<const ItemIndex>> ItemIndex::Build(ModelPtr model) {
  ASSIGN_OR_RETURN(kernels::ItemMatrix matrix,
                   kernels::ItemMatrix::Create(model->dim, model->item_vectors, model->item_bias));
  return std::shared_ptr<const ItemIndex>(new ItemIndex(std::move(model), std::move(matrix)));
}

absl::StatusOr<std::shared_ptr<const ItemIndex>> ItemIndexCache::For(const ModelPtr& model) {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ && current_->model_ptr() == model) return current_;
  ASSIGN_OR_RETURN(current_, ItemIndex::Build(model));
  return current_;
}

}  // namespace chatrec::model
