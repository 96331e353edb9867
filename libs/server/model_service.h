// The start-up shared by the services that serve the model (scoring, retrieval,
// feedback): the gRPC server from the common flags (server_flags.cc), the catalogue
// and the model watcher from --store_dir (new versions looked for every
// --model_poll_ms), and the model-version metric
//   chatrec_model_info{version="…"} 1   and   chatrec_model_items <n>
// so dashboards can show rollouts (the old version's series is removed on a swap).
//
//   auto started = server::StartModelService("scoring", 50053, 9463);
//   if (!started.ok()) ...
//   ScoringCore core(started->catalog(), started->models());
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/model/model_watcher.h"
#include "libs/model/serving_model.h"
#include "libs/server/server.h"
#include "libs/storage/layout.h"

namespace prometheus {
class Registry;
}

namespace chatrec::server {

struct ModelService {
  std::unique_ptr<Server> server;
  storage::StoreLayout layout;  // from --store_dir
  model::ServingModel serving;
  catalog::Catalog* catalog() const { return serving.catalog.get(); }
  model::ModelWatcher* models() const { return serving.models.get(); }
};

// Reads --store_dir and --model_poll_ms besides the common server flags; a port flag left
// at -1 takes the given default.
absl::StatusOr<ModelService> StartModelService(const std::string& name, int default_port, int default_metrics_port);

void ExportModelVersion(prometheus::Registry* registry, model::ModelWatcher* models);

}  // namespace chatrec::server
