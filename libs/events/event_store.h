// The behaviour-history store (<store_dir>/feedback): every event once (by user
// and client event id), per-user summaries and per-item counters, and item-to-item
// co-occurrence counts.
//
// A group's batch holds its events, their ids and a journal record (the group's event keys).
// The summaries, statistics snapshots, item counters and co-occurrence counts the group changed
// are kept in memory ("published" once the group is written, and read from there) and written
// all together at a checkpoint, every checkpoint_events events and when the store closes: most
// users and items then get one record per checkpoint instead of one per group, and an item's
// co-occurrences one count-map merge. The checkpoint deletes the journal records of the groups
// it covers; Open replays the rest (an unclean stop), so derived state never disagrees with the
// history.
//
// Appends from concurrent callers are group-committed by two threads of the store: the leader
// prepares everything queued as one group (one batch, one WAL sync) while the writer writes the
// groups prepared before, then wakes their callers. Nothing is acknowledged before it is durable
// (unless sync is off).
//
// Besides the per-user summaries, every new positive event updates item-to-item
// co-occurrence counts (with the user's most recent positive items) and the item's
// time-decayed popularity. Summary refreshes (rebuilding model
// statistics after a new model version) go through the same serialized path, so a
// concurrent Append can never be lost by a read-modify-write race.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
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
  // Adds an event's model-dependent statistics (the fold-in sums) to its user's summary, and
  // returns whether it changed them (model_version, gram or rhs).
  // Applied by Append to every new event, and by reads to the events whose statistics are
  // not in the stored snapshot yet (UserSummary.stats_pending_signals): it may look only at
  // the event's item_id, type and rating, the fields kept for those. May be empty.
  std::function<bool(const v1::Event&, internal::UserSummary*)> stats_updater;
  // Events between checkpoints (see above); bounds the memory of the published records and the
  // replay after an unclean stop.
  int64_t checkpoint_events = 20'000;
};

struct AppendResult {
  int32_t recorded = 0;
  int32_t duplicates = 0;
};

// See EventStoreOptions::stats_updater.
using SummaryUpdater = std::function<bool(const v1::Event&, internal::UserSummary*)>;

// Called by RefreshSummary with the user's current summary while no Append can run;
// may read the user's history (ScanUser) and change the summary. Returns true if it
// changed it (it is then written), false to leave it as it is.
using SummaryRefresher = std::function<absl::StatusOr<bool>(internal::UserSummary*)>;

// Items whose positive events by one user came close together (within the user's
// last kCoWindow positive items), with how often.
struct CoOccurrence {
  int64_t item_id = 0;
  int64_t count = 0;
};

class EventStore {
 public:
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(const EventStoreOptions& options);

  // Stores the events that are new (an event id seen before for the same user is a
  // duplicate). Events must be validated by the caller. Durable on return.
  // The options' stats_updater adds each new event's statistics.
  absl::StatusOr<AppendResult> Append(absl::Span<const v1::Event> events);
  // The same without waiting: queues the events and returns at once; `done` runs once they are
  // durable (or failed), on the store's writer thread (or whichever thread writes the group), with
  // no lock of the store held. It must be quick and must not call the store (a gRPC reactor's
  // Finish is fine). Every queued append is completed, also when the store closes.
  using AppendDone = std::function<void(absl::StatusOr<AppendResult>)>;
  void AppendAsync(std::vector<v1::Event> events, AppendDone done);

  // The user's summary (one consistent read; statistics include every stored event);
  // an empty one for a user never seen.
  absl::StatusOr<internal::UserSummary> GetSummary(const std::string& user_id) const;

  // A user's statistics snapshot is rewritten once this many events changed them since the
  // last one (or at once on a rebuild, a reset or a new model version).
  static constexpr int kMaxStatsPending = 32;
  // Runs `refresher` on the user's summary serialized with every Append and
  // DeleteUser, writes the result if it changed, and returns it.
  absl::StatusOr<internal::UserSummary> RefreshSummary(const std::string& user_id, const SummaryRefresher& refresher);
  absl::StatusOr<internal::ItemStats> GetItemStats(int64_t item_id) const;
  // The item's decayed popularity brought forward to now_ms (half-life kPopularityHalfLifeMs).
  static double PopularityAt(const internal::ItemStats& stats, int64_t now_ms);
  // Up to `limit` items co-occurring with item_id (all if negative), highest count first.
  absl::StatusOr<std::vector<CoOccurrence>> GetCoOccurrences(int64_t item_id, int limit) const;
  // Items co-occurring with any of `seeds`, counts summed over the seeds, highest first;
  // the seeds themselves are left out. Reads at most kCoCap neighbours per seed.
  absl::StatusOr<std::vector<CoOccurrence>> GetCoOccurrences(absl::Span<const int64_t> seeds, int limit) const;
  // The `limit` items with the highest decayed popularity at now_ms, highest first.
  // Items below kMinTrendingPopularity (no positive event in the last ~10 half-lives)
  // are left out. Scans every item's counters.
  struct Popular {
    int64_t item_id = 0;
    double popularity = 0;
  };
  absl::StatusOr<std::vector<Popular>> TopPopular(int limit, int64_t now_ms) const;

  static constexpr int kCoWindow = 5;
  static constexpr int kCoCap = 200;  // most neighbours one read returns through the API
  static constexpr double kPopularityHalfLifeMs = 7.0 * 24 * 3600 * 1000;
  static constexpr double kMinTrendingPopularity = 1e-3;

  // The user's events in time order with since_ms <= t < until_ms (0 = open),
  // starting after `resume_key` (a key returned by an earlier call). fn returns false to stop.
  using EventFn = std::function<bool(const std::string& key, const v1::Event&)>;
  absl::Status ScanUser(const std::string& user_id, int64_t since_ms, int64_t until_ms,
                        const std::string& resume_key, const EventFn& fn) const;
  // Every event, grouped by user (for training).
  absl::Status ScanAll(const EventFn& fn) const;
  // Erases the user's events, event ids and summary, and takes the user's events out
  // of the item counters and co-occurrence counts. Returns the events deleted.
  absl::StatusOr<int64_t> DeleteUser(const std::string& user_id);

  // Writes a checkpoint (every published record), then flushes RocksDB's memtables.
  absl::Status Flush();
  // Writes a checkpoint if anything is published; the destructor does too.
  absl::Status Checkpoint();
  ~EventStore();

 private:
  // One queued Append, or (with refresher set) one RefreshSummary.
  struct Pending {
    absl::Span<const v1::Event> events;
    const std::string* refresh_user = nullptr;
    const SummaryRefresher* refresher = nullptr;
    absl::StatusOr<AppendResult> result = AppendResult{};
    absl::StatusOr<internal::UserSummary> refreshed = internal::UserSummary{};
    std::vector<v1::Event> owned;  // AppendAsync's events (`events` views them)
    AppendDone on_done;            // AppendAsync's: run instead of waking a waiting caller
    bool replay = false;  // events of the journal: derived state only (see ReplayJournal)
    bool replay_cooc = false;  // and their co-occurrences too (journals written since those are checkpointed)
    bool done = false;  // guarded by mu_
    std::condition_variable cv;  // its caller waits here until the group is written (WriteOneLocked)
  };
  // A group prepared by the leader and waiting for (or in) its write.
  struct Prepared {
    std::vector<Pending*> group;
    storage::KvStore::Batch batch;
    absl::Status status;  // preparing failed: nothing to write, the group gets this
    uint64_t seq = 0;     // preparation order = write order
    uint64_t epoch = 0;   // written only if no earlier write failed since it was prepared
    // The summaries, statistics snapshots and item counters the group changed, published once
    // it is written: (kind, key, serialized record).
    std::vector<std::tuple<int, std::string, std::string>> derived;
    // The co-occurrence counts it added ((item, neighbour) -> delta), published and checkpointed the same way.
    absl::flat_hash_map<std::pair<int64_t, int64_t>, int64_t> cooc;
    bool checkpoint = false;  // the batch also holds every published record (see Checkpoint)
    Prepared(const storage::KvStore* kv, size_t reserve_bytes) : batch(kv, reserve_bytes) {}
  };
  // The derived records kept in memory between checkpoints, by kind.
  enum Derived { kUsers = 0, kUserStats = 1, kItems = 2, kDerivedKinds = 3 };
  static const char* DerivedCf(int kind);
  EventStore(std::unique_ptr<storage::KvStore> kv, const EventStoreOptions& o)
      : kv_(std::move(kv)), stats_updater_(o.stats_updater), checkpoint_events_(o.checkpoint_events) {}
  // Queues p and returns once its group is committed (or failed). Two stages run at once, each
  // on a thread of its own (no caller has to be woken to take a turn): the leader thread
  // prepares the next group while the writer thread writes the previous ones, so preparing and
  // RocksDB's synced write overlap. Groups are written in the order they were prepared, and a
  // group is acknowledged only after its own write.
  void Enqueue(Pending* p);
  // The two commit threads' loops, and their stop (the destructor; the leader prepares what is
  // queued and the writer writes what is prepared before they return).
  void LeaderLoop();
  void WriterLoop();
  void StopCommitThreads();
  // Whether the leader thread may prepare a group now: it is not DeleteUser's or Checkpoint's
  // turn, something is queued, and fewer than kMaxPrepared groups wait for the writer.
  bool CanLeadLocked() const;
  // Groups prepared and not yet written, at most: while one waits for the writer, the queue grows
  // into the next, larger group (one fsync and one write of each user's counters for more
  // events). Two measured the same.
  static constexpr size_t kMaxPrepared = 1;
  // Builds the batch of a group of appends and refreshes on the leader's caches, which it
  // updates as if the write will succeed; leader only. Refreshes run first.
  void PrepareGroup(Prepared* prep);
  // Waits (holding `lock`) until every prepared group is written; then the store holds
  // everything the caches do, and a failed write's optimistic cache state is dropped.
  void DrainLocked(std::unique_lock<std::mutex>& lock);
  // Writes the oldest prepared group (called holding `lock`, with no writer active).
  void WriteOneLocked(std::unique_lock<std::mutex>& lock);
  // Adds every published record and the deletion of the journal records written so far to
  // `batch` (the caller holds the leader role with nothing in flight, so they are stable).
  absl::Status AddCheckpointLocked(storage::KvStore::Batch* batch);
  // Writes every published record and deletes the journal (holding the leader role, nothing in
  // flight); then nothing is published any more. A no-op when read-only.
  absl::Status WriteCheckpointHoldingLeader();
  // After a group's write: a checkpoint's records are in the store now, the group's own
  // derived records become visible to readers. The caller holds published_mu_ exclusively.
  void PublishLocked(Prepared* written);
  // Open: the events of the journal (groups written after the last checkpoint) rebuild the
  // derived records, which are then checkpointed (published only, when read-only).
  absl::Status ReplayJournal();
  // A derived record as readers see it: published if there, else the store (as of `view`).
  // Callers hold published_mu_ (shared), so a group's records appear all at once.
  absl::StatusOr<bool> ReadDerivedLocked(int kind, const std::string& key, google::protobuf::MessageLite* out,
                                         const storage::KvStore::Snapshot* view) const;
  absl::StatusOr<internal::ItemStats> GetItemStatsLocked(int64_t item_id) const;
  // ScanUser, also handing over the event as stored (the pairs it was counted with: DeleteUser).
  using StoredEventFn =
      std::function<bool(const std::string& key, const v1::Event&, const internal::StoredEvent& stored)>;
  absl::Status ScanUserStored(const std::string& user_id, int64_t since_ms, int64_t until_ms,
                              const std::string& resume_key, const StoredEventFn& fn) const;
  // DATA_LOSS naming an event record that does not parse.
  absl::Status UnparsableEvent(std::string_view key) const;
  // The event stored under `key` (as of `view`, if given); nullopt if there is none.
  absl::StatusOr<std::optional<v1::Event>> GetEvent(const std::string& key, const storage::KvStore::Snapshot* view) const;
  // Wakes the writer thread if a prepared group waits, and the leader thread if it can lead.
  // (A written group wakes only its own callers: each waits on its own condition variable.)
  void WakeNextLocked();
  // Wakes DrainLocked and DeleteUser, which wait on cv_, if any of them waits.
  void WakeStoreWaitersLocked() {
    if (store_waiters_ > 0) cv_.notify_all();
  }
  std::unique_ptr<storage::KvStore> kv_;
  const SummaryUpdater stats_updater_;
  const int64_t checkpoint_events_;
  mutable std::shared_mutex published_mu_;
  absl::flat_hash_map<std::string, std::string> published_[kDerivedKinds];  // guarded by published_mu_
  // Co-occurrence counts added since the last checkpoint: item -> neighbour -> delta. Unlike the
  // records above these are deltas, so a reader must never see them both here and in the store:
  // a checkpoint's write and their removal happen under published_mu_ held exclusively.
  absl::flat_hash_map<int64_t, absl::flat_hash_map<int64_t, int64_t>> published_cooc_;  // guarded by published_mu_
  // Leader only: events recorded since the last checkpoint, and the next journal record's number.
  int64_t events_since_checkpoint_ = 0;
  uint64_t journal_seq_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;  // DrainLocked and DeleteUser wait here
  int store_waiters_ = 0;       // guarded by mu_: how many wait on cv_
  int role_waiters_ = 0;        // guarded by mu_: DeleteUser and Checkpoint calls waiting for the leader role
  std::condition_variable leader_cv_, writer_cv_;  // the commit threads wait here
  bool stopping_ = false, leader_stopped_ = false;  // guarded by mu_
  std::thread leader_thread_, writer_thread_;
  std::deque<Pending*> queue_;  // guarded by mu_
  bool leader_active_ = false;  // guarded by mu_: the leader thread prepares (or DeleteUser or Checkpoint runs)
  std::deque<std::unique_ptr<Prepared>> prepared_;  // guarded by mu_, in seq order
  bool writer_active_ = false;  // guarded by mu_
  uint64_t next_seq_ = 1, written_seq_ = 0;  // guarded by mu_
  uint64_t epoch_ = 0;          // guarded by mu_; bumped by a failed write
  bool reset_caches_ = false;   // guarded by mu_: drop the caches (and in-flight ids) before the next use
  // Event ids of prepared groups, by group seq, until their write is done (leader only):
  // a retry of an event still in flight is a duplicate too.
  std::deque<std::pair<uint64_t, std::vector<std::string>>> inflight_ids_;
  absl::flat_hash_set<std::string> inflight_set_;
  // Committed summaries and item counters, read and written by the leader only
  // (whoever holds leader_active_), so appends skip most point reads.
  static constexpr size_t kMaxCachedUsers = 200'000, kMaxCachedItems = 1'000'000;
  absl::node_hash_map<std::string, internal::UserSummary> summary_cache_;  // pointer-stable (PrepareGroup)
  absl::node_hash_map<int64_t, internal::ItemStats> item_cache_;  // pointer-stable too
};

// What counts as a positive event (likes, accepts, watches, clicks, ratings of 4-5) and
// a negative one (dislikes, rejections, ratings of 1-2) for the summaries and counters.
bool IsPositiveEvent(const v1::Event& e);
bool IsNegativeEvent(const v1::Event& e);

// Most-recent-first list update with a cap, used for the summary's item lists.
void PushRecent(google::protobuf::RepeatedField<int64_t>* list, int64_t item_id, int cap);

}  // namespace chatrec::events
