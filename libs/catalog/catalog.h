// The item catalogue and its knowledge graph, in memory, with the indexes that
// retrieval, scoring and language understanding need. Immutable once built, so
// it is safe to share across threads.
//
// Items are addressed two ways: by the data set's id (ItemRecord.id) and by a
// dense row 0..size()-1 (sorted by id), which is also the row of the item's
// embedding in a model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "chatrec/internal/store.pb.h"

namespace chatrec::catalog {

using internal::EntityRecord;
using internal::ItemRecord;

// Entity id of an item ("item:50"); items are KG nodes too.
std::string ItemEntityId(int64_t item_id);
// Item id from "item:50"; -1 if `entity_id` is not an item entity.
int64_t ItemIdFromEntity(std::string_view entity_id);

class Catalog {
 public:
  // Fails on duplicate item or entity ids, or facts that name unknown entities.
  static absl::StatusOr<std::unique_ptr<Catalog>> Create(std::vector<ItemRecord> items,
                                                         std::vector<EntityRecord> entities,
                                                         internal::CatalogMeta meta = {});

  int32_t size() const { return static_cast<int32_t>(items_.size()); }
  const ItemRecord& item(int32_t row) const { return items_[row]; }
  // Row of an item id, or -1.
  int32_t RowOf(int64_t item_id) const;

  const std::vector<EntityRecord>& entities() const { return entities_; }
  // nullptr if unknown. Item entities ("item:50") are resolved too.
  const EntityRecord* FindEntity(std::string_view entity_id) const;
  // Rows of the items linked to the entity (any relation), ascending. Empty if none.
  const std::vector<int32_t>& RowsWithEntity(std::string_view entity_id) const;
  bool HasEntity(int32_t row, std::string_view entity_id) const;
  // Display name of an entity ("Tom Hanks", "comedy"), or the id itself.
  std::string EntityName(std::string_view entity_id) const;

  const internal::CatalogMeta& meta() const { return meta_; }

 private:
  Catalog() = default;
  std::vector<ItemRecord> items_;
  std::vector<EntityRecord> entities_;
  absl::flat_hash_map<int64_t, int32_t> row_of_;
  absl::flat_hash_map<std::string, int32_t> entity_index_;
  absl::flat_hash_map<std::string, std::vector<int32_t>> rows_with_entity_;
  std::vector<EntityRecord> item_entities_;
  internal::CatalogMeta meta_;
};

}  // namespace chatrec::catalog
