#include "libs/retrieval/index_manager.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "libs/common/status_macros.h"

namespace chatrec::retrieval {

absl::StatusOr<std::unique_ptr<IndexManager>> IndexManager::Create(const catalog::Catalog* catalog,
                                                                   model::ModelWatcher* models,
                                                                   IndexManagerOptions options) {
  std::unique_ptr<IndexManager> m(new IndexManager(catalog, models, std::move(options)));
  model::ModelPtr model = models->Current();
  if (!model) return absl::FailedPreconditionError("no model to index");
  ASSIGN_OR_RETURN(m->current_, VectorIndex::Build(model, *catalog, m->options_.index));
  m->wanted_ = model;
  m->builder_ = std::thread([raw = m.get()] { raw->BuilderLoop(); });
  return m;
}

IndexManager::~IndexManager() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cancel_ = true;
  wake_.notify_all();
  if (builder_.joinable()) builder_.join();
}

std::shared_ptr<const VectorIndex> IndexManager::Current() {
  model::ModelPtr latest = models_->Current();
  std::lock_guard<std::mutex> lock(mu_);
  if (latest && latest != wanted_) {
    wanted_ = latest;
    wake_.notify_one();
  }
  return current_;
}

bool IndexManager::WaitForVersion(const std::string& version, std::chrono::milliseconds timeout) {
  Current();  // make sure the builder knows about the newest model
  std::unique_lock<std::mutex> lock(mu_);
  return swapped_.wait_for(lock, timeout, [&] { return current_->model().version == version; });
}

void IndexManager::BuilderLoop() {
  if (options_.build_nice > 0) {
    // Linux: nice is per thread, and the build's worker threads inherit it.
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), options_.build_nice);
  }
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    auto pending = [&] { return wanted_ && wanted_ != current_->model_ptr() && wanted_ != failed_; };
    if (!pending()) {
      wake_.wait_for(lock, options_.poll, [&] { return stop_ || pending(); });
      if (stop_) break;
      if (!pending()) {
        // Poll the watcher ourselves: a service with no traffic still moves on.
        lock.unlock();
        model::ModelPtr latest = models_->Current();
        lock.lock();
        if (latest && latest != wanted_) wanted_ = latest;
        continue;
      }
    }
    model::ModelPtr target = wanted_;
    lock.unlock();
    auto built = VectorIndex::Build(target, *catalog_, options_.index, &cancel_);
    lock.lock();
    if (!built.ok()) {
      if (!stop_) {
        std::fprintf(stderr, "retrieval: keeping model %s, indexing %s failed: %s\n",
                     current_->model().version.c_str(), target->version.c_str(), built.status().ToString().c_str());
        failed_ = target;
        failed_builds_.fetch_add(1);
      }
      continue;
    }
    std::shared_ptr<const VectorIndex> old = std::move(current_);
    current_ = std::move(*built);
    swaps_.fetch_add(1);
    swapped_.notify_all();
    // The old index is freed here (or by its last request), outside no lock that requests take.
    lock.unlock();
    old.reset();
    lock.lock();
  }
}

}  // namespace chatrec::retrieval
