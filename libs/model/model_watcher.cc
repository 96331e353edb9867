#include "libs/model/model_watcher.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/model/model_store.h"

namespace chatrec::model {

absl::Status CheckModelFitsCatalog(const Model& model, const catalog::Catalog& catalog) {
  if (model.size() != catalog.size()) {
    return absl::FailedPreconditionError(absl::StrCat("model ", model.version, " has ", model.size(),
                                                      " items but the catalogue has ", catalog.size(),
                                                      "; retrain with `chatrec train` after `chatrec import`"));
  }
  for (int32_t r = 0; r < catalog.size(); ++r) {
    if (model.item_ids[r] != catalog.item(r).id()) {
      return absl::FailedPreconditionError(absl::StrCat("model ", model.version, " does not match the catalogue at row ",
                                                        r, "; retrain with `chatrec train`"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ModelWatcher>> ModelWatcher::Create(const std::string& path,
                                                                   const catalog::Catalog& catalog,
                                                                   std::chrono::milliseconds poll,
                                                                   TermWeights weights) {
  std::unique_ptr<ModelWatcher> w(new ModelWatcher(path, &catalog, weights));
  ASSIGN_OR_RETURN(w->current_, w->Load(""));
  if (poll.count() > 0) {
    w->poller_ = std::thread([raw = w.get(), poll] {
      auto next = std::chrono::steady_clock::now() + poll;
      while (!raw->stop_.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (std::chrono::steady_clock::now() < next) continue;
        next = std::chrono::steady_clock::now() + poll;
        auto refreshed = raw->Refresh();
        if (!refreshed.ok()) {
          std::fprintf(stderr, "model watcher: keeping the current version: %s\n",
                       refreshed.status().ToString().c_str());
        }
      }
    });
  }
  return w;
}

absl::StatusOr<ModelPtr> ModelWatcher::Load(const std::string& version) const {
  ASSIGN_OR_RETURN(ModelPtr m, LoadModel(path_, version));
  RETURN_IF_ERROR(CheckModelFitsCatalog(*m, *catalog_));
  if (weights_.AsTrained()) return m;
  Model reweighted = *m;
  if (auto s = ReweightTerms(weights_, &reweighted); !s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("model ", m->version, ": ", s.message()));
  }
  return std::make_shared<const Model>(std::move(reweighted));
}

std::unique_ptr<ModelWatcher> ModelWatcher::Fixed(ModelPtr model) {
  std::unique_ptr<ModelWatcher> w(new ModelWatcher("", nullptr, {}));
  w->current_ = std::move(model);
  return w;
}

ModelWatcher::~ModelWatcher() {
  stop_ = true;
  if (poller_.joinable()) poller_.join();
}

void ModelWatcher::OnSwap(std::function<void(const Model&)> callback) {
  std::lock_guard<std::mutex> lock(mu_);
  on_swap_ = std::move(callback);
  if (on_swap_ && current_) on_swap_(*current_);
}

ModelPtr ModelWatcher::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

absl::StatusOr<bool> ModelWatcher::Refresh() {
  if (path_.empty()) return false;
  ASSIGN_OR_RETURN(std::string latest, LatestModelVersion(path_));
  if (latest.empty() || latest == Current()->version) return false;
  // Loading happens outside the lock; requests keep using the old version meanwhile.
  ASSIGN_OR_RETURN(ModelPtr m, Load(latest));
  std::fprintf(stderr, "model watcher: serving model %s\n", latest.c_str());
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(m);
  if (on_swap_) on_swap_(*current_);
  return true;
}

}  // namespace chatrec::model
