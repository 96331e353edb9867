// The learned re-ranker a --reranker flag asks for, and the newer files that `chatrec train
// reranker` writes while a service runs, swapped in without a restart (as ModelWatcher does for
// model versions). The one place that turns the flag into a Reranker, for the dialogue service,
// `chatrec eval redial` and `chatrec simulate`:
//   --reranker none    no re-ranker, and no file is ever looked at;
//   --reranker ""      <store_dir>/reranker.json (Reranker::PathFor): none while the store has no
//                      file, the file once it appears, none again once it is removed;
//   --reranker FILE    that file; it must load at start, and a newer one replaces it, but a
//                      removed file keeps the one loaded (the operator named it: serving none
//                      instead would change the ranking silently).
// A changed file is one whose bytes differ from what the last check read (the file is read and
// hashed each check, ~50 kB, so an in-place rewrite within the file system's mtime granularity is
// not missed). A file that fails to load is reported once and the current re-ranker is kept:
// a reader never sees a half-loaded one.
//
// Thread-safe: Current() hands out a snapshot that stays valid while a turn uses it; Refresh()
// may run concurrently with any number of Current() calls.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "libs/dialogue/reranker.h"

namespace chatrec::dialogue {

class RerankerWatcher {
 public:
  // Loads what `flag` names for the store at `store_root` (see above). A file that cannot be loaded
  // at start is an error naming it, ending with "(or --reranker none)"; an absent store file is not.
  // poll > 0 starts a thread that calls Refresh() every `poll` and logs what changed (0: never).
  static absl::StatusOr<std::unique_ptr<RerankerWatcher>> Create(const std::string& flag,
                                                                  const std::string& store_root,
                                                                  std::chrono::milliseconds poll);
  // A fixed re-ranker (null: none) that is never reloaded (tests, tools).
  static std::unique_ptr<RerankerWatcher> Fixed(std::shared_ptr<const Reranker> reranker);
  ~RerankerWatcher();
  RerankerWatcher(const RerankerWatcher&) = delete;
  RerankerWatcher& operator=(const RerankerWatcher&) = delete;

  // The re-ranker to apply now; null: none.
  std::shared_ptr<const Reranker> Current() const;
  // The file served now ("" when none is).
  std::string CurrentPath() const;
  // The file this watcher looks at ("" for none or a fixed re-ranker).
  const std::string& watched_path() const { return watched_; }

  // Looks at the file now. True when another re-ranker (or none) is served from now on; false when
  // nothing changed, including a file that was already refused; an error (the current re-ranker
  // kept) when a changed file cannot be loaded, or when a file named by --reranker FILE is gone.
  absl::StatusOr<bool> Refresh();

  // Calls fn(file, content_hash) now and after every change of what is served, on the thread that
  // changed it: the file served and a hash of its bytes (16 hex digits), or "" and "" for none.
  // For metrics (chatrec_reranker_info in the dialogue service). One fn; a later call replaces it.
  using ServeFn = std::function<void(const std::string& file, const std::string& content_hash)>;
  void OnServe(ServeFn fn);

 private:
  // What a check found at the watched path: the hash of its bytes, or nullopt when it is absent.
  using Seen = std::optional<uint64_t>;

  RerankerWatcher(std::string watched, bool from_store) : watched_(std::move(watched)), from_store_(from_store) {}
  // Serves `reranker` (null: none) whose bytes hash to `hash`, and tells OnServe's fn.
  void Serve(std::shared_ptr<const Reranker> reranker, std::optional<uint64_t> hash);
  // The file served and its content hash as OnServe tells them ("" and "" for none); holding mu_.
  std::pair<std::string, std::string> ServedLocked() const;

  const std::string watched_;
  const bool from_store_;  // the path is the store's default file, not one the flag named

  mutable std::mutex mu_;
  std::shared_ptr<const Reranker> current_;  // guarded by mu_
  std::optional<uint64_t> current_hash_;      // guarded by mu_

  std::mutex refresh_mu_;   // one Refresh at a time; held while a file loads, never by Current()
  Seen seen_;               // guarded by refresh_mu_: what the last check read
  Seen served_;             // guarded by refresh_mu_: the bytes of the re-ranker served (nullopt: none)
  ServeFn on_serve_;        // guarded by refresh_mu_ (Serve runs under it once the watcher is shared)

  std::mutex stop_mu_;
  bool stopping_ = false;  // guarded by stop_mu_
  std::condition_variable stop_cv_;
  std::thread poller_;
};

}  // namespace chatrec::dialogue
