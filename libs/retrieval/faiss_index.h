// FAISS indexes over the same [y, b] vectors as HnswIndex, for the side-by-side
// benchmark only (`chatrec bench retrieval`): HNSW-Flat and IVF-Flat, inner product.
// Debian's libfaiss 1.7.3 is built without SIMD, which is why the service uses
// hnswlib (see the measured table in the retrieval README section).
//
// Thread-safety: Search() mutates search parameters; one caller at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "libs/kernels/kernels.h"

namespace faiss {
struct Index;
}

namespace chatrec::retrieval {

struct FaissOptions {
  enum class Kind { kHnswFlat, kIvfFlat } kind = Kind::kHnswFlat;
  int m = 16;                 // HNSW degree
  int ef_construction = 100;  // HNSW
  int nlist = 1024;           // IVF lists
  int64_t train_size = 100'000;  // IVF: vectors the coarse quantiser is trained on
  int threads = 1;
};

class FaissIndex {
 public:
  static absl::StatusOr<std::unique_ptr<FaissIndex>> Build(const kernels::ItemMatrix& items, const FaissOptions& options);
  ~FaissIndex();
  // Best k rows; `effort` is efSearch (HNSW) or nprobe (IVF).
  std::vector<kernels::ScoredItem> Search(absl::Span<const float> w, int k, int effort);
  int64_t bytes() const;
  std::string name() const;

 private:
  FaissIndex() = default;
  FaissOptions options_;
  int dim_ = 0;
  std::unique_ptr<faiss::Index> quantizer_;
  std::unique_ptr<faiss::Index> index_;
};

}  // namespace chatrec::retrieval
