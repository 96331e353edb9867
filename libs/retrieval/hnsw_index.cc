// The only translation unit that includes hnswlib: its space_ip.h defines global
// function pointers, so a second includer would not link.
#include "libs/retrieval/hnsw_index.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <thread>

#include "absl/strings/str_cat.h"
#include "hnswlib/hnswlib.h"
#include "libs/retrieval/ip_distance.h"

namespace chatrec::retrieval {
namespace {

// hnswlib's inner-product space with a kernel picked at run time (ip_distance.h).
class IpSpace : public hnswlib::SpaceInterface<float> {
 public:
  explicit IpSpace(size_t padded_dim) : dim_(padded_dim), fn_(internal::ActiveIpDistance()) {}
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return fn_; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  size_t dim_;
  hnswlib::DISTFUNC<float> fn_;
};

}  // namespace

struct HnswIndex::Impl {
  explicit Impl(size_t padded_dim) : space(padded_dim) {}
  IpSpace space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
};

HnswIndex::~HnswIndex() = default;

absl::StatusOr<std::unique_ptr<HnswIndex>> HnswIndex::Build(const kernels::ItemMatrix& items,
                                                            const HnswOptions& options,
                                                            const std::atomic<bool>* cancel) {
  if (options.m < 2 || options.m > 256 || options.ef_construction < 1 || options.ef_search < 1) {
    return absl::InvalidArgumentError(absl::StrCat("HNSW options out of range: M ", options.m, ", ef_construction ",
                                                   options.ef_construction, ", ef_search ", options.ef_search));
  }
  if (items.size() == 0) return absl::InvalidArgumentError("HNSW over an empty item matrix");
  std::unique_ptr<HnswIndex> index(new HnswIndex());
  index->options_ = options;
  index->size_ = items.size();
  index->dim_ = items.dim();
  // Stored: [y, b, sqrt(M² - |y|² - b²)], M the largest norm of [y, b]; query: [w, 1, 0].
  // Inner products with a query are unchanged, and every stored vector has norm M, so
  // between items the inner product orders like Euclidean distance: the graph is built on
  // a metric (hnswlib's graph over raw inner products of vectors with unequal norms has poor
  // recall: recall@100 0.65 at ef 200 in hnsw_index_test, against ≥ 0.95 with the padding).
  index->padded_dim_ = (static_cast<size_t>(items.dim()) + 2 + 15) / 16 * 16;
  const size_t pd = index->padded_dim_;
  double max_norm2 = 0;
  {
    std::vector<float> row(items.dim());
    for (int64_t r = 0; r < items.size(); ++r) {
      items.CopyRow(r, row.data());
      double n2 = static_cast<double>(items.Bias(r)) * items.Bias(r);
      for (float x : row) n2 += static_cast<double>(x) * x;
      max_norm2 = std::max(max_norm2, n2);
    }
  }
  try {
    index->impl_ = std::make_unique<Impl>(pd);
    index->impl_->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        &index->impl_->space, static_cast<size_t>(items.size()), options.m, options.ef_construction, options.seed);
    index->impl_->graph->setEf(1);  // Search() asks for max(k, ef) results instead (setEf is not thread-safe)
    auto add = [&](int64_t row, std::vector<float>& buf) {
      std::fill(buf.begin(), buf.end(), 0.0f);
      items.CopyRow(row, buf.data());
      buf[items.dim()] = items.Bias(row);
      double n2 = 0;
      for (int j = 0; j <= items.dim(); ++j) n2 += static_cast<double>(buf[j]) * buf[j];
      buf[items.dim() + 1] = static_cast<float>(std::sqrt(std::max(0.0, max_norm2 - n2)));
      index->impl_->graph->addPoint(buf.data(), static_cast<hnswlib::labeltype>(row));
    };
    std::vector<float> first(pd);
    add(0, first);
    std::atomic<int64_t> next{1};
    std::atomic<bool> failed{false};
    auto work = [&] {
      std::vector<float> buf(pd);
      try {
        for (int64_t row; (row = next.fetch_add(1)) < items.size();) {
          if (cancel && (row & 1023) == 0 && cancel->load()) return;
          add(row, buf);
        }
      } catch (const std::exception&) {
        failed = true;
        next = items.size();
      }
    };
    const int threads = std::max(1, options.threads);
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (failed) return absl::ResourceExhaustedError("HNSW build failed (out of memory?)");
    if (cancel && cancel->load()) return absl::CancelledError("HNSW build cancelled");
  } catch (const std::exception& e) {
    return absl::ResourceExhaustedError(absl::StrCat("HNSW build failed: ", e.what()));
  }
  return index;
}

std::vector<kernels::ScoredItem> HnswIndex::Search(absl::Span<const float> w, int k, int ef) const {
  std::vector<kernels::ScoredItem> out;
  if (k <= 0 || static_cast<int>(w.size()) != dim_) return out;
  std::vector<float> q(padded_dim_, 0.0f);
  std::copy(w.begin(), w.end(), q.begin());
  q[dim_] = 1.0f;
  const size_t want = static_cast<size_t>(std::max(k, ef > 0 ? ef : options_.ef_search));
  auto heap = impl_->graph->searchKnn(q.data(), want);  // worst first
  out.resize(heap.size());
  for (size_t i = heap.size(); i-- > 0;) {
    out[i] = {static_cast<int32_t>(heap.top().second), 1.0f - heap.top().first};
    heap.pop();
  }
  return out;
}

int64_t HnswIndex::bytes() const {
  const auto& g = *impl_->graph;
  int64_t b = static_cast<int64_t>(g.max_elements_ * g.size_data_per_element_);
  b += static_cast<int64_t>(g.max_elements_ * (sizeof(void*) + sizeof(int) + sizeof(std::mutex)));  // link lists, levels, locks
  for (size_t i = 0; i < g.cur_element_count; ++i) {
    if (g.element_levels_[i] > 0) b += static_cast<int64_t>(g.size_links_per_element_ * g.element_levels_[i]);
  }
  b += static_cast<int64_t>(g.label_lookup_.size() * (sizeof(hnswlib::labeltype) + sizeof(hnswlib::tableint) + 16));
  return b;
}

}  // namespace chatrec::retrieval
