#include "libs/catalog/catalog_store.h"

#include "libs/common/status_macros.h"
#include "libs/storage/key_codec.h"
#include "libs/storage/kv_store.h"
#include "libs/storage/layout.h"

namespace chatrec::catalog {

using storage::KvStore;
namespace keys = storage::keys;

absl::Status SaveCatalog(const std::string& path, const CatalogContents& contents) {
  ASSIGN_OR_RETURN(auto store, KvStore::Open({.path = path, .column_families = storage::CatalogColumnFamilies()}));
  KvStore::Batch batch;
  // Drop what an earlier import left, so a re-import never mixes two data sets.
  for (const auto& cf : storage::CatalogColumnFamilies()) {
    RETURN_IF_ERROR(store->Scan(cf, "", [&](std::string_view key, std::string_view) {
      batch.Delete(cf, key);
      return true;
    }));
  }
  for (const auto& item : contents.items) batch.PutProto("items", keys::I64Key(item.id()), item);
  for (const auto& e : contents.entities) batch.PutProto("entities", e.id(), e);
  for (const auto& u : contents.users) batch.PutProto("users", u.id(), u);
  batch.PutProto("meta", "catalog", contents.meta);
  RETURN_IF_ERROR(store->Write(batch));
  return store->Flush();
}

absl::StatusOr<std::unique_ptr<Catalog>> LoadCatalog(const std::string& path) {
  ASSIGN_OR_RETURN(auto store, KvStore::Open({.path = path,
                                              .column_families = storage::CatalogColumnFamilies(),
                                              .read_only = true}));
  std::vector<ItemRecord> items;
  std::vector<EntityRecord> entities;
  absl::Status parse_error;
  RETURN_IF_ERROR(store->Scan("items", "", [&](std::string_view, std::string_view v) {
    if (!items.emplace_back().ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      parse_error = absl::DataLossError("corrupt item record in " + path);
      return false;
    }
    return true;
  }));
  RETURN_IF_ERROR(parse_error);
  RETURN_IF_ERROR(store->Scan("entities", "", [&](std::string_view, std::string_view v) {
    if (!entities.emplace_back().ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      parse_error = absl::DataLossError("corrupt entity record in " + path);
      return false;
    }
    return true;
  }));
  RETURN_IF_ERROR(parse_error);
  internal::CatalogMeta meta;
  RETURN_IF_ERROR(store->GetProto("meta", "catalog", &meta).status());
  if (items.empty()) return absl::FailedPreconditionError("catalog " + path + " is empty; run `chatrec import`");
  return Catalog::Create(std::move(items), std::move(entities), std::move(meta));
}

}  // namespace chatrec::catalog
