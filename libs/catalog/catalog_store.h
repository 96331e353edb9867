// Reads and writes a catalogue in its RocksDB store (<store_dir>/catalog).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"

namespace chatrec::catalog {

struct CatalogContents {
  std::vector<ItemRecord> items;
  std::vector<EntityRecord> entities;
  std::vector<internal::UserRecord> users;
  internal::CatalogMeta meta;
};

// Replaces the store's contents with `contents` in one atomic, synced batch.
absl::Status SaveCatalog(const std::string& path, const CatalogContents& contents);

// Loads the catalogue from the store at `path` (opened read-only, so services can
// share it with each other).
absl::StatusOr<std::unique_ptr<Catalog>> LoadCatalog(const std::string& path);

}  // namespace chatrec::catalog
