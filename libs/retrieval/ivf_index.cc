#include "libs/retrieval/ivf_index.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/retrieval/attribute_index.h"

namespace chatrec::retrieval {
namespace {

// Runs fn(i) for i in [0, n) on `threads` threads.
template <typename Fn>
void ParallelFor(int64_t n, int threads, Fn fn) {
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t i; (i = next.fetch_add(256)) < n;) {
      for (int64_t j = i; j < std::min(n, i + 256); ++j) fn(j);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

// Nearest centroid (Euclidean) of each vector: argmax y·c - |c|²/2, with the kernels.
absl::StatusOr<kernels::ItemMatrix> AssignMatrix(const std::vector<float>& centroids, int dim) {
  const size_t n = centroids.size() / dim;
  std::vector<float> half_norm(n);
  for (size_t c = 0; c < n; ++c) {
    double s = 0;
    for (int j = 0; j < dim; ++j) s += centroids[c * dim + j] * centroids[c * dim + j];
    half_norm[c] = static_cast<float>(-0.5 * s);
  }
  return kernels::ItemMatrix::Create(dim, centroids, half_norm);
}

}  // namespace

absl::StatusOr<std::unique_ptr<IvfIndex>> IvfIndex::Build(const kernels::ItemMatrix& items, const IvfOptions& options,
                                                          const std::atomic<bool>* cancel) {
  const int64_t n = items.size();
  const int dim = items.dim();
  if (n == 0) return absl::InvalidArgumentError("IVF over an empty item matrix");
  std::unique_ptr<IvfIndex> ivf(new IvfIndex());
  ivf->options_ = options;
  int nlist = options.nlist > 0 ? options.nlist
                                : static_cast<int>(std::clamp<double>(2 * std::sqrt(static_cast<double>(n)), 16, 4096));
  nlist = static_cast<int>(std::min<int64_t>(nlist, n));
  const int threads = std::max(1, options.threads);

  // k-means on a sample.
  std::mt19937_64 rng(options.seed);
  std::vector<int64_t> sample(n);
  for (int64_t i = 0; i < n; ++i) sample[i] = i;
  std::shuffle(sample.begin(), sample.end(), rng);
  sample.resize(std::min<int64_t>(n, static_cast<int64_t>(nlist) * std::max(1, options.train_per_list)));
  std::vector<float> data(sample.size() * dim);
  for (size_t i = 0; i < sample.size(); ++i) items.CopyRow(sample[i], data.data() + i * dim);
  std::vector<float> centroids(data.begin(), data.begin() + static_cast<size_t>(nlist) * dim);
  std::vector<int32_t> assign(sample.size());
  for (int it = 0; it < options.train_iterations; ++it) {
    if (cancel && cancel->load()) return absl::CancelledError("IVF build cancelled");
    ASSIGN_OR_RETURN(kernels::ItemMatrix cm, AssignMatrix(centroids, dim));
    ParallelFor(static_cast<int64_t>(sample.size()), threads, [&](int64_t i) {
      auto top = kernels::TopK(cm, absl::MakeConstSpan(data.data() + i * dim, dim), 1, 1);
      assign[i] = top.empty() ? 0 : top[0].row;
    });
    std::vector<double> sum(static_cast<size_t>(nlist) * dim, 0.0);
    std::vector<int64_t> count(nlist, 0);
    for (size_t i = 0; i < sample.size(); ++i) {
      ++count[assign[i]];
      for (int j = 0; j < dim; ++j) sum[static_cast<size_t>(assign[i]) * dim + j] += data[i * dim + j];
    }
    std::uniform_int_distribution<size_t> pick(0, sample.size() - 1);
    for (int c = 0; c < nlist; ++c) {
      if (count[c] == 0) {  // an empty list restarts at a random sample
        const size_t s = pick(rng);
        std::copy(data.begin() + s * dim, data.begin() + (s + 1) * dim, centroids.begin() + static_cast<size_t>(c) * dim);
        continue;
      }
      for (int j = 0; j < dim; ++j) centroids[static_cast<size_t>(c) * dim + j] = static_cast<float>(sum[static_cast<size_t>(c) * dim + j] / count[c]);
    }
  }

  // Every item to its nearest centroid; lists stored contiguously.
  ASSIGN_OR_RETURN(kernels::ItemMatrix cm, AssignMatrix(centroids, dim));
  std::vector<int32_t> list_of(n);
  std::atomic<bool> stopped{false};
  ParallelFor(n, threads, [&](int64_t r) {
    if ((r & 4095) == 0 && cancel && cancel->load()) stopped = true;
    if (stopped.load(std::memory_order_relaxed)) return;
    std::vector<float> y(dim);
    items.CopyRow(r, y.data());
    auto top = kernels::TopK(cm, y, 1, 1);
    list_of[r] = top.empty() ? 0 : top[0].row;
  });
  if (stopped) return absl::CancelledError("IVF build cancelled");
  ivf->offsets_.assign(nlist + 1, 0);
  for (int64_t r = 0; r < n; ++r) ++ivf->offsets_[list_of[r] + 1];
  for (int l = 0; l < nlist; ++l) ivf->offsets_[l + 1] += ivf->offsets_[l];
  ivf->row_of_.resize(n);
  std::vector<int32_t> fill(ivf->offsets_.begin(), ivf->offsets_.end() - 1);
  for (int64_t r = 0; r < n; ++r) ivf->row_of_[fill[list_of[r]]++] = static_cast<int32_t>(r);
  std::vector<float> rows(static_cast<size_t>(n) * dim), bias(n);
  for (int64_t i = 0; i < n; ++i) {
    items.CopyRow(ivf->row_of_[i], rows.data() + i * dim);
    bias[i] = items.Bias(ivf->row_of_[i]);
  }
  ASSIGN_OR_RETURN(kernels::ItemMatrix lists, kernels::ItemMatrix::Create(dim, rows, items.has_bias() ? bias : std::vector<float>()));
  ivf->lists_.emplace(std::move(lists));
  ASSIGN_OR_RETURN(kernels::ItemMatrix probe, kernels::ItemMatrix::Create(dim, centroids));
  ivf->probe_.emplace(std::move(probe));
  return ivf;
}

std::vector<kernels::ScoredItem> IvfIndex::Search(absl::Span<const float> w, int k, int nprobe,
                                                  const AllowedSet* allowed) const {
  std::vector<kernels::ScoredItem> out;
  if (k <= 0 || static_cast<int>(w.size()) != lists_->dim()) return out;
  const int want_lists = std::min(nlist(), nprobe > 0 ? nprobe : options_.nprobe);
  // Rank lists; more than nprobe only if a filter leaves fewer than k rows in them.
  std::vector<kernels::ScoredItem> ranked = kernels::TopK(*probe_, w, want_lists, 1);
  std::vector<int32_t> rows;
  rows.reserve(static_cast<size_t>(want_lists) * (lists_->size() / std::max(1, nlist()) + 1));
  auto take_list = [&](int32_t l) {
    for (int32_t i = offsets_[l]; i < offsets_[l + 1]; ++i) {
      if (!allowed || allowed->Contains(row_of_[i])) rows.push_back(i);
    }
  };
  for (const auto& s : ranked) take_list(s.row);
  if (static_cast<int>(rows.size()) < k && want_lists < nlist()) {
    ranked = kernels::TopK(*probe_, w, nlist(), 1);
    for (size_t j = want_lists; j < ranked.size() && static_cast<int>(rows.size()) < k; ++j) take_list(ranked[j].row);
  }
  auto top = kernels::TopKSubset(*lists_, w, rows, k);
  if (!top.ok()) return out;
  out = std::move(*top);
  for (auto& s : out) s.row = row_of_[s.row];
  return out;
}

int64_t IvfIndex::bytes() const {
  return lists_->scan_bytes() + probe_->scan_bytes() + static_cast<int64_t>((row_of_.size() + offsets_.size()) * sizeof(int32_t));
}

}  // namespace chatrec::retrieval
