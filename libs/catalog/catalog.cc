#include "libs/catalog/catalog.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace chatrec::catalog {
namespace {
// Debian's Abseil has its own string_view; heterogeneous lookup needs it.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

std::string ItemEntityId(int64_t item_id) { return absl::StrCat("item:", item_id); }

int64_t ItemIdFromEntity(std::string_view entity_id) {
  constexpr std::string_view kPrefix = "item:";
  if (entity_id.substr(0, kPrefix.size()) != kPrefix) return -1;
  int64_t id = -1;
  auto rest = entity_id.substr(kPrefix.size());
  auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
  if (ec != std::errc() || ptr != rest.data() + rest.size()) return -1;
  return id;
}

absl::StatusOr<std::unique_ptr<Catalog>> Catalog::Create(std::vector<ItemRecord> items,
                                                         std::vector<EntityRecord> entities,
                                                         internal::CatalogMeta meta) {
  std::unique_ptr<Catalog> c(new Catalog());
  std::sort(items.begin(), items.end(), [](const ItemRecord& a, const ItemRecord& b) { return a.id() < b.id(); });
  c->items_ = std::move(items);
  c->entities_ = std::move(entities);
  c->meta_ = std::move(meta);
  for (int32_t i = 0; i < c->size(); ++i) {
    if (!c->row_of_.emplace(c->items_[i].id(), i).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate item id ", c->items_[i].id()));
    }
  }
  for (int32_t i = 0; i < static_cast<int32_t>(c->entities_.size()); ++i) {
    if (!c->entity_index_.emplace(c->entities_[i].id(), i).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate entity id ", c->entities_[i].id()));
    }
  }
  for (int32_t row = 0; row < c->size(); ++row) {
    for (const auto& fact : c->items_[row].facts()) {
      if (!c->entity_index_.contains(fact.entity_id())) {
        return absl::InvalidArgumentError(
            absl::StrCat("item ", c->items_[row].id(), " links unknown entity ", fact.entity_id()));
      }
      auto& rows = c->rows_with_entity_[fact.entity_id()];
      if (rows.empty() || rows.back() != row) rows.push_back(row);
    }
  }
  return c;
}

int32_t Catalog::RowOf(int64_t item_id) const {
  auto it = row_of_.find(item_id);
  return it == row_of_.end() ? -1 : it->second;
}

const EntityRecord* Catalog::FindEntity(std::string_view entity_id) const {
  auto it = entity_index_.find(Absl(entity_id));
  if (it != entity_index_.end()) return &entities_[it->second];
  return nullptr;
}

const std::vector<int32_t>& Catalog::RowsWithEntity(std::string_view entity_id) const {
  static const std::vector<int32_t> kEmpty;
  auto it = rows_with_entity_.find(Absl(entity_id));
  return it == rows_with_entity_.end() ? kEmpty : it->second;
}

bool Catalog::HasEntity(int32_t row, std::string_view entity_id) const {
  const auto& rows = RowsWithEntity(entity_id);
  return std::binary_search(rows.begin(), rows.end(), row);
}

std::string Catalog::EntityName(std::string_view entity_id) const {
  if (const EntityRecord* e = FindEntity(entity_id)) return e->name();
  int64_t item_id = ItemIdFromEntity(entity_id);
  if (item_id >= 0) {
    int32_t row = RowOf(item_id);
    if (row >= 0) return items_[row].name();
  }
  return std::string(entity_id);
}

}  // namespace chatrec::catalog
