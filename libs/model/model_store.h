// The versioned model store (<store_dir>/model, RocksDB). Training writes a new
// version; services load the newest and poll for newer ones, so a new version
// is picked up without a restart.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "chatrec/internal/store.pb.h"
#include "libs/model/model.h"

namespace chatrec::model {

// Writes `model` as a new version (model.version must be set and unused).
absl::Status SaveModel(const std::string& path, const Model& model, const std::string& trainer);

// Versions in creation order, oldest first.
absl::StatusOr<std::vector<internal::ModelMeta>> ListModels(const std::string& path);

// The newest version, or `version` if not empty. NotFound if there is none.
absl::StatusOr<ModelPtr> LoadModel(const std::string& path, const std::string& version = "");

// Name of the newest version without loading it ("" if none).
absl::StatusOr<std::string> LatestModelVersion(const std::string& path);

// A fresh, sortable version name: "v<UTC yyyymmdd-hhmmss>-<millis>".
std::string NewModelVersion();

}  // namespace chatrec::model
