#include "libs/model/serving_model.h"

#include "libs/catalog/catalog_store.h"
#include "libs/common/status_macros.h"

namespace chatrec::model {

absl::StatusOr<ServingModel> LoadServingModel(const storage::StoreLayout& layout, std::chrono::milliseconds poll) {
  ServingModel s;
  ASSIGN_OR_RETURN(s.catalog, catalog::LoadCatalog(layout.catalog()));
  ASSIGN_OR_RETURN(s.models, ModelWatcher::Create(layout.model(), *s.catalog, poll));
  return s;
}

}  // namespace chatrec::model
