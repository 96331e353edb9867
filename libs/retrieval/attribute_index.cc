#include "libs/retrieval/attribute_index.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace chatrec::retrieval {

AllowedSet AllowedSet::All(int32_t catalog_size) {
  AllowedSet s;
  s.n_ = catalog_size;
  s.count_ = catalog_size;
  return s;
}

AllowedSet AllowedSet::FromMask(std::vector<uint8_t> mask) {
  AllowedSet s;
  s.all_ = false;
  s.n_ = static_cast<int32_t>(mask.size());
  int64_t c = 0;
  const uint8_t* __restrict m = mask.data();
  const size_t n = mask.size();
  for (size_t i = 0; i < n; i += 4096) {  // byte sums in 32-bit blocks vectorise well
    uint32_t block = 0;
    for (size_t j = i; j < std::min(n, i + 4096); ++j) block += m[j];
    c += block;
  }
  s.count_ = c;
  s.mask_ = std::move(mask);
  if (s.count_ == s.n_) return All(s.n_);
  return s;
}

const std::vector<int32_t>& AllowedSet::Rows() const {
  if (!rows_ready_) {
    rows_.reserve(count_);
    for (int32_t r = 0; r < n_; ++r) {
      if (Contains(r)) rows_.push_back(r);
    }
    rows_ready_ = true;
  }
  return rows_;
}

AttributeIndex::AttributeIndex(const catalog::Catalog* catalog) : catalog_(catalog), year_(catalog->size()) {
  for (int32_t r = 0; r < catalog->size(); ++r) {
    year_[r] = static_cast<int16_t>(std::clamp(catalog->item(r).year(), 0, 32767));
  }
}

absl::StatusOr<AllowedSet> AttributeIndex::Allowed(const v1::Filters& f) const {
  for (const auto& id : f.must_entities()) {
    if (!catalog_->FindEntity(id)) return absl::InvalidArgumentError(absl::StrCat("filters.must_entities: unknown entity ", id));
  }
  for (const auto& id : f.must_not_entities()) {
    if (!catalog_->FindEntity(id)) return absl::InvalidArgumentError(absl::StrCat("filters.must_not_entities: unknown entity ", id));
  }
  const int min_year = f.years().min_year(), max_year = f.years().max_year();
  if (min_year < 0 || max_year < 0 || (min_year && max_year && min_year > max_year)) {
    return absl::InvalidArgumentError(absl::StrCat("filters.years: empty range ", min_year, "..", max_year));
  }
  if (f.exclude_item_ids_size() > kMaxExcluded) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxExcluded, " filters.exclude_item_ids"));
  }
  const int32_t n = catalog_->size();
  const bool years = min_year || max_year;
  if (f.must_entities().empty() && f.must_not_entities().empty() && f.exclude_item_ids().empty() && !years) {
    return AllowedSet::All(n);
  }
  // Plain locals and raw pointers: the byte stores below would otherwise alias every
  // captured value and keep the year scan (a million rows) from vectorising.
  const int16_t lo = min_year ? static_cast<int16_t>(std::min(min_year, 32767)) : INT16_MIN;
  const int16_t hi = max_year ? static_cast<int16_t>(std::min(max_year, 32767)) : INT16_MAX;
  const int16_t* __restrict year = year_.data();
  std::vector<uint8_t> mask;
  if (!f.must_entities().empty()) {
    // Start from the shortest posting list; check the other musts per row.
    const std::vector<int32_t>* shortest = nullptr;
    int shortest_at = 0;
    for (int i = 0; i < f.must_entities_size(); ++i) {
      const auto& rows = catalog_->RowsWithEntity(f.must_entities(i));
      if (!shortest || rows.size() < shortest->size()) shortest = &rows, shortest_at = i;
    }
    mask.assign(n, 0);
    for (int32_t r : *shortest) {
      if (year[r] < lo || year[r] > hi) continue;
      bool ok = true;
      for (int i = 0; i < f.must_entities_size() && ok; ++i) {
        if (i != shortest_at) ok = catalog_->HasEntity(r, f.must_entities(i));
      }
      mask[r] = ok;
    }
  } else if (years) {
    mask.resize(n);
    uint8_t* __restrict m = mask.data();
    for (int32_t r = 0; r < n; ++r) m[r] = static_cast<uint8_t>((year[r] >= lo) & (year[r] <= hi));
  } else {
    mask.assign(n, 1);
  }
  for (const auto& id : f.must_not_entities()) {
    for (int32_t r : catalog_->RowsWithEntity(id)) mask[r] = 0;
  }
  for (int64_t id : f.exclude_item_ids()) {
    const int32_t r = catalog_->RowOf(id);
    if (r >= 0) mask[r] = 0;
  }
  return AllowedSet::FromMask(std::move(mask));
}

}  // namespace chatrec::retrieval
