#include "libs/model/serving_model.h"

#include "libs/catalog/catalog_store.h"
#include "libs/common/status_macros.h"

namespace chatrec::model {

absl::StatusOr<ServingModel> LoadServingModel(const storage::StoreLayout& layout, std::chrono::milliseconds poll) {
  ServingModel s;
  ASSIGN_OR_RETURN(s.catalog, catalog::LoadCatalog(layout.catalog()));
  ASSIGN_OR_RETURN(s.settings, storage::LoadEngineSettings(layout));
  s.weights = {.need = static_cast<float>(s.settings.need_scale.value_or(1)),
               .kg = static_cast<float>(s.settings.kg_scale.value_or(1)),
               .bias = static_cast<float>(s.settings.bias_scale.value_or(1))};
  ASSIGN_OR_RETURN(s.models, ModelWatcher::Create(layout.model(), *s.catalog, poll, s.weights));
  return s;
}

}  // namespace chatrec::model
