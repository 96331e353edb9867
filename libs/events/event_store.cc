#include "libs/events/event_store.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <pthread.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/common/time.h"
#include "libs/storage/key_codec.h"

namespace chatrec::events {
namespace {

using storage::KvStore;
namespace keys = storage::keys;

constexpr double kPopularityHalfLifeMs = EventStore::kPopularityHalfLifeMs;
constexpr int kLikedCap = 50, kRejectedCap = 200, kSeenCap = 2000;

const std::vector<std::string>& Cfs() {
  static const std::vector<std::string> kCfs = {"events", "event_ids", "users",      "user_stats",
                                                "items",  "cooc",      "cooc_items", "journal"};
  return kCfs;
}

std::string EventKey(const v1::Event& e) {
  std::string k = keys::StringKey(e.user_id());
  keys::AppendI64(&k, e.timestamp_ms());
  keys::AppendString(&k, e.event_id());
  return k;
}

std::string EventIdKey(const std::string& user, const std::string& event_id) {
  return keys::StringKey(user) + event_id;
}

// An event's stored value (internal::StoredEvent) leaves out what its key holds (user, time, event
// id): fewer bytes to log, flush and compact (stores written before hold them in the value too; the
// key's win). A positive event keeps the items it was paired with (`co_items`, see DeleteUser).
std::string EventValue(const v1::Event& e, absl::Span<const int64_t> co_items) {
  internal::StoredEvent rest;
  rest.set_item_id(e.item_id());
  rest.set_type(e.type());
  rest.set_rating(e.rating());
  rest.set_session_id(e.session_id());
  rest.set_source(e.source());
  if (IsPositiveEvent(e)) {
    rest.set_co_counted(true);
    rest.mutable_co_items()->Add(co_items.begin(), co_items.end());
  }
  return rest.SerializeAsString();
}

// The event stored under `key` with `value` (and, if `stored` is given, the value as stored); false
// if either does not parse.
bool ParseEvent(std::string_view key, std::string_view value, v1::Event* e, internal::StoredEvent* stored = nullptr) {
  internal::StoredEvent local;
  internal::StoredEvent* rest = stored != nullptr ? stored : &local;
  if (!rest->ParseFromArray(value.data(), static_cast<int>(value.size()))) return false;
  e->set_item_id(rest->item_id());
  e->set_type(rest->type());
  e->set_rating(rest->rating());
  e->set_session_id(rest->session_id());
  e->set_source(rest->source());
  int64_t timestamp_ms;
  if (!keys::ReadString(&key, e->mutable_user_id()) || !keys::ReadI64(&key, &timestamp_ms) ||
      !keys::ReadString(&key, e->mutable_event_id()) || !key.empty()) {
    return false;
  }
  e->set_timestamp_ms(timestamp_ms);
  return true;
}

// type_counts[type] += n, growing it as needed (a varint array: cheaper to keep and to write on
// every commit than a map keyed by the type's name).
void AddTypeCount(int type, int64_t n, internal::UserSummary* s) {
  if (type < 0) return;
  auto* counts = s->mutable_type_counts();
  if (counts->size() <= type) counts->Resize(type + 1, 0);
  counts->Set(type, counts->Get(type) + n);
}

// A summary of a store written before type_counts: its counts by type name move there (a name
// no EventType has, which no version wrote, stays in the map).
void FoldTypeCountsByName(internal::UserSummary* s) {
  if (s->counts_by_type().empty()) return;
  google::protobuf::Map<std::string, int64_t> unknown;
  for (const auto& [name, n] : s->counts_by_type()) {
    v1::EventType type;
    if (v1::EventType_Parse(name, &type)) {
      AddTypeCount(type, n, s);
    } else {
      unknown[name] = n;
    }
  }
  s->mutable_counts_by_type()->swap(unknown);
}

void UpdateSummary(const v1::Event& e, internal::UserSummary* s) {
  s->set_event_count(s->event_count() + 1);
  AddTypeCount(e.type(), 1, s);
  s->set_last_event_ms(std::max(s->last_event_ms(), e.timestamp_ms()));
  if (IsPositiveEvent(e)) PushRecent(s->mutable_liked_item_ids(), e.item_id(), kLikedCap);
  if (e.type() == v1::EVENT_TYPE_REJECT || e.type() == v1::EVENT_TYPE_DISLIKE) {
    PushRecent(s->mutable_rejected_item_ids(), e.item_id(), kRejectedCap);
  }
  if (e.type() != v1::EVENT_TYPE_IMPRESSION && e.type() != v1::EVENT_TYPE_CLICK) {
    PushRecent(s->mutable_seen_item_ids(), e.item_id(), kSeenCap);
  }
}

void UpdateItemStats(const v1::Event& e, internal::ItemStats* s) {
  s->set_events(s->events() + 1);
  if (IsNegativeEvent(e)) s->set_negatives(s->negatives() + 1);
  if (!IsPositiveEvent(e)) return;
  s->set_positives(s->positives() + 1);
  // Exponential decay to the newest event time seen for the item.
  int64_t t = std::max(e.timestamp_ms(), s->decayed_at_ms());
  double decay = std::exp2(-static_cast<double>(t - s->decayed_at_ms()) / kPopularityHalfLifeMs);
  double contribution = std::exp2(-static_cast<double>(t - e.timestamp_ms()) / kPopularityHalfLifeMs);
  s->set_decayed_popularity(s->decayed_popularity() * decay + contribution);
  s->set_decayed_at_ms(t);
}

// Undoes UpdateItemStats for one event (DeleteUser): the counts, and the event's
// contribution to the decayed popularity as of the item's decay time.
void RemoveFromItemStats(const v1::Event& e, internal::ItemStats* s) {
  s->set_events(std::max<int64_t>(0, s->events() - 1));
  if (IsNegativeEvent(e)) s->set_negatives(std::max<int64_t>(0, s->negatives() - 1));
  if (!IsPositiveEvent(e)) return;
  s->set_positives(std::max<int64_t>(0, s->positives() - 1));
  const int64_t age = std::max<int64_t>(0, s->decayed_at_ms() - e.timestamp_ms());
  const double contribution = std::exp2(-static_cast<double>(age) / kPopularityHalfLifeMs);
  s->set_decayed_popularity(s->positives() == 0 ? 0.0 : std::max(0.0, s->decayed_popularity() - contribution));
}

// Co-occurrence counts are one record per item (CF "cooc_items", key I64Key(item), value a count
// map of its neighbours, KvStore::EncodeCountMap), added to by merges at checkpoints: an item gets
// one merge per checkpoint instead of one record per pair and group. Stores written before hold
// one record per ordered pair (CF "cooc", key I64Key(item) + I64(neighbour), an int64 counter);
// reads add both.
using CountMap = std::vector<std::pair<int64_t, int64_t>>;

// Adds the pair deltas to `batch` as one count-map merge per item, in key order.
void AddCoOccurrences(const absl::flat_hash_map<int64_t, absl::flat_hash_map<int64_t, int64_t>>& by_item,
                      KvStore::Batch* batch) {
  std::vector<int64_t> items;
  items.reserve(by_item.size());
  for (const auto& [item, neighbours] : by_item) items.push_back(item);
  std::sort(items.begin(), items.end());  // I64Key sorts like the value
  CountMap deltas;
  for (int64_t item : items) {
    deltas.clear();
    for (const auto& [neighbour, delta] : by_item.at(item)) {
      if (delta != 0) deltas.emplace_back(neighbour, delta);
    }
    if (deltas.empty()) continue;
    std::sort(deltas.begin(), deltas.end());
    batch->AddToCountMap("cooc_items", keys::I64Key(item), deltas);
  }
}

// The fold-in statistics are big (dim² floats) and change only with events that
// carry a signal, so they are stored apart from the small per-user counters
// (CF "user_stats", a UserSummary holding only model_version, gram and rhs) and
// rewritten only when they change (the stats updater says when it changed them).

// A journal record: the keys of a group's new events, in the order the group applied them,
// each as a 4-byte little-endian length and the key's bytes. Its key is the group's number,
// big-endian, so the records read back in group order. Records start with kJournalCoocMarker
// (not a length any key has): their co-occurrence counts are not in the store before a checkpoint
// either, so the replay rebuilds them too; older records lack it (their counts were written with
// the events).
constexpr uint32_t kJournalCoocMarker = 0xffffffff;

void StartJournalRecord(std::string* record) {
  record->append(reinterpret_cast<const char*>(&kJournalCoocMarker), sizeof(kJournalCoocMarker));
}

void AppendJournalKey(std::string* record, std::string_view event_key) {
  const uint32_t n = static_cast<uint32_t>(event_key.size());
  record->append(reinterpret_cast<const char*>(&n), sizeof(n));
  record->append(event_key);
}

bool ParseJournalRecord(std::string_view record, std::vector<std::string>* keys, bool* replay_cooc) {
  *replay_cooc = record.size() >= sizeof(kJournalCoocMarker) &&
                 std::memcmp(record.data(), &kJournalCoocMarker, sizeof(kJournalCoocMarker)) == 0;
  if (*replay_cooc) record.remove_prefix(sizeof(kJournalCoocMarker));
  while (!record.empty()) {
    uint32_t n;
    if (record.size() < sizeof(n)) return false;
    std::memcpy(&n, record.data(), sizeof(n));
    record.remove_prefix(sizeof(n));
    if (record.size() < n) return false;
    keys->emplace_back(record.substr(0, n));
    record.remove_prefix(n);
  }
  return true;
}

std::string JournalKey(uint64_t seq) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i, seq >>= 8) k[i] = static_cast<char>(seq & 0xff);
  return k;
}

// The part of an event the statistics depend on (see EventStoreOptions::stats_updater).
internal::PendingSignal SignalOf(const v1::Event& e) {
  internal::PendingSignal p;
  p.set_item_id(e.item_id());
  p.set_type(e.type());
  p.set_rating(e.rating());
  return p;
}

v1::Event EventOf(const internal::PendingSignal& p) {
  v1::Event e;
  e.set_item_id(p.item_id());
  e.set_type(p.type());
  e.set_rating(p.rating());
  return e;
}

// Events in the statistics but not in the stored snapshot, in either form.
size_t PendingCount(const internal::UserSummary& s) {
  return static_cast<size_t>(s.stats_pending_size()) + static_cast<size_t>(s.stats_pending_signals_size());
}

// The statistics as the "user_stats" snapshot stores them: gram as its lower triangle.
internal::UserSummary StatsPart(const internal::UserSummary& s) {
  internal::UserSummary out;
  out.set_model_version(s.model_version());
  const int d = s.rhs_size();
  if (s.gram_size() == d * d) {
    out.mutable_gram_lower()->Reserve(d * (d + 1) / 2);
    for (int i = 0; i < d; ++i) out.mutable_gram_lower()->Add(s.gram().data() + i * d, s.gram().data() + i * d + i + 1);
  } else {
    *out.mutable_gram() = s.gram();
  }
  *out.mutable_rhs() = s.rhs();
  return out;
}

// The full gram of a snapshot read back (zeros above the diagonal); false if its size
// does not fit rhs.
bool UnpackGram(internal::UserSummary* stats) {
  if (stats->gram_lower_size() == 0) return true;  // none, or written before: gram as it is
  const int d = stats->rhs_size();
  if (stats->gram_lower_size() != d * (d + 1) / 2) return false;
  stats->mutable_gram()->Resize(d * d, 0.f);
  float* g = stats->mutable_gram()->mutable_data();
  const float* lower = stats->gram_lower().data();
  for (int i = 0; i < d; ++i) {
    std::copy(lower, lower + i + 1, g + i * d);
    std::fill(g + i * d + i + 1, g + (i + 1) * d, 0.f);
    lower += i + 1;
  }
  stats->clear_gram_lower();
  return true;
}

}  // namespace

bool IsPositiveEvent(const v1::Event& e) {
  switch (e.type()) {
    case v1::EVENT_TYPE_LIKE:
    case v1::EVENT_TYPE_ACCEPT:
    case v1::EVENT_TYPE_WATCH:
    case v1::EVENT_TYPE_CLICK:
      return true;
    case v1::EVENT_TYPE_RATING:
      return e.rating() >= 4;
    default:
      return false;
  }
}

bool IsNegativeEvent(const v1::Event& e) {
  return e.type() == v1::EVENT_TYPE_DISLIKE || e.type() == v1::EVENT_TYPE_REJECT ||
         (e.type() == v1::EVENT_TYPE_RATING && e.rating() <= 2);
}

void PushRecent(google::protobuf::RepeatedField<int64_t>* list, int64_t item_id, int cap) {
  std::vector<int64_t> v;
  v.reserve(list->size() + 1);
  v.push_back(item_id);
  for (int64_t x : *list) {
    if (x != item_id && static_cast<int>(v.size()) < cap) v.push_back(x);
  }
  list->Clear();
  list->Add(v.begin(), v.end());
}

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(const EventStoreOptions& o) {
  ASSIGN_OR_RETURN(auto kv, KvStore::Open({.path = o.path, .column_families = Cfs(), .read_only = o.read_only,
                                           .sync = o.sync,
                                           .counter_column_families = {"cooc"},
                                           .count_map_column_families = {"cooc_items"},
                                           .probed_column_families = {"event_ids"},
                                           .string_prefixed_column_families = {"events", "event_ids"}}));
  std::unique_ptr<EventStore> store(new EventStore(std::move(kv), o));
  RETURN_IF_ERROR(store->ReplayJournal());
  store->leader_thread_ = std::thread([s = store.get()] {
    pthread_setname_np(pthread_self(), "events-leader");  // as top -H and perf show it
    s->LeaderLoop();
  });
  store->writer_thread_ = std::thread([s = store.get()] {
    pthread_setname_np(pthread_self(), "events-writer");
    s->WriterLoop();
  });
  return store;
}

const char* EventStore::DerivedCf(int kind) {
  static const char* const kNames[kDerivedKinds] = {"users", "user_stats", "items"};
  return kNames[kind];
}

EventStore::~EventStore() {
  StopCommitThreads();
  if (!kv_->read_only()) (void)Checkpoint();
}

absl::Status EventStore::Flush() {
  RETURN_IF_ERROR(Checkpoint());
  return kv_->Flush();
}

absl::Status EventStore::Checkpoint() {
  if (kv_->read_only()) return absl::OkStatus();
  std::unique_lock<std::mutex> lock(mu_);
  ++store_waiters_;
  ++role_waiters_;  // the leader thread lets us in after its current group
  cv_.wait(lock, [&] { return !leader_active_; });
  --role_waiters_;
  --store_waiters_;
  leader_active_ = true;
  DrainLocked(lock);  // every written group is published, nothing is in flight
  lock.unlock();
  absl::Status s = WriteCheckpointHoldingLeader();
  lock.lock();
  leader_active_ = false;
  WakeStoreWaitersLocked();
  WakeNextLocked();
  return s;
}

absl::Status EventStore::WriteCheckpointHoldingLeader() {
  if (kv_->read_only()) return absl::OkStatus();
  KvStore::Batch batch(kv_.get());
  RETURN_IF_ERROR(AddCheckpointLocked(&batch));
  if (batch.count() == 0) return absl::OkStatus();
  // Exclusively: no reader may add the published co-occurrence deltas to a store that holds them.
  std::unique_lock<std::shared_mutex> w(published_mu_);
  RETURN_IF_ERROR(kv_->Write(batch));
  for (auto& records : published_) records.clear();
  published_cooc_.clear();
  events_since_checkpoint_ = 0;
  return absl::OkStatus();
}

absl::Status EventStore::AddCheckpointLocked(KvStore::Batch* batch) {
  {
    std::shared_lock<std::shared_mutex> r(published_mu_);
    for (int kind = 0; kind < kDerivedKinds; ++kind) {
      // In key order, as the groups write theirs (memtable inserts reuse their search path).
      std::vector<const std::pair<const std::string, std::string>*> records;
      records.reserve(published_[kind].size());
      for (const auto& record : published_[kind]) records.push_back(&record);
      std::sort(records.begin(), records.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
      for (const auto* record : records) batch->Put(DerivedCf(kind), record->first, record->second);
    }
    AddCoOccurrences(published_cooc_, batch);
  }
  // Every journal record in the store belongs to a written group, whose records are now in the batch.
  return kv_->Scan("journal", "", [&](std::string_view key, std::string_view) {
    batch->Delete("journal", key);
    return true;
  });
}

void EventStore::PublishLocked(Prepared* written) {
  if (written->checkpoint) {
    for (auto& records : published_) records.clear();
    published_cooc_.clear();
  }
  for (auto& [kind, key, value] : written->derived) published_[kind][std::move(key)] = std::move(value);
  for (const auto& [pair, delta] : written->cooc) published_cooc_[pair.first][pair.second] += delta;
}

absl::Status EventStore::ReplayJournal() {
  if (!kv_->HasColumnFamily("journal")) return absl::OkStatus();  // read-only, older store
  // The keys in group order, in runs by whether their co-occurrences are to be rebuilt too.
  std::vector<std::string> keys;
  std::vector<std::pair<size_t, bool>> runs;  // (first key, replay_cooc)
  absl::Status parse;
  RETURN_IF_ERROR(kv_->Scan("journal", "", [&](std::string_view key, std::string_view value) {
    const size_t first = keys.size();
    bool replay_cooc;
    if (ParseJournalRecord(value, &keys, &replay_cooc)) {
      if (runs.empty() || runs.back().second != replay_cooc) runs.emplace_back(first, replay_cooc);
    } else {
      parse = absl::DataLossError(absl::StrCat("journal record ", absl::CHexEscape(std::string(key)), " of ", kv_->path(),
                                               " does not parse"));
      return false;
    }
    return true;
  }));
  RETURN_IF_ERROR(parse);
  if (keys.empty()) return WriteCheckpointHoldingLeader();  // empty records only (or none)
  std::vector<std::vector<v1::Event>> events(runs.size());
  std::deque<Pending> replays(runs.size());  // Pending is not movable
  Prepared prep(kv_.get(), 0);
  for (size_t r = 0; r < runs.size(); ++r) {
    const size_t end = r + 1 < runs.size() ? runs[r + 1].first : keys.size();
    for (size_t k = runs[r].first; k < end; ++k) {
      ASSIGN_OR_RETURN(std::optional<v1::Event> e, GetEvent(keys[k], nullptr));
      if (e) events[r].push_back(std::move(*e));  // else erased since (DeleteUser)
    }
    replays[r].events = events[r];
    replays[r].replay = true;
    replays[r].replay_cooc = runs[r].second;
    prep.group.push_back(&replays[r]);
  }
  PrepareGroup(&prep);
  RETURN_IF_ERROR(prep.status);
  {
    std::unique_lock<std::shared_mutex> w(published_mu_);
    PublishLocked(&prep);
  }
  return WriteCheckpointHoldingLeader();  // no-op when read-only: the records stay published
}

absl::StatusOr<AppendResult> EventStore::Append(absl::Span<const v1::Event> events) {
  Pending p;
  p.events = events;
  Enqueue(&p);
  return p.result;
}

void EventStore::AppendAsync(std::vector<v1::Event> events, AppendDone done) {
  auto* p = new Pending;  // deleted once `done` has run (WriteOneLocked)
  p->owned = std::move(events);
  p->events = p->owned;
  p->on_done = std::move(done);
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(p);
  WakeNextLocked();
}

absl::StatusOr<internal::UserSummary> EventStore::RefreshSummary(const std::string& user_id,
                                                                 const SummaryRefresher& refresher) {
  Pending p;
  p.refresh_user = &user_id;
  p.refresher = &refresher;
  Enqueue(&p);
  return p.refreshed;
}

void EventStore::Enqueue(Pending* p) {
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(p);
  WakeNextLocked();
  p->cv.wait(lock, [p] { return p->done; });
}

bool EventStore::CanLeadLocked() const {
  return !leader_active_ && role_waiters_ == 0 && !queue_.empty() && prepared_.size() < kMaxPrepared;
}

void EventStore::LeaderLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    leader_cv_.wait(lock, [this] { return CanLeadLocked() || (stopping_ && queue_.empty()); });
    if (!CanLeadLocked()) return;  // stopping, and nothing is queued
    // Prepare everything queued so far as one group, while the writer writes the previous ones.
    leader_active_ = true;
    size_t events = 0;
    for (const Pending* g : queue_) events += g->events.size();
    // Room for the group's records up front (an event and its id, about 200 bytes, plus the
    // user and item records), so RocksDB's batch is not copied as it grows.
    auto prep = std::make_unique<Prepared>(kv_.get(), events * 512);
    prep->group.assign(queue_.begin(), queue_.end());
    queue_.clear();
    const bool refresh = std::any_of(prep->group.begin(), prep->group.end(),
                                     [](const Pending* g) { return g->refresher != nullptr; });
    const bool full = summary_cache_.size() > kMaxCachedUsers || item_cache_.size() > kMaxCachedItems;
    // A checkpoint writes what is published, so every earlier group must be written first.
    prep->checkpoint = events_since_checkpoint_ >= checkpoint_events_;
    // A refresher scans the stored history, and a cache that starts over reads the store:
    // both need every earlier group written first.
    if (refresh || full || reset_caches_ || prep->checkpoint) DrainLocked(lock);
    if (full) {  // bounded by starting over
      summary_cache_.clear();
      item_cache_.clear();
    }
    while (!inflight_ids_.empty() && inflight_ids_.front().first <= written_seq_) {
      for (const std::string& id : inflight_ids_.front().second) inflight_set_.erase(id);
      inflight_ids_.pop_front();
    }
    prep->seq = next_seq_++;
    prep->epoch = epoch_;
    lock.unlock();
    PrepareGroup(prep.get());
    lock.lock();
    if (!prep->status.ok()) reset_caches_ = true;  // the caches may hold part of the failed group
    leader_active_ = false;
    prepared_.push_back(std::move(prep));
    WakeStoreWaitersLocked();
    WakeNextLocked();
  }
}

void EventStore::WriterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    writer_cv_.wait(lock, [this] {
      return (!writer_active_ && !prepared_.empty()) || (leader_stopped_ && prepared_.empty());
    });
    if (prepared_.empty()) return;  // the leader has stopped and everything it prepared is written
    WriteOneLocked(lock);
  }
}

void EventStore::StopCommitThreads() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!leader_thread_.joinable()) return;
    stopping_ = true;
    leader_cv_.notify_all();
  }
  leader_thread_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    leader_stopped_ = true;
    writer_cv_.notify_all();
  }
  writer_thread_.join();
}

void EventStore::WakeNextLocked() {
  if (!writer_active_ && !prepared_.empty()) writer_cv_.notify_one();
  if (CanLeadLocked()) leader_cv_.notify_one();
}

void EventStore::WriteOneLocked(std::unique_lock<std::mutex>& lock) {
  writer_active_ = true;
  std::unique_ptr<Prepared> w = std::move(prepared_.front());
  prepared_.pop_front();
  const bool stale = w->epoch != epoch_;
  WakeNextLocked();  // the queue can be prepared into the next group while this one is written
  lock.unlock();
  absl::Status status = w->status;
  if (status.ok() && stale) {
    status = absl::AbortedError("an earlier group of events failed to be written; nothing of this one was; retry");
  }
  {
    // A checkpoint's write excludes readers, as in WriteCheckpointHoldingLeader; other groups add
    // only what is published after their write, so readers go on meanwhile.
    std::unique_lock<std::shared_mutex> checkpoint_lock(published_mu_, std::defer_lock);
    if (w->checkpoint) checkpoint_lock.lock();
    if (status.ok() && w->batch.count() > 0) status = kv_->Write(w->batch);
    if (status.ok()) {  // before the callers are acknowledged
      if (!w->checkpoint) checkpoint_lock.lock();
      PublishLocked(w.get());
    }
  }
  lock.lock();
  if (!status.ok() && w->status.ok() && !stale) {
    // The groups prepared after this one built on it: they are not written (epoch), and the
    // caches, which hold its effects, start over from the store.
    ++epoch_;
    reset_caches_ = true;
  }
  std::vector<Pending*> async_done;
  for (Pending* g : w->group) {
    if (!status.ok()) {
      if (g->refresher) {
        g->refreshed = status;
      } else {
        g->result = status;
      }
    }
    if (g->on_done) {
      async_done.push_back(g);
      continue;
    }
    g->done = true;
    g->cv.notify_one();  // the caller may return (and free g) as soon as we unlock
  }
  written_seq_ = w->seq;
  writer_active_ = false;
  WakeStoreWaitersLocked();
  WakeNextLocked();
  if (async_done.empty()) return;
  lock.unlock();  // the callbacks run with no lock of ours held
  for (Pending* g : async_done) {
    g->on_done(std::move(g->result));
    delete g;
  }
  lock.lock();
}

void EventStore::DrainLocked(std::unique_lock<std::mutex>& lock) {
  while (!prepared_.empty() || writer_active_) {
    if (!writer_active_) {
      WriteOneLocked(lock);
    } else {
      ++store_waiters_;
      cv_.wait(lock);
      --store_waiters_;
    }
  }
  if (reset_caches_) {
    summary_cache_.clear();
    item_cache_.clear();
    inflight_ids_.clear();
    inflight_set_.clear();
    reset_caches_ = false;
  }
}

void EventStore::PrepareGroup(Prepared* prep) {
  KvStore::Batch& batch = prep->batch;  // bound: straight into RocksDB's batch (hundreds of events per group)
  std::vector<Pending*>& group = prep->group;
  // What the group does to each of its users: one lookup per event finds it all. The summaries
  // are summary_cache_'s (node-based: the pointers stay valid), updated in place: if preparing or
  // writing the group fails, the caches are dropped (reset_caches_).
  struct UserWork {
    internal::UserSummary* summary = nullptr;
    std::string version_as_loaded;
    bool stats_changed = false;  // by the stats updater or a refresher
    bool rebuilt = false;        // by a refresher: statistics snapshot due
    std::vector<internal::PendingSignal> new_signals;  // in order
  };
  absl::flat_hash_map<std::string, UserWork> users;  // every user here gets its summary written back
  // The group's items' counters, item_cache_'s (node-based too), updated in place like the summaries.
  absl::flat_hash_map<int64_t, internal::ItemStats*> items;
  absl::flat_hash_map<std::pair<int64_t, int64_t>, int64_t> co_deltas;  // (item, neighbour) -> added count
  // Written in key order per column family: a memtable insert then starts its search
  // from where the previous one ended, instead of from the top of the skip list.
  std::vector<std::pair<std::string, std::string>> event_puts;
  std::vector<std::string> id_keys_new;  // their values are empty: only whether a key is there counts
  absl::Status status;
  auto work_of = [&](const std::string& user) -> absl::StatusOr<UserWork*> {
    auto [it, added] = users.try_emplace(user);
    if (added) {
      // The leader is the only writer, so what it committed last is what the store holds.
      auto cached = summary_cache_.find(user);
      if (cached == summary_cache_.end()) {
        auto loaded = GetSummary(user);
        if (!loaded.ok()) {
          users.erase(it);
          return loaded.status();
        }
        cached = summary_cache_.emplace(user, std::move(*loaded)).first;
      }
      it->second.summary = &cached->second;
      it->second.version_as_loaded = cached->second.model_version();
    }
    return &it->second;
  };
  // Refreshes first: they see exactly the committed history, and the appends of
  // this group then build on the refreshed statistics.
  for (Pending* p : group) {
    if (!p->refresher || !status.ok()) continue;
    auto w = work_of(*p->refresh_user);
    if (!w.ok()) {
      status = w.status();
      break;
    }
    auto changed = (*p->refresher)((*w)->summary);
    if (!changed.ok()) {
      p->refreshed = changed.status();  // this refresh failed; the rest of the group goes on
      continue;
    }
    if (*changed) (*w)->rebuilt = (*w)->stats_changed = true;
    p->refreshed = *(*w)->summary;
  }
  // Which event ids the store already holds: one batched lookup for the whole group.
  std::vector<std::string> id_keys;
  for (Pending* p : group) {
    if (p->refresher || p->replay) continue;
    for (const v1::Event& e : p->events) id_keys.push_back(EventIdKey(e.user_id(), e.event_id()));
  }
  std::vector<bool> stored;
  if (status.ok() && !id_keys.empty()) {
    auto found = kv_->Contains("event_ids", id_keys);
    if (found.ok()) {
      stored = std::move(*found);
    } else {
      status = found.status();
    }
  }
  event_puts.reserve(id_keys.size());
  id_keys_new.reserve(id_keys.size());
  size_t next_id = 0;
  std::vector<int64_t> co_items;  // the current event's pairs (stored with it)
  std::string journal;  // the keys of the group's new events, in the order applied
  StartJournalRecord(&journal);
  const size_t empty_journal = journal.size();
  for (Pending* p : group) {
    if (p->refresher || !status.ok()) continue;
    // Replayed events are stored already (with their ids): only the summaries, statistics, item
    // counters and (unless the journal record predates them being checkpointed) co-occurrences are rebuilt.
    const bool replay = p->replay;
    AppendResult r;
    for (const v1::Event& e : p->events) {
      if (!replay) {
        const size_t i = next_id++;
        // In the store, or in this group or one not written yet (inflight_set_ holds both: the
        // group's ids go in as they are met, and out again if it fails to be prepared).
        if (stored[i] || !inflight_set_.insert(id_keys[i]).second) {
          ++r.duplicates;
          continue;
        }
        id_keys_new.push_back(std::move(id_keys[i]));
      }
      auto w = work_of(e.user_id());
      if (!w.ok()) {
        status = w.status();
        break;
      }
      internal::UserSummary* s = (*w)->summary;
      co_items.clear();
      if ((!replay || p->replay_cooc) && IsPositiveEvent(e)) {
        // Co-occurrence with the user's most recent positive items (before this one).
        for (int64_t other : s->liked_item_ids()) {
          if (co_items.size() == kCoWindow) break;
          if (other == e.item_id()) continue;
          co_items.push_back(other);
          co_deltas[{e.item_id(), other}] += 1;
          co_deltas[{other, e.item_id()}] += 1;
        }
      }
      UpdateSummary(e, s);
      if (stats_updater_ && stats_updater_(e, s)) (*w)->stats_changed = true;
      auto [iit, added] = items.try_emplace(e.item_id());
      if (added) {
        auto cached = item_cache_.find(e.item_id());
        if (cached == item_cache_.end()) {
          auto loaded = GetItemStats(e.item_id());
          if (!loaded.ok()) {
            items.erase(iit);
            status = loaded.status();
            break;
          }
          cached = item_cache_.emplace(e.item_id(), std::move(*loaded)).first;
        }
        iit->second = &cached->second;
      }
      UpdateItemStats(e, iit->second);
      (*w)->new_signals.push_back(SignalOf(e));
      ++r.recorded;
      if (replay) continue;
      std::string key = EventKey(e);
      AppendJournalKey(&journal, key);
      event_puts.emplace_back(std::move(key), EventValue(e, co_items));
    }
    p->result = r;
    if (!status.ok()) break;
  }
  if (status.ok()) {
    std::sort(event_puts.begin(), event_puts.end());
    if (prep->checkpoint) {
      events_since_checkpoint_ = 0;
      status = AddCheckpointLocked(&batch);
    }
  }
  if (!status.ok()) {
    prep->status = status;  // nothing is written; every caller of the group gets this
    for (const std::string& id : id_keys_new) inflight_set_.erase(id);
    return;
  }
  for (const auto& [k, v] : event_puts) batch.Put("events", k, v);
  if (journal.size() > empty_journal) batch.Put("journal", JournalKey(++journal_seq_), journal);
  events_since_checkpoint_ += static_cast<int64_t>(event_puts.size());
  // The derived records go to memory, not into the batch: no key order needed (the checkpoint sorts).
  prep->derived.reserve(users.size() + items.size());
  for (auto& [user, w] : users) {
    internal::UserSummary& full = *w.summary;
    if (w.stats_changed) {
      // The statistics changed. Rewriting the snapshot (dim² floats) on every commit made
      // it most of the bytes written; instead the new events are listed as pending (reads
      // replay them) until kMaxStatsPending of them, a rebuild or a new version.
      const bool snapshot = !stats_updater_ || w.rebuilt || full.model_version() != w.version_as_loaded ||
                            PendingCount(full) + w.new_signals.size() > kMaxStatsPending;
      if (snapshot) {
        prep->derived.emplace_back(kUserStats, keys::StringKey(user), StatsPart(full).SerializeAsString());
        full.clear_stats_pending();
        full.clear_stats_pending_signals();
      } else {
        full.mutable_stats_pending_signals()->Add(w.new_signals.begin(), w.new_signals.end());
      }
    }
    // The counters part: the summary without its statistics, which are set aside
    // for the serialisation instead of copied.
    std::string version;
    google::protobuf::RepeatedField<float> gram, rhs;
    version.swap(*full.mutable_model_version());
    gram.Swap(full.mutable_gram());
    rhs.Swap(full.mutable_rhs());
    prep->derived.emplace_back(kUsers, keys::StringKey(user), full.SerializeAsString());
    version.swap(*full.mutable_model_version());
    gram.Swap(full.mutable_gram());
    rhs.Swap(full.mutable_rhs());
  }
  for (const auto& [item, stats] : items) prep->derived.emplace_back(kItems, keys::I64Key(item), stats->SerializeAsString());
  prep->cooc = std::move(co_deltas);  // published like the records above, checkpointed per item
  // The caches run ahead of the store by the groups not written yet; a failed write makes
  // the next leader drop them (reset_caches_). The ids stay in flight until the group's write.
  std::sort(id_keys_new.begin(), id_keys_new.end());
  for (const std::string& k : id_keys_new) batch.Put("event_ids", k, "");
  if (!id_keys_new.empty()) inflight_ids_.emplace_back(prep->seq, std::move(id_keys_new));
}

absl::StatusOr<bool> EventStore::ReadDerivedLocked(int kind, const std::string& key,
                                                   google::protobuf::MessageLite* out,
                                                   const KvStore::Snapshot* view) const {
  auto it = published_[kind].find(key);
  if (it == published_[kind].end()) return kv_->GetProto(DerivedCf(kind), key, out, view);
  if (!out->ParseFromString(it->second)) {
    return absl::InternalError(absl::StrCat("a published ", DerivedCf(kind), " record does not parse"));
  }
  return true;
}

absl::StatusOr<internal::UserSummary> EventStore::GetSummary(const std::string& user_id) const {
  // One read view for the counters, the statistics snapshot and the pending events: a
  // commit in between could otherwise fold the pending events into the snapshot twice.
  // Published records win over the store's (they are newer; a checkpoint only writes them to
  // the store), and the shared lock keeps a group's records from appearing half-way.
  std::shared_lock<std::shared_mutex> published(published_mu_);
  auto view = kv_->GetSnapshot();
  internal::UserSummary s;
  const std::string key = keys::StringKey(user_id);
  ASSIGN_OR_RETURN(bool found, ReadDerivedLocked(kUsers, key, &s, view.get()));
  if (!found) return s;
  FoldTypeCountsByName(&s);
  internal::UserSummary stats;
  ASSIGN_OR_RETURN(bool has_stats, ReadDerivedLocked(kUserStats, key, &stats, view.get()));
  if (has_stats) {  // else: none yet, or a store written before the split (kept in "users")
    if (!UnpackGram(&stats)) {
      return absl::DataLossError(absl::StrCat("the statistics snapshot of user '", user_id, "' has ",
                                              stats.gram_lower_size(), " gram entries for ", stats.rhs_size(),
                                              " dimensions"));
    }
    s.set_model_version(stats.model_version());
    *s.mutable_gram() = std::move(*stats.mutable_gram());
    *s.mutable_rhs() = std::move(*stats.mutable_rhs());
  }
  if (PendingCount(s) > 0) {
    if (!stats_updater_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the statistics of user '", user_id, "' are incomplete in this store and it was opened without "
          "a stats_updater to complete them (open it as the feedback service does)"));
    }
    for (const std::string& key : s.stats_pending()) {
      ASSIGN_OR_RETURN(std::optional<v1::Event> e, GetEvent(key, view.get()));
      if (!e) {
        return absl::DataLossError(absl::StrCat("event ", absl::CHexEscape(key), " of user '", user_id,
                                                "' is pending in the statistics but not stored"));
      }
      stats_updater_(*e, &s);
    }
    // Recorded after those (a store of the older format gains signals only after its keys).
    for (const internal::PendingSignal& p : s.stats_pending_signals()) stats_updater_(EventOf(p), &s);
  }
  return s;
}

double EventStore::PopularityAt(const internal::ItemStats& stats, int64_t now_ms) {
  if (now_ms <= stats.decayed_at_ms()) return stats.decayed_popularity();
  return stats.decayed_popularity() *
         std::exp2(-static_cast<double>(now_ms - stats.decayed_at_ms()) / kPopularityHalfLifeMs);
}

absl::StatusOr<std::vector<CoOccurrence>> EventStore::GetCoOccurrences(int64_t item_id, int limit) const {
  // The store's count map, the older per-pair records and what is published since the last
  // checkpoint, read under the shared lock: a checkpoint moves the published part into the store
  // only with the lock held exclusively, so no delta is counted twice or missed.
  absl::flat_hash_map<int64_t, int64_t> sum;
  const std::string prefix = keys::I64Key(item_id);
  std::shared_lock<std::shared_mutex> published(published_mu_);
  if (kv_->HasColumnFamily("cooc_items")) {  // else a store read-only from before it
    absl::StatusOr<std::string> bytes = kv_->Get("cooc_items", prefix);
    if (bytes.ok()) {
      CountMap counts;
      if (!KvStore::DecodeCountMap(*bytes, &counts)) {
        return absl::DataLossError(absl::StrCat("the co-occurrence record of item ", item_id, " in ", kv_->path(),
                                                " is not a count map"));
      }
      for (const auto& [neighbour, count] : counts) sum[neighbour] += count;
    } else if (!absl::IsNotFound(bytes.status())) {
      return bytes.status();
    }
  }
  RETURN_IF_ERROR(kv_->Scan("cooc", prefix, [&](std::string_view key, std::string_view value) {
    key.remove_prefix(prefix.size());
    int64_t neighbour;
    if (keys::ReadI64(&key, &neighbour)) sum[neighbour] += KvStore::DecodeCounter(value);
    return true;
  }));
  if (auto it = published_cooc_.find(item_id); it != published_cooc_.end()) {
    for (const auto& [neighbour, delta] : it->second) sum[neighbour] += delta;
  }
  published.unlock();
  std::vector<CoOccurrence> v;
  v.reserve(sum.size());
  for (const auto& [neighbour, count] : sum) {
    if (count > 0) v.push_back({neighbour, count});  // 0: all erased
  }
  auto by_count = [](const CoOccurrence& a, const CoOccurrence& b) {
    return a.count != b.count ? a.count > b.count : a.item_id < b.item_id;
  };
  if (limit >= 0 && v.size() > static_cast<size_t>(limit)) {
    std::partial_sort(v.begin(), v.begin() + limit, v.end(), by_count);
    v.resize(limit);
  } else {
    std::sort(v.begin(), v.end(), by_count);
  }
  return v;
}

absl::StatusOr<std::vector<CoOccurrence>> EventStore::GetCoOccurrences(absl::Span<const int64_t> seeds,
                                                                      int limit) const {
  absl::flat_hash_map<int64_t, int64_t> sum;
  absl::flat_hash_set<int64_t> seed_set(seeds.begin(), seeds.end());
  for (int64_t seed : seed_set) {
    ASSIGN_OR_RETURN(std::vector<CoOccurrence> one, GetCoOccurrences(seed, kCoCap));
    for (const CoOccurrence& c : one) {
      if (!seed_set.contains(c.item_id)) sum[c.item_id] += c.count;
    }
  }
  std::vector<CoOccurrence> v;
  v.reserve(sum.size());
  for (const auto& [item, count] : sum) v.push_back({item, count});
  auto by_count = [](const CoOccurrence& a, const CoOccurrence& b) {
    return a.count != b.count ? a.count > b.count : a.item_id < b.item_id;
  };
  const size_t keep = limit < 0 ? v.size() : std::min(v.size(), static_cast<size_t>(limit));
  std::partial_sort(v.begin(), v.begin() + keep, v.end(), by_count);
  v.resize(keep);
  return v;
}

absl::StatusOr<std::vector<EventStore::Popular>> EventStore::TopPopular(int limit, int64_t now_ms) const {
  std::vector<Popular> v;
  internal::ItemStats stats;
  // The popularity of the item counting in `value`, if the item is trending.
  auto add = [&](std::string_view key, std::string_view value) {
    int64_t item;
    if (!keys::ReadI64(&key, &item) || !stats.ParseFromArray(value.data(), static_cast<int>(value.size()))) return;
    const double popularity = PopularityAt(stats, now_ms);
    if (popularity >= kMinTrendingPopularity) v.push_back({item, popularity});
  };
  // The published counters replace the store's: they are newer, and a checkpoint landing during
  // the scan writes the same values. Taken under the lock, the scan then runs without it, so it
  // does not hold up the commits.
  absl::flat_hash_set<std::string> published;
  {
    std::shared_lock<std::shared_mutex> lock(published_mu_);
    published.reserve(published_[kItems].size());
    for (const auto& [key, value] : published_[kItems]) {
      published.insert(key);
      add(key, value);
    }
  }
  RETURN_IF_ERROR(kv_->Scan("items", "", [&](std::string_view key, std::string_view value) {
    if (!published.contains(absl::string_view(key.data(), key.size()))) add(key, value);
    return true;
  }));
  auto better = [](const Popular& a, const Popular& b) {
    return a.popularity != b.popularity ? a.popularity > b.popularity : a.item_id < b.item_id;
  };
  const size_t keep = std::min(v.size(), static_cast<size_t>(std::max(limit, 0)));
  std::partial_sort(v.begin(), v.begin() + keep, v.end(), better);
  v.resize(keep);
  return v;
}

absl::StatusOr<internal::ItemStats> EventStore::GetItemStats(int64_t item_id) const {
  std::shared_lock<std::shared_mutex> published(published_mu_);
  return GetItemStatsLocked(item_id);
}

absl::StatusOr<internal::ItemStats> EventStore::GetItemStatsLocked(int64_t item_id) const {
  internal::ItemStats s;
  ASSIGN_OR_RETURN(bool found, ReadDerivedLocked(kItems, keys::I64Key(item_id), &s, nullptr));
  (void)found;
  return s;
}

absl::Status EventStore::UnparsableEvent(std::string_view key) const {
  return absl::DataLossError(absl::StrCat("event record ", absl::CHexEscape(absl::string_view(key.data(), key.size())),
                                          " of ", kv_->path(), " does not parse"));
}

absl::StatusOr<std::optional<v1::Event>> EventStore::GetEvent(const std::string& key,
                                                              const KvStore::Snapshot* view) const {
  absl::StatusOr<std::string> value = kv_->Get("events", key, view);
  if (absl::IsNotFound(value.status())) return std::nullopt;
  if (!value.ok()) return value.status();
  v1::Event e;
  if (!ParseEvent(key, *value, &e)) return UnparsableEvent(key);
  return e;
}

absl::Status EventStore::ScanUser(const std::string& user_id, int64_t since_ms, int64_t until_ms,
                                  const std::string& resume_key, const EventFn& fn) const {
  return ScanUserStored(user_id, since_ms, until_ms, resume_key,
                        [&](const std::string& key, const v1::Event& e, const internal::StoredEvent&) {
                          return fn(key, e);
                        });
}

absl::Status EventStore::ScanUserStored(const std::string& user_id, int64_t since_ms, int64_t until_ms,
                                        const std::string& resume_key, const StoredEventFn& fn) const {
  std::string prefix = keys::StringKey(user_id);
  std::string start = prefix;
  if (since_ms != 0) keys::AppendI64(&start, since_ms);
  if (!resume_key.empty() && resume_key > start) start = resume_key + '\0';  // strictly after
  absl::Status parse;
  RETURN_IF_ERROR(kv_->Scan("events", prefix, [&](std::string_view key, std::string_view value) {
    v1::Event e;
    internal::StoredEvent stored;
    if (!ParseEvent(key, value, &e, &stored)) {
      parse = UnparsableEvent(key);
      return false;
    }
    if (until_ms != 0 && e.timestamp_ms() >= until_ms) return false;
    return fn(std::string(key), e, stored);
  }, start));
  return parse;
}

absl::Status EventStore::ScanAll(const EventFn& fn) const {
  return kv_->Scan("events", "", [&](std::string_view key, std::string_view value) {
    v1::Event e;
    if (!ParseEvent(key, value, &e)) return true;
    return fn(std::string(key), e);
  });
}

absl::StatusOr<int64_t> EventStore::DeleteUser(const std::string& user_id) {
  // Serialised with appends, so no event of the user can slip in half-way.
  std::unique_lock<std::mutex> lock(mu_);
  ++store_waiters_;
  ++role_waiters_;  // the leader thread lets us in after its current group
  cv_.wait(lock, [&] { return !leader_active_; });
  --role_waiters_;
  --store_waiters_;
  leader_active_ = true;
  DrainLocked(lock);  // the user's history is complete in the store
  lock.unlock();
  // And the counters too: published records go to the store first, so that what this writes
  // below never has to be combined with them (and the journal no longer replays anything).
  if (absl::Status c = WriteCheckpointHoldingLeader(); !c.ok()) {
    lock.lock();
    leader_active_ = false;
    WakeStoreWaitersLocked();
    WakeNextLocked();
    return c;
  }
  KvStore::Batch batch(kv_.get());
  int64_t n = 0;
  // The user's share of the item counters and co-occurrences goes too: subtract what each event
  // added. A positive event stores the items it was paired with; for the events of an older store,
  // which do not, the pairs are derived again by replaying the history in time order as Append saw
  // it (liked list, co-occurrence window), exact when they arrived in time order.
  absl::flat_hash_map<int64_t, internal::ItemStats> items;
  absl::flat_hash_map<int64_t, absl::flat_hash_map<int64_t, int64_t>> co_deltas;  // item -> neighbour -> delta
  internal::UserSummary replay;
  absl::Status s = ScanUserStored(user_id, 0, 0, "", [&](const std::string& key, const v1::Event& e,
                                                         const internal::StoredEvent& stored) {
    batch.Delete("events", key);
    batch.Delete("event_ids", EventIdKey(user_id, e.event_id()));
    ++n;
    if (IsPositiveEvent(e)) {
      std::vector<int64_t> paired(stored.co_items().begin(), stored.co_items().end());
      if (!stored.co_counted()) {
        for (int64_t other : replay.liked_item_ids()) {
          if (paired.size() == kCoWindow) break;
          if (other != e.item_id()) paired.push_back(other);
        }
      }
      for (int64_t other : paired) {
        co_deltas[e.item_id()][other] -= 1;
        co_deltas[other][e.item_id()] -= 1;
      }
    }
    UpdateSummary(e, &replay);
    auto it = items.find(e.item_id());
    if (it == items.end()) {
      auto cached = item_cache_.find(e.item_id());
      internal::ItemStats loaded;
      if (cached != item_cache_.end()) {
        loaded = cached->second;
      } else if (auto got = GetItemStats(e.item_id()); got.ok()) {
        loaded = std::move(*got);
      }
      it = items.emplace(e.item_id(), std::move(loaded)).first;
    }
    RemoveFromItemStats(e, &it->second);
    return true;
  });
  batch.Delete("users", keys::StringKey(user_id));
  batch.Delete("user_stats", keys::StringKey(user_id));
  for (const auto& [item, stats] : items) batch.PutProto("items", keys::I64Key(item), stats);
  AddCoOccurrences(co_deltas, &batch);  // counted in the per-pair records of an older store, they still cancel out
  summary_cache_.erase(user_id);  // we hold the leader role
  if (s.ok()) s = kv_->Write(batch);
  if (s.ok()) {
    for (auto& [item, stats] : items) {
      if (item_cache_.contains(item)) item_cache_[item] = stats;
    }
  } else {
    item_cache_.clear();  // not written: drop what may now disagree with the store
  }
  lock.lock();
  leader_active_ = false;
  WakeStoreWaitersLocked();
  WakeNextLocked();
  if (!s.ok()) return s;
  return n;
}

}  // namespace chatrec::events
