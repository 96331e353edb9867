#include "libs/retrieval/faiss_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <omp.h>

#include <exception>

#include "absl/strings/str_cat.h"

namespace chatrec::retrieval {

FaissIndex::~FaissIndex() {
  index_.reset();
  quantizer_.reset();
}

absl::StatusOr<std::unique_ptr<FaissIndex>> FaissIndex::Build(const kernels::ItemMatrix& items,
                                                              const FaissOptions& options) {
  std::unique_ptr<FaissIndex> f(new FaissIndex());
  f->options_ = options;
  f->dim_ = items.dim();
  const int d = items.dim() + 1;
  const int64_t n = items.size();
  std::vector<float> data(static_cast<size_t>(n) * d);
  for (int64_t r = 0; r < n; ++r) {
    items.CopyRow(r, data.data() + r * d);
    data[r * d + items.dim()] = items.Bias(r);
  }
  omp_set_num_threads(std::max(1, options.threads));
  try {
    if (options.kind == FaissOptions::Kind::kHnswFlat) {
      auto idx = std::make_unique<faiss::IndexHNSWFlat>(d, options.m, faiss::METRIC_INNER_PRODUCT);
      idx->hnsw.efConstruction = options.ef_construction;
      idx->add(n, data.data());
      f->index_ = std::move(idx);
    } else {
      f->quantizer_ = std::make_unique<faiss::IndexFlatIP>(d);
      auto idx = std::make_unique<faiss::IndexIVFFlat>(f->quantizer_.get(), d, options.nlist, faiss::METRIC_INNER_PRODUCT);
      const int64_t train = std::min<int64_t>(n, std::max<int64_t>(options.train_size, 39LL * options.nlist));
      idx->train(train, data.data());  // rows are in random order, so a prefix is a sample
      idx->add(n, data.data());
      f->index_ = std::move(idx);
    }
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("FAISS build failed: ", e.what()));
  }
  return f;
}

std::vector<kernels::ScoredItem> FaissIndex::Search(absl::Span<const float> w, int k, int effort) {
  std::vector<float> q(w.begin(), w.end());
  q.push_back(1.0f);
  std::vector<float> dist(k);
  std::vector<faiss::Index::idx_t> labels(k);
  if (options_.kind == FaissOptions::Kind::kHnswFlat) {
    static_cast<faiss::IndexHNSWFlat*>(index_.get())->hnsw.efSearch = std::max(effort, k);
  } else {
    static_cast<faiss::IndexIVFFlat*>(index_.get())->nprobe = effort;
  }
  index_->search(1, q.data(), k, dist.data(), labels.data());
  std::vector<kernels::ScoredItem> out;
  for (int i = 0; i < k; ++i) {
    if (labels[i] >= 0) out.push_back({static_cast<int32_t>(labels[i]), dist[i]});
  }
  return out;
}

int64_t FaissIndex::bytes() const {
  const int64_t n = index_->ntotal;
  const int64_t d = dim_ + 1;
  if (options_.kind == FaissOptions::Kind::kHnswFlat) {
    const auto& h = static_cast<const faiss::IndexHNSWFlat*>(index_.get())->hnsw;
    return n * d * 4 + static_cast<int64_t>(h.neighbors.size() * sizeof(h.neighbors[0]) +
                                            h.offsets.size() * sizeof(h.offsets[0]) + h.levels.size() * sizeof(h.levels[0]));
  }
  return n * (d * 4 + 8) + static_cast<int64_t>(options_.nlist) * d * 4;
}

std::string FaissIndex::name() const {
  if (options_.kind == FaissOptions::Kind::kHnswFlat) return absl::StrCat("faiss_hnsw_m", options_.m);
  return absl::StrCat("faiss_ivfflat_nlist", options_.nlist);
}

}  // namespace chatrec::retrieval
