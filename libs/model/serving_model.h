// What every service that ranks items loads at start-up: the catalogue, and a
// watcher serving the newest model version that fits it (hot-swapping newer ones).
#pragma once

#include <chrono>
#include <memory>

#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"
#include "libs/model/model_watcher.h"
#include "libs/storage/engine_settings.h"
#include "libs/storage/layout.h"

namespace chatrec::model {

struct ServingModel {
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<ModelWatcher> models;  // refers to *catalog
  storage::EngineSettings settings;      // <store>/engine.json (empty without one)
  TermWeights weights;                   // the settings' scales, applied to every version loaded
};

// Reads <store>/catalog, <store>/engine.json and <store>/model; `poll` = 0 never looks for new versions.
absl::StatusOr<ServingModel> LoadServingModel(const storage::StoreLayout& layout, std::chrono::milliseconds poll);

}  // namespace chatrec::model
