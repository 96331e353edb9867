// The hard constraints of a request (must / must-not entities, a year range,
// excluded item ids) turned into the set of catalogue rows a candidate may come
// from. Built for catalogues of millions of items: years sit in one packed array,
// entity constraints start from the shortest posting list, and an unconstrained
// request costs nothing.
//
// Thread-safety: AttributeIndex is immutable after construction; an AllowedSet
// belongs to one request.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "chatrec/v1/common.pb.h"
#include "libs/catalog/catalog.h"

namespace chatrec::retrieval {

class AllowedSet {
 public:
  static AllowedSet All(int32_t catalog_size);
  // From a 0/1 mask over every row.
  static AllowedSet FromMask(std::vector<uint8_t> mask);

  bool all() const { return all_; }
  int64_t count() const { return count_; }
  int32_t catalog_size() const { return n_; }
  bool Contains(int32_t row) const { return all_ || mask_[row]; }
  // The rows in ascending order (built on first use).
  const std::vector<int32_t>& Rows() const;

 private:
  bool all_ = true;
  int32_t n_ = 0;
  int64_t count_ = 0;
  std::vector<uint8_t> mask_;
  mutable std::vector<int32_t> rows_;
  mutable bool rows_ready_ = false;
};

class AttributeIndex {
 public:
  static constexpr int kMaxExcluded = 10000;

  explicit AttributeIndex(const catalog::Catalog* catalog);

  // Rows satisfying every filter. InvalidArgument for unknown entities, an empty
  // year range or too many excluded ids (the message says which field).
  absl::StatusOr<AllowedSet> Allowed(const v1::Filters& filters) const;

 private:
  const catalog::Catalog* catalog_;
  std::vector<int16_t> year_;  // per row; 0 = unknown
};

}  // namespace chatrec::retrieval
