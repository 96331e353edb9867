#include "libs/retrieval/attribute_index.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace chatrec::retrieval {

namespace {

using Bits = std::vector<uint64_t>;

int64_t PopCount(const Bits& bits) {
  int64_t c = 0;
  for (uint64_t w : bits) c += __builtin_popcountll(w);
  return c;
}

// Clears the bits past the last row (so that counts and scans never see them).
void TrimTail(Bits* bits, int32_t n) {
  if (n % 64 != 0 && !bits->empty()) bits->back() &= (uint64_t{1} << (n % 64)) - 1;
}

}  // namespace

AllowedSet AllowedSet::All(int32_t catalog_size) {
  AllowedSet s;
  s.n_ = catalog_size;
  s.count_ = catalog_size;
  return s;
}

AllowedSet AllowedSet::FromBits(std::shared_ptr<const std::vector<uint64_t>> bits, int32_t catalog_size) {
  const int64_t count = PopCount(*bits);
  return FromCountedBits(std::move(bits), catalog_size, count);
}

AllowedSet AllowedSet::FromCountedBits(std::shared_ptr<const std::vector<uint64_t>> bits, int32_t catalog_size,
                                       int64_t count) {
  if (count == catalog_size) return All(catalog_size);
  AllowedSet s;
  s.all_ = false;
  s.n_ = catalog_size;
  s.count_ = count;
  s.bits_ = std::move(bits);
  return s;
}

AllowedSet AllowedSet::FromMask(const std::vector<uint8_t>& mask) {
  const int32_t n = static_cast<int32_t>(mask.size());
  auto bits = std::make_shared<Bits>((mask.size() + 63) / 64, 0);
  for (int32_t r = 0; r < n; ++r) {
    if (mask[r]) (*bits)[static_cast<size_t>(r) >> 6] |= uint64_t{1} << (r & 63);
  }
  return FromBits(std::move(bits), n);
}

const std::vector<int32_t>& AllowedSet::Rows() const {
  if (!rows_ready_) {
    rows_.reserve(count_);
    if (all_) {
      for (int32_t r = 0; r < n_; ++r) rows_.push_back(r);
    } else {
      const Bits& bits = *bits_;
      for (size_t w = 0; w < bits.size(); ++w) {
        for (uint64_t word = bits[w]; word; word &= word - 1) {
          rows_.push_back(static_cast<int32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(word))));
        }
      }
    }
    rows_ready_ = true;
  }
  return rows_;
}

AllowedSet AllowedSet::Without(absl::Span<const int32_t> rows) const {
  bool any = false;
  for (int32_t r : rows) any |= r >= 0 && r < n_ && Contains(r);
  if (!any) return *this;
  auto bits = all_ ? std::make_shared<Bits>((static_cast<size_t>(n_) + 63) / 64, ~uint64_t{0})
                   : std::make_shared<Bits>(*bits_);
  if (all_) TrimTail(bits.get(), n_);
  // Counted while clearing: a popcount of the copy would read the whole bitset again.
  int64_t removed = 0;
  for (int32_t r : rows) {
    if (r < 0 || r >= n_) continue;
    uint64_t& word = (*bits)[static_cast<size_t>(r) >> 6];
    const uint64_t bit = uint64_t{1} << (r & 63);
    removed += (word & bit) != 0;
    word &= ~bit;
  }
  return FromCountedBits(std::move(bits), n_, count_ - removed);
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
  AllowedSet base = AllowedSet::All(n);
  if (!f.must_entities().empty() || !f.must_not_entities().empty() || min_year || max_year) {
    // The key lists the constraints in a canonical order, so equal filters share one entry.
    std::vector<std::string> must(f.must_entities().begin(), f.must_entities().end());
    std::vector<std::string> must_not(f.must_not_entities().begin(), f.must_not_entities().end());
    std::sort(must.begin(), must.end());
    std::sort(must_not.begin(), must_not.end());
    const std::string key = absl::StrCat(absl::StrJoin(must, ","), "|", absl::StrJoin(must_not, ","), "|", min_year,
                                         "-", max_year);
    bool cached = false;
    {
      std::lock_guard lock(mu_);
      if (auto it = cache_.find(key); it != cache_.end()) base = it->second, cached = true;
    }
    if (!cached) {
      base = Constrained(f);
      const size_t entry_bytes = (static_cast<size_t>(n) + 63) / 64 * 8 + key.size() + 64;
      std::lock_guard lock(mu_);
      if ((cache_.size() + 1) * entry_bytes > kCacheBytes) cache_.clear();
      cache_.emplace(key, base);
    }
  }
  if (f.exclude_item_ids().empty()) return base;
  std::vector<int32_t> excluded;
  excluded.reserve(f.exclude_item_ids_size());
  for (int64_t id : f.exclude_item_ids()) excluded.push_back(catalog_->RowOf(id));
  return base.Without(excluded);
}

AllowedSet AttributeIndex::Constrained(const v1::Filters& f) const {
  const int32_t n = catalog_->size();
  const int min_year = f.years().min_year(), max_year = f.years().max_year();
  const int16_t lo = min_year ? static_cast<int16_t>(std::min(min_year, 32767)) : INT16_MIN;
  const int16_t hi = max_year ? static_cast<int16_t>(std::min(max_year, 32767)) : INT16_MAX;
  const int16_t* __restrict year = year_.data();
  auto bits = std::make_shared<Bits>((static_cast<size_t>(n) + 63) / 64, 0);
  uint64_t* __restrict b = bits->data();
  if (!f.must_entities().empty()) {
    // Start from the shortest posting list; check the other musts per row.
    const std::vector<int32_t>* shortest = nullptr;
    int shortest_at = 0;
    for (int i = 0; i < f.must_entities_size(); ++i) {
      const auto& rows = catalog_->RowsWithEntity(f.must_entities(i));
      if (!shortest || rows.size() < shortest->size()) shortest = &rows, shortest_at = i;
    }
    for (int32_t r : *shortest) {
      if (year[r] < lo || year[r] > hi) continue;
      bool ok = true;
      for (int i = 0; i < f.must_entities_size() && ok; ++i) {
        if (i != shortest_at) ok = catalog_->HasEntity(r, f.must_entities(i));
      }
      if (ok) b[static_cast<size_t>(r) >> 6] |= uint64_t{1} << (r & 63);
    }
  } else {
    // 64 rows per word; the inner loop has no stores but the word's.
    const size_t words = bits->size();
    for (size_t w = 0; w < words; ++w) {
      const int32_t begin = static_cast<int32_t>(w * 64), end = std::min<int32_t>(n, begin + 64);
      uint64_t word = 0;
      for (int32_t r = begin; r < end; ++r) {
        word |= static_cast<uint64_t>((year[r] >= lo) & (year[r] <= hi)) << (r - begin);
      }
      b[w] = word;
    }
  }
  for (const auto& id : f.must_not_entities()) {
    for (int32_t r : catalog_->RowsWithEntity(id)) b[static_cast<size_t>(r) >> 6] &= ~(uint64_t{1} << (r & 63));
  }
  return AllowedSet::FromBits(std::move(bits), n);
}

}  // namespace chatrec::retrieval
