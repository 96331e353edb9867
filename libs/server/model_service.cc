#include "libs/server/model_service.h"

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, store_dir, "var", "Root of the stores (<store_dir>/catalog, /model and the service's own)");
ABSL_FLAG(int, model_poll_ms, 5000, "How often to look for a new model version (0: never)");

namespace chatrec::server {

absl::StatusOr<ModelService> StartModelService(const std::string& name, int default_port, int default_metrics_port) {
  auto server = Server::Create(ServerOptionsFromFlags(name, default_port, default_metrics_port));
  if (!server.ok()) return server.status();
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  auto serving = model::LoadServingModel(layout, std::chrono::milliseconds(absl::GetFlag(FLAGS_model_poll_ms)));
  if (!serving.ok()) return serving.status();
  ExportModelVersion(&(*server)->metrics(), serving->models.get());
  return ModelService{.server = std::move(*server), .layout = std::move(layout), .serving = std::move(*serving)};
}

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
