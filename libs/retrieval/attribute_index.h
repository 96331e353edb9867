// The hard constraints of a request (must / must-not entities, a year range,
// excluded item ids) turned into the set of catalogue rows a candidate may come
// from. Built for catalogues of millions of items: sets are bitsets (1M rows:
// 128 KB), years sit in one packed array, entity constraints start from the
// shortest posting list, each distinct combination of constraints is computed once
// and cached, and an unconstrained request costs nothing.
//
// Thread-safety: AttributeIndex is immutable after construction; an AllowedSet
// belongs to one request.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"

#include "absl/status/statusor.h"
#include "chatrec/v1/common.pb.h"
#include "libs/catalog/catalog.h"

namespace chatrec::retrieval {

class AllowedSet {
 public:
  static AllowedSet All(int32_t catalog_size);
  // From a 0/1 mask over every row.
  static AllowedSet FromMask(const std::vector<uint8_t>& mask);
  // From a bitset over every row (bit r of word r / 64), shared and immutable.
  static AllowedSet FromBits(std::shared_ptr<const std::vector<uint64_t>> bits, int32_t catalog_size);

  bool all() const { return all_; }
  int64_t count() const { return count_; }
  int32_t catalog_size() const { return n_; }
  bool Contains(int32_t row) const { return all_ || (((*bits_)[static_cast<size_t>(row) >> 6] >> (row & 63)) & 1); }
  // The rows in ascending order (built on first use).
  const std::vector<int32_t>& Rows() const;
  // The same set without these rows (ids outside the catalogue are ignored).
  AllowedSet Without(absl::Span<const int32_t> rows) const;

 private:
  // FromBits with the count already known (no popcount pass); all rows set gives All.
  static AllowedSet FromCountedBits(std::shared_ptr<const std::vector<uint64_t>> bits, int32_t catalog_size,
                                    int64_t count);

  bool all_ = true;
  int32_t n_ = 0;
  int64_t count_ = 0;
  std::shared_ptr<const std::vector<uint64_t>> bits_;  // null when all_
  mutable std::vector<int32_t> rows_;
  mutable bool rows_ready_ = false;
};

// Turns Filters into AllowedSets. The set for the entity and year constraints is
// computed once per distinct combination and cached (bitsets of catalog_size / 8 bytes,
// at most kCacheBytes in all); excluded ids are applied per request on a copy.
class AttributeIndex {
 public:
  static constexpr int kMaxExcluded = 10000;
  static constexpr size_t kCacheBytes = 64 << 20;

  explicit AttributeIndex(const catalog::Catalog* catalog);

  // Rows satisfying every filter. InvalidArgument for unknown entities, an empty
  // year range or too many excluded ids (the message says which field).
  absl::StatusOr<AllowedSet> Allowed(const v1::Filters& filters) const;

 private:
  // Rows satisfying the entity and year constraints (no exclusions).
  AllowedSet Constrained(const v1::Filters& filters) const;

  const catalog::Catalog* catalog_;
  std::vector<int16_t> year_;  // per row; 0 = unknown
  mutable std::mutex mu_;
  mutable absl::flat_hash_map<std::string, AllowedSet> cache_;  // guarded by mu_; key: the constraints
};

}  // namespace chatrec::retrieval
