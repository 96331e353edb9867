#include "libs/dialogue/reranker_watcher.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace chatrec::dialogue {
namespace {

// The bytes of `path`, or nullopt when there is no such file.
absl::StatusOr<std::optional<std::string>> ReadIfPresent(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return absl::UnavailableError(absl::StrCat("cannot look at re-ranker file ", path, ": ", ec.message()));
    return std::optional<std::string>();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open re-ranker file ", path));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat("cannot read re-ranker file ", path));
  return std::optional<std::string>(text.str());
}

uint64_t HashOf(const std::string& bytes) { return std::hash<std::string_view>()(bytes); }

absl::Status WithFlagHint(const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(s.message(), " (or --reranker none)"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RerankerWatcher>> RerankerWatcher::Create(const std::string& flag,
                                                                          const std::string& store_root,
                                                                          std::chrono::milliseconds poll) {
  if (flag == "none") return Fixed(nullptr);
  // At start the flag means what Reranker::PathFor says; afterwards the store's default file is
  // watched even while it does not exist, so that one written later is picked up.
  const bool from_store = flag.empty();
  const std::string start_path = Reranker::PathFor(flag, store_root);
  std::unique_ptr<RerankerWatcher> w(
      new RerankerWatcher(from_store ? store_root + "/" + Reranker::kStoreFile : flag, from_store));
  if (!start_path.empty()) {
    auto bytes = ReadIfPresent(start_path);
    if (!bytes.ok()) return WithFlagHint(bytes.status());
    if (!bytes->has_value()) {
      if (!from_store) return WithFlagHint(absl::NotFoundError(absl::StrCat("cannot open re-ranker file ", start_path)));
      // The store's file went away since PathFor saw it: start without one, as if it had not been there.
    } else {
      auto parsed = Reranker::Parse(**bytes, start_path);
      if (!parsed.ok()) return WithFlagHint(parsed.status());
      w->seen_ = w->served_ = HashOf(**bytes);
      w->Serve(std::make_shared<const Reranker>(std::move(*parsed)), w->served_);
    }
  }
  if (poll.count() > 0) {
    w->poller_ = std::thread([raw = w.get(), poll] {
      std::unique_lock<std::mutex> lock(raw->stop_mu_);
      while (!raw->stop_cv_.wait_for(lock, poll, [raw] { return raw->stopping_; })) {
        lock.unlock();
        auto refreshed = raw->Refresh();
        if (!refreshed.ok()) {
          const std::string serving = raw->CurrentPath();
          std::fprintf(stderr, "re-ranker: keeping the current one (%s): %s\n",
                       serving.empty() ? "none" : serving.c_str(), refreshed.status().ToString().c_str());
        }
        lock.lock();
      }
    });
  }
  return w;
}

std::unique_ptr<RerankerWatcher> RerankerWatcher::Fixed(std::shared_ptr<const Reranker> reranker) {
  std::unique_ptr<RerankerWatcher> w(new RerankerWatcher("", false));
  w->Serve(std::move(reranker), std::nullopt);
  return w;
}

RerankerWatcher::~RerankerWatcher() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

std::shared_ptr<const Reranker> RerankerWatcher::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::string RerankerWatcher::CurrentPath() const { return Current() != nullptr ? watched_ : ""; }

namespace {
std::string HashText(std::optional<uint64_t> hash) {
  return hash ? absl::StrCat(absl::Hex(*hash, absl::kZeroPad16)) : "";
}
}  // namespace

std::pair<std::string, std::string> RerankerWatcher::ServedLocked() const {
  if (current_ == nullptr) return {"", ""};
  return {watched_, HashText(current_hash_)};
}

void RerankerWatcher::Serve(std::shared_ptr<const Reranker> reranker, std::optional<uint64_t> hash) {
  std::pair<std::string, std::string> served;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = std::move(reranker);  // the previous one lives on in the turns that still hold it
    current_hash_ = current_ != nullptr ? hash : std::nullopt;
    served = ServedLocked();
  }
  if (on_serve_) on_serve_(served.first, served.second);  // the stored fn itself: it may keep state between calls
}

void RerankerWatcher::OnServe(ServeFn fn) {
  std::lock_guard<std::mutex> refresh(refresh_mu_);  // no Serve meanwhile
  on_serve_ = std::move(fn);
  std::pair<std::string, std::string> served;
  {
    std::lock_guard<std::mutex> lock(mu_);
    served = ServedLocked();
  }
  if (on_serve_) on_serve_(served.first, served.second);
}

absl::StatusOr<bool> RerankerWatcher::Refresh() {
  if (watched_.empty()) return false;
  std::lock_guard<std::mutex> lock(refresh_mu_);
  auto bytes = ReadIfPresent(watched_);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) {
    if (!seen_.has_value()) return false;
    seen_.reset();
    if (!from_store_) {
      return absl::NotFoundError(
          absl::StrCat("re-ranker file ", watched_, " (named by --reranker) is gone; the one loaded stays"));
    }
    if (!served_.has_value()) return false;
    served_.reset();
    Serve(nullptr, std::nullopt);
    std::fprintf(stderr, "re-ranker: %s was removed; serving without a re-ranker\n", watched_.c_str());
    return true;
  }
  const uint64_t hash = HashOf(**bytes);
  if (seen_ == hash) return false;  // already served, or already refused
  seen_ = hash;
  if (served_ == hash) return false;  // the file came back as it was
  // Parsed outside mu_: turns keep using the current re-ranker meanwhile.
  auto parsed = Reranker::Parse(**bytes, watched_);
  if (!parsed.ok()) return parsed.status();
  auto next = std::make_shared<const Reranker>(std::move(*parsed));
  const int depth = next->depth();
  served_ = hash;
  Serve(std::move(next), hash);
  std::fprintf(stderr, "re-ranker: serving %s (first %d places)\n", watched_.c_str(), depth);
  return true;
}

}  // namespace chatrec::dialogue
