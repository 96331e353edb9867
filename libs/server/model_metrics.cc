#include "libs/server/model_metrics.h"

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace chatrec::server {

void ExportModelVersion(prometheus::Registry* registry, model::ModelWatcher* models) {
  auto* info = &prometheus::BuildGauge()
                    .Name("chatrec_model_info")
                    .Help("The model version this service serves (value 1)")
                    .Register(*registry);
  auto* items = &prometheus::BuildGauge()
                     .Name("chatrec_model_items")
                     .Help("Items in the served model")
                     .Register(*registry)
                     .Add({});
  prometheus::Gauge* current = nullptr;
  models->OnSwap([info, items, current](const model::Model& m) mutable {
    if (current) info->Remove(current);
    current = &info->Add({{"version", m.version}});
    current->Set(1);
    items->Set(static_cast<double>(m.size()));
  });
}

}  // namespace chatrec::server
