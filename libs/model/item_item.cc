#include "libs/model/item_item.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"

namespace chatrec::model {

void ItemItem::Accumulate(int32_t seed, float weight, absl::flat_hash_map<int32_t, float>* term) const {
  if (empty() || seed < 0 || seed + 1 >= static_cast<int32_t>(offsets.size())) return;
  for (int32_t k = offsets[seed]; k < offsets[seed + 1]; ++k) (*term)[neighbours[k]] += scale * weight * weights[k];
}

std::vector<std::pair<int32_t, float>> ItemItem::Neighbours(absl::Span<const std::pair<int32_t, float>> seeds,
                                                             size_t k) const {
  absl::flat_hash_map<int32_t, float> term;
  for (const auto& [row, weight] : seeds) Accumulate(row, weight, &term);
  return TopOfTerm(term, k);
}

std::vector<std::pair<int32_t, float>> TopOfTerm(const absl::flat_hash_map<int32_t, float>& term, size_t k) {
  std::vector<std::pair<int32_t, float>> out(term.begin(), term.end());
  auto better = [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); };
  const size_t keep = std::min(k, out.size());
  std::partial_sort(out.begin(), out.begin() + keep, out.end(), better);
  out.resize(keep);
  return out;
}

namespace {

// Sparse rows (map per row) -> the strongest `neighbours` of each row, ties by row.
ItemItem FromRows(const std::vector<absl::flat_hash_map<int32_t, float>>& rows, int neighbours, float scale) {
  ItemItem out;
  out.scale = scale;
  out.offsets.assign(rows.size() + 1, 0);
  std::vector<std::pair<float, int32_t>> row;
  const size_t keep = static_cast<size_t>(std::max(neighbours, 0));
  for (size_t i = 0; i < rows.size(); ++i) {
    row.clear();
    for (const auto& [j, w] : rows[i]) {
      if (w > 0) row.push_back({w, j});
    }
    std::sort(row.begin(), row.end(), [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    if (row.size() > keep) row.resize(keep);
    for (const auto& [w, j] : row) {
      out.neighbours.push_back(j);
      out.weights.push_back(w);
    }
    out.offsets[i + 1] = static_cast<int32_t>(out.neighbours.size());
  }
  return out;
}

std::vector<int32_t> DistinctRows(const std::vector<int32_t>& in, int32_t num_items) {
  std::vector<int32_t> rows;
  for (int32_t r : in) {
    if (r >= 0 && r < num_items) rows.push_back(r);
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

int32_t NumRows(const ItemItem& w) { return w.offsets.empty() ? 0 : static_cast<int32_t>(w.offsets.size()) - 1; }

}  // namespace

ItemItem LearnItemItem(const std::vector<std::vector<int32_t>>& histories, int32_t num_items,
                       const ItemItemOptions& o) {
  if (num_items <= 0) return ItemItem{.scale = o.scale};
  std::vector<int32_t> count(num_items, 0);
  std::vector<absl::flat_hash_map<int32_t, int32_t>> co(num_items);
  for (const auto& h : histories) {
    const std::vector<int32_t> rows = DistinctRows(h, num_items);
    for (size_t a = 0; a < rows.size(); ++a) {
      ++count[rows[a]];
      for (size_t b = 0; b < rows.size(); ++b) {
        if (a != b) ++co[rows[a]][rows[b]];
      }
    }
  }
  std::vector<absl::flat_hash_map<int32_t, float>> rows(num_items);
  for (int32_t i = 0; i < num_items; ++i) {
    for (const auto& [j, c] : co[i]) {
      if (c < o.min_count) continue;
      const double norm = o.norm == ItemItemNorm::kCosine ? std::sqrt(double(count[i]) * count[j]) : double(count[i]);
      rows[i][j] = static_cast<float>(c / norm);
    }
  }
  return FromRows(rows, o.neighbours, o.scale);
}

namespace {

// The share W[j][i] = d_ji / n_j over dialogues of recommendation turns: d_ji counts the
// dialogues in which the recommender names item i at a turn whose context has key j, n_j
// the dialogues in which j is in some turn's context. A target in `repeats(d, t)` (sorted
// rows) is not counted, nor a pair of a key with itself when keys are items.
template <typename Repeats>
ItemItem LearnShare(const std::vector<std::vector<DirectedTurn>>& turns, int32_t num_keys, int32_t num_items,
                    const ItemItemOptions& o, bool keys_are_items, const Repeats& repeats) {
  if (num_keys <= 0 || num_items <= 0) return ItemItem{.scale = o.scale};
  std::vector<int32_t> count(num_keys, 0);
  std::vector<absl::flat_hash_map<int32_t, int32_t>> co(num_keys);
  std::vector<int32_t> named(num_items, 0);  // dialogues in which the recommender names i (counted targets)
  absl::flat_hash_set<int32_t> keys, targets_named;
  absl::flat_hash_set<std::pair<int32_t, int32_t>> pairs;
  for (size_t d = 0; d < turns.size(); ++d) {
    keys.clear();
    pairs.clear();
    targets_named.clear();
    for (size_t t = 0; t < turns[d].size(); ++t) {
      const std::vector<int32_t> context = DistinctRows(turns[d][t].context, num_keys);
      const std::vector<int32_t> targets = DistinctRows(turns[d][t].targets, num_items);
      const std::vector<int32_t> repeated = repeats(d, t, context);
      keys.insert(context.begin(), context.end());
      for (int32_t i : targets) {
        if (std::binary_search(repeated.begin(), repeated.end(), i)) continue;
        targets_named.insert(i);
        for (int32_t j : context) {
          if (!keys_are_items || j != i) pairs.insert({j, i});
        }
      }
    }
    for (int32_t j : keys) ++count[j];
    for (const auto& [j, i] : pairs) ++co[j][i];
    for (int32_t i : targets_named) ++named[i];
  }
  const double dialogues = std::max<double>(1, static_cast<double>(turns.size()));
  std::vector<absl::flat_hash_map<int32_t, float>> rows(num_keys);
  for (int32_t j = 0; j < num_keys; ++j) {
    for (const auto& [i, c] : co[j]) {
      if (c < o.min_count) continue;
      const double share = double(c) / count[j] - (o.lift ? named[i] / dialogues : 0.0);
      if (share > 0) rows[j][i] = static_cast<float>(share);
    }
  }
  return FromRows(rows, o.neighbours, o.scale);
}

}  // namespace

ItemItem LearnDirectedItemItem(const std::vector<std::vector<DirectedTurn>>& dialogues, int32_t num_items,
                               const ItemItemOptions& o, bool repeated_targets) {
  // A target already in its turn's context is a repeat unless `repeated_targets`.
  return LearnShare(dialogues, num_items, num_items, o, /*keys_are_items=*/true,
                    [&](size_t, size_t, const std::vector<int32_t>& context) {
                      return repeated_targets ? std::vector<int32_t>{} : context;
                    });
}

ItemItem LearnKeyItem(const std::vector<std::vector<DirectedTurn>>& turns,
                      const std::vector<std::vector<std::vector<int32_t>>>& items_before, int32_t num_keys,
                      int32_t num_items, const ItemItemOptions& o) {
  return LearnShare(turns, num_keys, num_items, o, /*keys_are_items=*/false,
                    [&](size_t d, size_t t, const std::vector<int32_t>&) {
                      return d < items_before.size() && t < items_before[d].size()
                                 ? DistinctRows(items_before[d][t], num_items)
                                 : std::vector<int32_t>{};
                    });
}

ItemItem LearnTextKeyItem(const std::vector<std::vector<int32_t>>& item_keys, int32_t num_keys, double max_df_share,
                          int neighbours, float scale) {
  if (num_keys <= 0) return ItemItem{.scale = scale};
  const auto num_items = static_cast<int32_t>(item_keys.size());
  std::vector<std::vector<int32_t>> keys(num_items);
  std::vector<int32_t> df(num_keys, 0);
  for (int32_t i = 0; i < num_items; ++i) {
    keys[i] = DistinctRows(item_keys[i], num_keys);
    for (int32_t k : keys[i]) ++df[k];
  }
  const double max_df = max_df_share * std::max(1, num_items);
  std::vector<double> idf(num_keys, 0);
  for (int32_t k = 0; k < num_keys; ++k) {
    if (df[k] >= 2 && df[k] <= max_df) idf[k] = std::log(static_cast<double>(num_items) / df[k]);
  }
  std::vector<absl::flat_hash_map<int32_t, float>> rows(num_keys);
  for (int32_t i = 0; i < num_items; ++i) {
    double norm = 0;
    for (int32_t k : keys[i]) norm += idf[k] * idf[k];
    if (norm <= 0) continue;
    norm = std::sqrt(norm);
    for (int32_t k : keys[i]) {
      if (idf[k] > 0) rows[k][i] = static_cast<float>(idf[k] / norm);
    }
  }
  return FromRows(rows, neighbours, scale);
}

ItemItem BlendItemItem(const ItemItem& a, float a_weight, const ItemItem& b, float b_weight, int neighbours,
                       float scale) {
  const int32_t n = std::max(NumRows(a), NumRows(b));
  if (n == 0) return ItemItem{.scale = scale};
  std::vector<absl::flat_hash_map<int32_t, float>> rows(n);
  for (const auto& [w, f] : {std::pair<const ItemItem*, float>{&a, a_weight}, {&b, b_weight}}) {
    for (int32_t i = 0; i < NumRows(*w) && f != 0; ++i) {
      for (int32_t k = w->offsets[i]; k < w->offsets[i + 1]; ++k) rows[i][w->neighbours[k]] += f * w->weights[k];
    }
  }
  return FromRows(rows, neighbours, scale);
}

ItemItem WithTwoHops(const ItemItem& w, float discount, int neighbours) {
  const int32_t n = NumRows(w);
  if (n == 0) return w;
  std::vector<absl::flat_hash_map<int32_t, float>> rows(n);
  for (int32_t i = 0; i < n; ++i) {
    auto& row = rows[i];
    for (int32_t k = w.offsets[i]; k < w.offsets[i + 1]; ++k) row[w.neighbours[k]] += w.weights[k];
    if (discount == 0) continue;
    for (int32_t k = w.offsets[i]; k < w.offsets[i + 1]; ++k) {
      const int32_t mid = w.neighbours[k];
      for (int32_t l = w.offsets[mid]; l < w.offsets[mid + 1]; ++l) {
        if (w.neighbours[l] != i) row[w.neighbours[l]] += discount * w.weights[k] * w.weights[l];
      }
    }
  }
  return FromRows(rows, neighbours, w.scale);
}

}  // namespace chatrec::model
