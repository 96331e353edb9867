// Serves the newest model version to a running service and swaps in newer ones
// as `chatrec train` writes them, without a restart and without failing requests:
// readers take a shared_ptr snapshot per request, so an old version lives until
// its last request ends.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"
#include "libs/model/model.h"

namespace chatrec::model {

class ModelWatcher {
 public:
  // Loads the newest version (it must exist and fit `catalog`), then polls every
  // `poll` for a newer one. poll == 0 disables polling.
  // Every version loaded has its terms reweighted by `weights` (model::ReweightTerms; the store's
  // engine.json): a version they do not fit is refused like one that does not fit the catalogue.
  static absl::StatusOr<std::unique_ptr<ModelWatcher>> Create(const std::string& path,
                                                               const catalog::Catalog& catalog,
                                                               std::chrono::milliseconds poll,
                                                               TermWeights weights = {});
  // A watcher over a fixed model (tests, tools).
  static std::unique_ptr<ModelWatcher> Fixed(ModelPtr model);
  ~ModelWatcher();

  ModelPtr Current() const;
  // Called with the serving model now and after every swap (e.g. to export its version).
  void OnSwap(std::function<void(const Model&)> callback);
  // Checks for a newer version now; returns true if one was swapped in.
  absl::StatusOr<bool> Refresh();

 private:
  ModelWatcher(std::string path, const catalog::Catalog* catalog, TermWeights weights)
      : path_(std::move(path)), catalog_(catalog), weights_(weights) {}
  // Loads `version` (newest: ""), checks it fits the catalogue and reweights its terms.
  absl::StatusOr<ModelPtr> Load(const std::string& version) const;
  std::string path_;
  const catalog::Catalog* catalog_;
  TermWeights weights_;
  mutable std::mutex mu_;
  ModelPtr current_;  // guarded by mu_
  std::function<void(const Model&)> on_swap_;  // guarded by mu_
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

// A model fits a catalogue when its rows are the catalogue's rows (same item ids, same order).
absl::Status CheckModelFitsCatalog(const Model& model, const catalog::Catalog& catalog);

}  // namespace chatrec::model
