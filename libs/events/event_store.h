// The behaviour-history store (<store_dir>/feedback): every event once (by user
// and client event id), per-user summaries and per-item counters, all updated in
// the same atomic batch so that derived state never disagrees with the history.
//
// Appends from concurrent callers are group-committed: one caller becomes the
// leader, writes everyone's events in one batch with one WAL sync, and wakes the
// others. Nothing is acknowledged before it is durable (unless sync is off).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "chatrec/internal/store.pb.h"
#include "chatrec/v1/feedback.pb.h"
#include "libs/storage/kv_store.h"

namespace chatrec::events {

struct EventStoreOptions {
  std::string path;
  bool read_only = false;
  bool sync = true;  // false: acknowledged events may be lost on a machine crash
};

struct AppendResult {
  int32_t recorded = 0;
  int32_t duplicates = 0;
};

// Called for every new event while its user's summary is being updated, to add
// model-dependent statistics (the fold-in sums). May be null.
using SummaryUpdater = std::function<void(const v1::Event&, internal::UserSummary*)>;

class EventStore {
 public:
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(const EventStoreOptions& options);

  // Stores the events that are new (an event id seen before for the same user is a
  // duplicate). Events must be validated by the caller. Durable on return.
  absl::StatusOr<AppendResult> Append(absl::Span<const v1::Event> events, const SummaryUpdater& updater = nullptr);

  // The user's summary; an empty one for a user never seen.
  absl::StatusOr<internal::UserSummary> GetSummary(const std::string& user_id) const;
  // Replaces the summary (after rebuilding model statistics from the history).
  absl::Status PutSummary(const std::string& user_id, const internal::UserSummary& summary);
  absl::StatusOr<internal::ItemStats> GetItemStats(int64_t item_id) const;

  // The user's events in time order with since_ms <= t < until_ms (0 = open),
  // starting after `resume_key` (a key returned by an earlier call). fn returns false to stop.
  using EventFn = std::function<bool(const std::string& key, const v1::Event&)>;
  absl::Status ScanUser(const std::string& user_id, int64_t since_ms, int64_t until_ms,
                        const std::string& resume_key, const EventFn& fn) const;
  // Every event, grouped by user (for training).
  absl::Status ScanAll(const EventFn& fn) const;
  // Erases the user's events, event ids and summary. Returns the events deleted.
  absl::StatusOr<int64_t> DeleteUser(const std::string& user_id);

  absl::Status Flush() { return kv_->Flush(); }

 private:
  struct Pending {
    absl::Span<const v1::Event> events;
    const SummaryUpdater* updater;
    absl::StatusOr<AppendResult> result = AppendResult{};
    bool done = false;
  };
  explicit EventStore(std::unique_ptr<storage::KvStore> kv) : kv_(std::move(kv)) {}
  // Writes a group of pending appends in one batch; called by the leader only.
  void CommitGroup(std::vector<Pending*>& group);

  std::unique_ptr<storage::KvStore> kv_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;  // guarded by mu_
  bool leader_active_ = false;  // guarded by mu_
};

// Most-recent-first list update with a cap, used for the summary's item lists.
void PushRecent(google::protobuf::RepeatedField<int64_t>* list, int64_t item_id, int cap);

}  // namespace chatrec::events
