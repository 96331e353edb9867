// Keeps a VectorIndex for the newest model version without ever making a request
// wait for a build: requests read the serving snapshot (a shared_ptr, so an old
// index lives until its last request ends); when the ModelWatcher has a newer
// version, a background thread builds its index (at a lower CPU priority) and
// swaps it in atomically. Until then requests keep the previous version whole —
// model, vectors and graph — so a response never mixes two versions.
//
// Why not ModelWatcher::OnSwap: it holds one callback, which the services use to
// export the model version metric; the builder notices new versions by polling
// the watcher (every poll interval, and on every Current() call).
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"
#include "libs/model/model_watcher.h"
#include "libs/retrieval/vector_index.h"

namespace chatrec::retrieval {

struct IndexManagerOptions {
  VectorIndexOptions index;
  std::chrono::milliseconds poll{1000};  // how often the builder looks at the watcher by itself
  int build_nice = 10;                    // nice(2) increment of the builder thread (0: none)
};

class IndexManager {
 public:
  // Builds the index of the watcher's current model before returning (a service
  // should not serve before it has one), then starts the background builder.
  static absl::StatusOr<std::unique_ptr<IndexManager>> Create(const catalog::Catalog* catalog,
                                                              model::ModelWatcher* models,
                                                              IndexManagerOptions options = {});
  // Cancels a build in progress and joins the builder.
  ~IndexManager();

  // The serving index; never null. Wakes the builder if the watcher has a newer model.
  std::shared_ptr<const VectorIndex> Current();

  // Blocks until the serving index is for `version`, or `timeout` passes; true if it is.
  bool WaitForVersion(const std::string& version, std::chrono::milliseconds timeout);

  int64_t swaps() const { return swaps_.load(); }
  int64_t failed_builds() const { return failed_builds_.load(); }

 private:
  IndexManager(const catalog::Catalog* catalog, model::ModelWatcher* models, IndexManagerOptions options)
      : catalog_(catalog), models_(models), options_(std::move(options)) {}
  void BuilderLoop();

  const catalog::Catalog* catalog_;
  model::ModelWatcher* models_;
  IndexManagerOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;     // the builder waits on it
  std::condition_variable swapped_;  // WaitForVersion waits on it
  std::shared_ptr<const VectorIndex> current_;  // guarded by mu_
  model::ModelPtr wanted_;                      // guarded by mu_: newest model seen
  model::ModelPtr failed_;                      // guarded by mu_: last model whose build failed
  bool stop_ = false;                           // guarded by mu_
  std::atomic<bool> cancel_{false};
  std::atomic<int64_t> swaps_{0};
  std::atomic<int64_t> failed_builds_{0};
  std::thread builder_;
};

}  // namespace chatrec::retrieval
