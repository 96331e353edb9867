#include "libs/model/item_item.h"

#include <algorithm>
#include <cmath>

namespace chatrec::model {

void ItemItem::Accumulate(int32_t seed, float weight, absl::flat_hash_map<int32_t, float>* term) const {
  if (empty() || seed < 0 || seed + 1 >= static_cast<int32_t>(offsets.size())) return;
  for (int32_t k = offsets[seed]; k < offsets[seed + 1]; ++k) (*term)[neighbours[k]] += scale * weight * weights[k];
}

std::vector<std::pair<int32_t, float>> ItemItem::Neighbours(absl::Span<const std::pair<int32_t, float>> seeds,
                                                             size_t k) const {
  absl::flat_hash_map<int32_t, float> term;
  for (const auto& [row, weight] : seeds) Accumulate(row, weight, &term);
  std::vector<std::pair<int32_t, float>> out(term.begin(), term.end());
  auto better = [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); };
  const size_t keep = std::min(k, out.size());
  std::partial_sort(out.begin(), out.begin() + keep, out.end(), better);
  out.resize(keep);
  return out;
}

ItemItem LearnItemItem(const std::vector<std::vector<int32_t>>& histories, int32_t num_items,
                       const ItemItemOptions& o) {
  ItemItem out;
  out.scale = o.scale;
  if (num_items <= 0) return out;
  std::vector<int32_t> count(num_items, 0);
  std::vector<absl::flat_hash_map<int32_t, int32_t>> co(num_items);
  for (const auto& h : histories) {
    std::vector<int32_t> rows;
    for (int32_t r : h) {
      if (r >= 0 && r < num_items) rows.push_back(r);
    }
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    for (size_t a = 0; a < rows.size(); ++a) {
      ++count[rows[a]];
      for (size_t b = 0; b < rows.size(); ++b) {
        if (a != b) ++co[rows[a]][rows[b]];
      }
    }
  }
  out.offsets.assign(num_items + 1, 0);
  std::vector<std::pair<float, int32_t>> row;
  for (int32_t i = 0; i < num_items; ++i) {
    row.clear();
    for (const auto& [j, c] : co[i]) {
      if (c < o.min_count) continue;
      const double norm = o.norm == ItemItemNorm::kCosine ? std::sqrt(double(count[i]) * count[j]) : double(count[i]);
      row.push_back({static_cast<float>(c / norm), j});
    }
    std::sort(row.begin(), row.end(), [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    if (row.size() > static_cast<size_t>(std::max(o.neighbours, 0))) row.resize(std::max(o.neighbours, 0));
    for (const auto& [w, j] : row) {
      out.neighbours.push_back(j);
      out.weights.push_back(w);
    }
    out.offsets[i + 1] = static_cast<int32_t>(out.neighbours.size());
  }
  return out;
}

}  // namespace chatrec::model
