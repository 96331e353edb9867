#include "libs/model/model.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

#include "libs/catalog/catalog.h"

namespace chatrec::model {

const float* Model::entity(const std::string& id) const {
  auto it = entity_row.find(id);
  if (it != entity_row.end()) return entity_vectors.data() + static_cast<size_t>(it->second) * dim;
  int64_t item_id = catalog::ItemIdFromEntity(id);
  if (item_id >= 0) {
    int32_t row = RowOf(item_id);
    if (row >= 0) return item(row);
  }
  return nullptr;
}

const float* Model::kg_entity(const std::string& id) const {
  auto it = kg_entity_row.find(id);
  return it == kg_entity_row.end() ? nullptr : kg_entity_vectors.data() + static_cast<size_t>(it->second) * kg_dim;
}

int32_t Model::RowOf(int64_t item_id) const {
  if (!dense_row.empty()) {
    return item_id >= 0 && item_id < static_cast<int64_t>(dense_row.size()) ? dense_row[item_id] : -1;
  }
  auto it = item_row.find(item_id);
  return it == item_row.end() ? -1 : it->second;
}

void Model::Index() {
  entity_row.clear();
  item_row.clear();
  kg_entity_row.clear();
  for (int32_t i = 0; i < static_cast<int32_t>(kg_entity_ids.size()); ++i) kg_entity_row[kg_entity_ids[i]] = i;
  for (int32_t i = 0; i < static_cast<int32_t>(entity_ids.size()); ++i) entity_row[entity_ids[i]] = i;
  for (int32_t i = 0; i < static_cast<int32_t>(item_ids.size()); ++i) item_row[item_ids[i]] = i;
  entity_item_row.clear();
  for (int32_t i = 0; i < static_cast<int32_t>(entity_item_ids.size()); ++i) entity_item_row[entity_item_ids[i]] = i;
  dense_row.clear();
  int64_t max_id = -1;
  bool non_negative = true;
  for (int64_t id : item_ids) {
    non_negative = non_negative && id >= 0;
    max_id = std::max(max_id, id);
  }
  if (non_negative && max_id < 2 * size() + 1024) {
    dense_row.assign(static_cast<size_t>(max_id + 1), -1);
    for (int32_t i = 0; i < static_cast<int32_t>(item_ids.size()); ++i) dense_row[item_ids[i]] = i;
  }
}

absl::Status ReweightTerms(const TermWeights& w, Model* m) {
  for (auto [name, v] : {std::pair<const char*, float>{"need", w.need}, {"kg", w.kg}, {"bias", w.bias}}) {
    if (!std::isfinite(v) || v < 0) return absl::InvalidArgumentError(absl::StrCat("the ", name, " factor must be >= 0, got ", v));
  }
  if (!std::isfinite(w.item_item_scale) || !std::isfinite(w.entity_item_scale)) {
    return absl::InvalidArgumentError("the item-item and entity-item scales must be finite");
  }
  if (w.item_item_scale >= 0 && m->item_item.offsets.empty()) {
    return absl::InvalidArgumentError("an item-item scale was given but the model has no item-item term");
  }
  if (w.entity_item_scale >= 0 && m->entity_item.offsets.empty()) {
    return absl::InvalidArgumentError("an entity-item scale was given but the model has no entity-item term");
  }
  for (float& x : m->b) x *= w.need;
  for (float& x : m->c) x *= w.kg;
  for (float& x : m->item_bias) x *= w.bias;
  if (w.item_item_scale >= 0) m->item_item.scale = w.item_item_scale;
  if (w.entity_item_scale >= 0) m->entity_item.scale = w.entity_item_scale;
  return absl::OkStatus();
}

}  // namespace chatrec::model
