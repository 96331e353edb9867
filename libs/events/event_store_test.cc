#include "libs/events/event_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/storage/key_codec.h"
#include "libs/storage/kv_store.h"

namespace chatrec::events {
namespace {

v1::Event Ev(const std::string& id, const std::string& user, int64_t item, v1::EventType type, int64_t ts) {
  v1::Event e;
  e.set_event_id(id);
  e.set_user_id(user);
  e.set_item_id(item);
  e.set_type(type);
  e.set_timestamp_ms(ts);
  return e;
}

class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("events_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = *EventStore::Open({.path = dir_});
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // The store's RocksDB directly (with store_ closed), to write records as an older version did.
  std::unique_ptr<storage::KvStore> OpenRaw() {
    return *storage::KvStore::Open({.path = dir_.string(),
                                    .column_families = {"events", "event_ids", "users", "user_stats", "items", "cooc",
                                                        "cooc_items", "journal"},
                                    .counter_column_families = {"cooc"},
                                    .count_map_column_families = {"cooc_items"}});
  }
  std::filesystem::path dir_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(EventStoreTest, RetriedEventIsStoredOnce) {
  std::vector<v1::Event> events = {Ev("e1", "u", 10, v1::EVENT_TYPE_LIKE, 100),
                                   Ev("e1", "u", 10, v1::EVENT_TYPE_LIKE, 100)};
  auto r = store_->Append(events);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->recorded, 1);
  EXPECT_EQ(r->duplicates, 1);
  r = store_->Append({events[0]});
  EXPECT_EQ(r->recorded, 0);
  auto s = *store_->GetSummary("u");
  EXPECT_EQ(s.event_count(), 1);
  EXPECT_EQ(s.liked_item_ids(0), 10);
  EXPECT_EQ(store_->GetItemStats(10)->positives(), 1);
}

// An event's stored value leaves out the user, time and event id (its key holds them), and an
// event id record is the key alone; reads give the whole event back. Events an older version
// stored whole read the same.
TEST_F(EventStoreTest, EventsAreStoredWithoutWhatTheirKeyHolds) {
  v1::Event e = Ev("event-id-1", "user-name", 42, v1::EVENT_TYPE_RATING, 1234);
  e.set_rating(4);
  e.set_session_id("s1");
  e.set_source("web");
  ASSERT_TRUE(store_->Append({e}).ok());
  store_.reset();
  {
    auto kv = OpenRaw();
    int n = 0;
    ASSERT_TRUE(kv->Scan("events", "", [&](std::string_view, std::string_view value) {
      ++n;
      EXPECT_EQ(value.find("user-name"), std::string_view::npos);
      EXPECT_EQ(value.find("event-id-1"), std::string_view::npos);
      return true;
    }).ok());
    EXPECT_EQ(n, 1);
    ASSERT_TRUE(kv->Scan("event_ids", "", [&](std::string_view, std::string_view value) {
      EXPECT_TRUE(value.empty());
      return true;
    }).ok());
    // As an older version wrote it: the whole event as the value.
    v1::Event old = Ev("old-id", "user-name", 7, v1::EVENT_TYPE_LIKE, 999);
    std::string key = storage::keys::StringKey("user-name");
    storage::keys::AppendI64(&key, 999);
    storage::keys::AppendString(&key, "old-id");
    ASSERT_TRUE(kv->Put("events", key, old.SerializeAsString()).ok());
  }
  store_ = *EventStore::Open({.path = dir_});
  std::vector<v1::Event> read;
  ASSERT_TRUE(store_->ScanUser("user-name", 0, 0, "", [&](const std::string&, const v1::Event& got) {
    read.push_back(got);
    return true;
  }).ok());
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].event_id(), "old-id");
  EXPECT_EQ(read[0].timestamp_ms(), 999);
  EXPECT_EQ(read[0].item_id(), 7);
  EXPECT_EQ(read[1].SerializeAsString(), e.SerializeAsString());  // every field back, user and id included
  // The retry is still recognised as one.
  EXPECT_EQ(store_->Append({e})->duplicates, 1);
}

TEST_F(EventStoreTest, ScanUserIsTimeOrderedAndFiltered) {
  ASSERT_TRUE(store_->Append({Ev("b", "u", 2, v1::EVENT_TYPE_CLICK, 200), Ev("a", "u", 1, v1::EVENT_TYPE_CLICK, 100),
                              Ev("c", "u", 3, v1::EVENT_TYPE_CLICK, 300), Ev("x", "u2", 3, v1::EVENT_TYPE_CLICK, 150)})
                  .ok());
  std::vector<int64_t> items;
  std::string last;
  ASSERT_TRUE(store_->ScanUser("u", 150, 0, "", [&](const std::string& key, const v1::Event& e) {
                      items.push_back(e.item_id());
                      last = key;
                      return items.size() < 1;
                    }).ok());
  EXPECT_EQ(items, (std::vector<int64_t>{2}));
  ASSERT_TRUE(store_->ScanUser("u", 150, 0, last, [&](const std::string&, const v1::Event& e) {
                      items.push_back(e.item_id());
                      return true;
                    }).ok());
  EXPECT_EQ(items, (std::vector<int64_t>{2, 3}));
}

TEST_F(EventStoreTest, ConcurrentAppendsAreAllDurableAndCountedOnce) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto e = Ev("t" + std::to_string(t) + "-" + std::to_string(i), "user" + std::to_string(t % 2), i,
                    v1::EVENT_TYPE_LIKE, i);
        ASSERT_TRUE(store_->Append({e}).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store_->GetSummary("user0")->event_count(), 200);
  EXPECT_EQ(store_->GetSummary("user1")->event_count(), 200);
  EXPECT_EQ(store_->GetItemStats(7)->positives(), 8);
}

// Retries race the first sends: an event can be a duplicate of one whose group is prepared but
// not written yet (the leader prepares a group while the previous one is written). Each event
// is still stored and counted once, and every call's recorded + duplicates is its batch size.
TEST_F(EventStoreTest, RetriesOfEventsStillInFlightAreDuplicatesAndStoredOnce) {
  std::atomic<int64_t> recorded{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 60; ++i) {
        // Every thread sends the same 60 batches of 5 events (ids shared), in a different order.
        const int b = (i * (t + 1) * 7) % 60;
        std::vector<v1::Event> batch;
        for (int j = 0; j < 5; ++j) {
          const int n = b * 5 + j;
          batch.push_back(Ev("e" + std::to_string(n), "u" + std::to_string(n % 3), n % 11,
                             n % 2 ? v1::EVENT_TYPE_LIKE : v1::EVENT_TYPE_IMPRESSION, 1000 + n));
        }
        auto r = store_->Append(batch);
        ASSERT_TRUE(r.ok()) << r.status();
        EXPECT_EQ(r->recorded + r->duplicates, 5);
        recorded += r->recorded;
        duplicates += r->duplicates;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(recorded.load(), 300);
  EXPECT_EQ(duplicates.load(), 7 * 300);
  int64_t events = 0, stored = 0;
  for (int u = 0; u < 3; ++u) {
    events += store_->GetSummary("u" + std::to_string(u))->event_count();
    ASSERT_TRUE(store_->ScanUser("u" + std::to_string(u), 0, 0, "", [&](const std::string&, const v1::Event&) {
      ++stored;
      return true;
    }).ok());
  }
  EXPECT_EQ(events, 300);
  EXPECT_EQ(stored, 300);
  int64_t item_events = 0;
  for (int item = 0; item < 11; ++item) item_events += store_->GetItemStats(item)->events();
  EXPECT_EQ(item_events, 300);
}

// AppendAsync returns at once and completes every call once its events are durable, with the
// same counts Append gives (a retry is a duplicate), also for calls still queued when the
// store closes; what it acknowledged is there after a reopen.
TEST_F(EventStoreTest, AsyncAppendsCompleteOnceDurableAndAllCompleteWhenTheStoreCloses) {
  std::mutex mu;
  std::vector<absl::StatusOr<AppendResult>> results;
  auto record = [&](std::vector<v1::Event> events) {
    store_->AppendAsync(std::move(events), [&](absl::StatusOr<AppendResult> r) {
      std::lock_guard<std::mutex> lock(mu);
      results.push_back(std::move(r));
    });
  };
  constexpr int kCalls = 200;
  for (int i = 0; i < kCalls; ++i) {
    record({Ev(absl::StrCat("e", i), absl::StrCat("u", i % 7), 1 + i % 30, v1::EVENT_TYPE_LIKE, i),
            Ev(absl::StrCat("e", i / 2), absl::StrCat("u", (i / 2) % 7), 1 + (i / 2) % 30, v1::EVENT_TYPE_LIKE, i / 2)});
  }
  store_.reset();  // completes what is still queued
  ASSERT_EQ(results.size(), static_cast<size_t>(kCalls));
  int64_t recorded = 0, duplicates = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    recorded += r->recorded;
    duplicates += r->duplicates;
  }
  EXPECT_EQ(recorded, kCalls);  // e0..e199 once each
  EXPECT_EQ(duplicates, kCalls);
  store_ = *EventStore::Open({.path = dir_});
  int64_t stored = 0;
  ASSERT_TRUE(store_->ScanAll([&](const std::string&, const v1::Event&) { return ++stored; }).ok());
  EXPECT_EQ(stored, kCalls);
}

TEST_F(EventStoreTest, DeleteUserErasesHistoryAndSummary) {
  ASSERT_TRUE(store_->Append({Ev("a", "u", 1, v1::EVENT_TYPE_LIKE, 1), Ev("b", "v", 1, v1::EVENT_TYPE_LIKE, 1)}).ok());
  EXPECT_EQ(*store_->DeleteUser("u"), 1);
  EXPECT_EQ(store_->GetSummary("u")->event_count(), 0);
  int n = 0;
  ASSERT_TRUE(store_->ScanAll([&](const std::string&, const v1::Event&) { return ++n; }).ok());
  EXPECT_EQ(n, 1);
  // The same event id may be used again after erasure.
  EXPECT_EQ(store_->Append({Ev("a", "u", 1, v1::EVENT_TYPE_LIKE, 1)})->recorded, 1);
}

// The commit threads never stop preparing while appends keep coming; DeleteUser and Checkpoint
// still get their turn (after the group being prepared), and erase exactly the user's events.
TEST_F(EventStoreTest, DeleteUserAndCheckpointGetTheirTurnUnderContinuousAppends) {
  ASSERT_TRUE(store_->Append({Ev("x1", "gone", 3, v1::EVENT_TYPE_LIKE, 1), Ev("x2", "gone", 4, v1::EVENT_TYPE_LIKE, 2)})
                  .ok());
  std::atomic<bool> stop{false};
  std::atomic<int64_t> appended{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        auto r = store_->Append({Ev(absl::StrCat("w", t, "-", i), absl::StrCat("busy", t), 1 + i % 50,
                                    v1::EVENT_TYPE_CLICK, i)});
        ASSERT_TRUE(r.ok()) << r.status();
        appended += r->recorded;
      }
    });
  }
  while (appended.load() < 200) std::this_thread::yield();
  EXPECT_EQ(*store_->DeleteUser("gone"), 2);
  EXPECT_TRUE(store_->Checkpoint().ok());
  stop = true;
  for (auto& th : writers) th.join();
  EXPECT_EQ(store_->GetSummary("gone")->event_count(), 0);
  int64_t busy = 0;
  for (int t = 0; t < 4; ++t) busy += store_->GetSummary(absl::StrCat("busy", t))->event_count();
  EXPECT_EQ(busy, appended.load());
}

// Co-occurrences are counted in arrival order (the user's last kCoWindow positive items when an
// event arrives); events sent with client timestamps out of order must still come out exactly:
// item 7 arrives last but is the user's oldest like, so arrival pairs it with 2..6 where time
// order would pair it with 1..5.
TEST_F(EventStoreTest, DeleteUserTakesOutExactlyThePairsCountedWhenEventsArrivedOutOfTimeOrder) {
  for (int64_t item = 1; item <= 6; ++item) {
    ASSERT_TRUE(store_->Append({Ev(absl::StrCat("u", item), "u", item, v1::EVENT_TYPE_LIKE, 100 + item)}).ok());
  }
  ASSERT_TRUE(store_->Append({Ev("u7", "u", 7, v1::EVENT_TYPE_LIKE, 50)}).ok());
  ASSERT_TRUE(store_->Append({Ev("v1", "v", 8, v1::EVENT_TYPE_LIKE, 10), Ev("v2", "v", 9, v1::EVENT_TYPE_LIKE, 20)}).ok());
  auto with7 = store_->GetCoOccurrences(7, -1);
  ASSERT_TRUE(with7.ok());
  std::vector<int64_t> items;
  for (const CoOccurrence& c : *with7) items.push_back(c.item_id);
  std::sort(items.begin(), items.end());
  EXPECT_EQ(items, (std::vector<int64_t>{2, 3, 4, 5, 6}));
  EXPECT_EQ(*store_->DeleteUser("u"), 7);
  for (int64_t item = 1; item <= 7; ++item) {
    EXPECT_TRUE(store_->GetCoOccurrences(item, -1)->empty()) << "item " << item << " keeps pairs of the erased user";
  }
  ASSERT_EQ(store_->GetCoOccurrences(8, -1)->size(), 1u);  // v's pair stays
}

TEST_F(EventStoreTest, DeleteUserTakesTheUsersEventsOutOfTheItemCounters) {
  ASSERT_TRUE(store_->Append({Ev("a", "u", 1, v1::EVENT_TYPE_LIKE, 10), Ev("b", "u", 2, v1::EVENT_TYPE_LIKE, 20),
                              Ev("c", "u", 3, v1::EVENT_TYPE_DISLIKE, 30), Ev("d", "v", 1, v1::EVENT_TYPE_LIKE, 40),
                              Ev("e", "v", 2, v1::EVENT_TYPE_LIKE, 50), Ev("f", "v", 3, v1::EVENT_TYPE_LIKE, 60)})
                  .ok());
  ASSERT_EQ(store_->GetCoOccurrences(1, 10)->at(0).count, 2);
  ASSERT_EQ(store_->GetItemStats(1)->positives(), 2);
  EXPECT_EQ(*store_->DeleteUser("u"), 3);
  // What is left is exactly what v alone would have produced.
  auto i1 = *store_->GetItemStats(1);
  EXPECT_EQ(i1.events(), 1);
  EXPECT_EQ(i1.positives(), 1);
  EXPECT_NEAR(EventStore::PopularityAt(i1, 40), 1.0, 1e-9);
  auto i3 = *store_->GetItemStats(3);
  EXPECT_EQ(i3.events(), 1);
  EXPECT_EQ(i3.negatives(), 0);
  auto co = *store_->GetCoOccurrences(1, 10);
  ASSERT_EQ(co.size(), 2u);
  EXPECT_EQ(co[0].count, 1);
  EXPECT_EQ(co[1].count, 1);
  ASSERT_TRUE(store_->DeleteUser("v").ok());
  EXPECT_TRUE(store_->GetCoOccurrences(1, 10)->empty()) << "no one is left who liked item 1";
  EXPECT_EQ(store_->GetItemStats(2)->positives(), 0);
  EXPECT_TRUE(store_->TopPopular(10, 60)->empty());
}

TEST_F(EventStoreTest, PositiveEventsOfOneUserCoOccur) {
  ASSERT_TRUE(store_->Append({Ev("a", "u", 1, v1::EVENT_TYPE_LIKE, 1), Ev("b", "u", 2, v1::EVENT_TYPE_WATCH, 2),
                              Ev("c", "u", 9, v1::EVENT_TYPE_IMPRESSION, 3)})
                  .ok());
  ASSERT_TRUE(store_->Append({Ev("d", "u", 3, v1::EVENT_TYPE_LIKE, 4), Ev("e", "v", 1, v1::EVENT_TYPE_LIKE, 5),
                              Ev("f", "v", 3, v1::EVENT_TYPE_LIKE, 6)})
                  .ok());
  auto co = *store_->GetCoOccurrences(3, 10);
  ASSERT_EQ(co.size(), 2u);
  EXPECT_EQ(co[0].item_id, 1);  // liked with 3 by both users
  EXPECT_EQ(co[0].count, 2);
  EXPECT_EQ(co[1].item_id, 2);
  EXPECT_EQ(co[1].count, 1);
  EXPECT_TRUE(store_->GetCoOccurrences(9, 10)->empty()) << "an impression says nothing about taste";
  EXPECT_EQ(store_->GetCoOccurrences(1, 1)->size(), 1u);
}

TEST_F(EventStoreTest, PopularityHalvesEveryHalfLife) {
  ASSERT_TRUE(store_->Append({Ev("a", "u", 1, v1::EVENT_TYPE_LIKE, 1000), Ev("b", "v", 1, v1::EVENT_TYPE_LIKE, 1000)})
                  .ok());
  auto stats = *store_->GetItemStats(1);
  EXPECT_DOUBLE_EQ(EventStore::PopularityAt(stats, 1000), 2.0);
  EXPECT_NEAR(EventStore::PopularityAt(stats, 1000 + static_cast<int64_t>(EventStore::kPopularityHalfLifeMs)), 1.0,
              1e-9);
}

TEST_F(EventStoreTest, CoOccurrencesOfSeveralSeedsAreSummedWithoutTheSeeds) {
  // u: 1 then 2 then 3; v: 1 then 3.
  ASSERT_TRUE(store_->Append({Ev("a", "u", 1, v1::EVENT_TYPE_LIKE, 1), Ev("b", "u", 2, v1::EVENT_TYPE_LIKE, 2),
                              Ev("c", "u", 3, v1::EVENT_TYPE_LIKE, 3), Ev("d", "v", 1, v1::EVENT_TYPE_LIKE, 4),
                              Ev("e", "v", 3, v1::EVENT_TYPE_LIKE, 5)})
                  .ok());
  std::vector<int64_t> seeds = {1, 2, 2};
  auto co = *store_->GetCoOccurrences(absl::MakeConstSpan(seeds), 10);
  ASSERT_EQ(co.size(), 1u);
  EXPECT_EQ(co[0].item_id, 3);
  EXPECT_EQ(co[0].count, 3);  // 2 with item 1 (u and v), 1 with item 2 (u)
}

TEST_F(EventStoreTest, TopPopularRanksByDecayedPopularityAndDropsStaleItems) {
  const int64_t week = static_cast<int64_t>(EventStore::kPopularityHalfLifeMs);
  const int64_t now = 100 * week;
  ASSERT_TRUE(store_->Append({Ev("a", "u", 1, v1::EVENT_TYPE_LIKE, now - week), Ev("b", "v", 1, v1::EVENT_TYPE_LIKE, now - week),
                              Ev("c", "u", 2, v1::EVENT_TYPE_LIKE, now), Ev("c2", "v", 2, v1::EVENT_TYPE_LIKE, now),
                              Ev("d", "u", 3, v1::EVENT_TYPE_LIKE, 0),
                              Ev("e", "u", 4, v1::EVENT_TYPE_IMPRESSION, now)})
                  .ok());
  auto top = *store_->TopPopular(10, now);
  ASSERT_EQ(top.size(), 2u) << "item 3 was liked 100 half-lives ago; item 4 only shown";
  EXPECT_EQ(top[0].item_id, 2);  // 2.0 now, against 2 x 0.5 for item 1
  EXPECT_EQ(top[1].item_id, 1);
  EXPECT_NEAR(top[1].popularity, 1.0, 1e-9);
  EXPECT_EQ(store_->TopPopular(1, now)->size(), 1u);
}

// A refresh that rebuilds a count from the history, racing with appends that
// keep it current: no append may be lost in between.
TEST_F(EventStoreTest, RefreshSummaryNeverLosesAConcurrentAppend) {
  SummaryUpdater updater = [](const v1::Event&, internal::UserSummary* s) {
    if (s->model_version() != "rebuilt") return false;
    s->set_rhs(0, s->rhs(0) + 1);
    return true;
  };
  store_.reset();
  store_ = *EventStore::Open({.path = dir_.string(), .stats_updater = updater});
  std::atomic<bool> done{false};
  std::thread refresher([&] {
    do {
      auto r = store_->RefreshSummary("u", [&](internal::UserSummary* s) -> absl::StatusOr<bool> {
        float n = 0;
        RETURN_IF_ERROR(store_->ScanUser("u", 0, 0, "", [&](const std::string&, const v1::Event&) {
          ++n;
          return true;
        }));
        s->set_model_version("rebuilt");
        s->clear_rhs();
        s->add_rhs(n);
        return true;
      });
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->rhs(0), static_cast<float>(r->event_count()));
    } while (!done.load());
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(store_->Append({Ev(std::to_string(t) + "-" + std::to_string(i), "u", i, v1::EVENT_TYPE_CLICK, i)})
                        .ok());
      }
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  refresher.join();
  auto s = *store_->GetSummary("u");
  EXPECT_EQ(s.event_count(), 400);
  ASSERT_EQ(s.model_version(), "rebuilt");
  EXPECT_EQ(s.rhs(0), 400.f);
}

// Statistics for the tests of their snapshot: rhs(0) counts the events, rhs(1) sums their
// item ids (times the rating, for ratings): order-independent, exact in float.
SummaryUpdater CountingUpdater() {
  return [](const v1::Event& e, internal::UserSummary* s) {
    if (s->model_version().empty()) {
      s->set_model_version("m");
      s->add_rhs(0);
      s->add_rhs(0);
    }
    s->set_rhs(0, s->rhs(0) + 1);
    s->set_rhs(1, s->rhs(1) + static_cast<float>(e.item_id()) * (e.type() == v1::EVENT_TYPE_RATING ? e.rating() : 1));
    return true;
  };
}

// Statistics are stored as a snapshot plus the events not in it yet; every read (after
// restarts too) must see exactly the sum over the whole history.
TEST_F(EventStoreTest, StatisticsSnapshotPlusPendingEventsEqualTheWholeHistory) {
  SummaryUpdater updater = CountingUpdater();
  store_.reset();
  store_ = *EventStore::Open({.path = dir_.string(), .stats_updater = updater});
  float id_sum = 0;
  int n = 0;
  bool saw_pending = false, saw_snapshot_reset = false;
  for (int batch = 0; batch < 30; ++batch) {
    std::vector<v1::Event> events;
    for (int i = 0; i < 1 + batch % 4; ++i, ++n) {
      events.push_back(Ev("e" + std::to_string(n), "u", 1 + n % 7, v1::EVENT_TYPE_CLICK, 1000 + n));
      id_sum += static_cast<float>(1 + n % 7);
    }
    ASSERT_TRUE(store_->Append(events).ok());
    auto s = store_->GetSummary("u");
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->rhs(0), static_cast<float>(n));
    EXPECT_EQ(s->rhs(1), id_sum);
    EXPECT_LE(s->stats_pending_signals_size(), EventStore::kMaxStatsPending);
    EXPECT_EQ(s->stats_pending_size(), 0);  // the older form (event keys) is no longer written
    saw_pending = saw_pending || s->stats_pending_signals_size() > 0;
    saw_snapshot_reset = saw_snapshot_reset || (n > 1 && s->stats_pending_signals_size() == 0);
    if (batch % 10 == 9) {  // a restart: nothing cached
      store_.reset();
      store_ = *EventStore::Open({.path = dir_.string(), .stats_updater = updater});
    }
  }
  EXPECT_TRUE(saw_pending);
  EXPECT_TRUE(saw_snapshot_reset);
  // A reader that cannot replay is told so instead of getting incomplete statistics.
  auto s = store_->GetSummary("u");
  ASSERT_TRUE(s.ok());
  if (s->stats_pending_signals_size() == 0) {
    ASSERT_TRUE(store_->Append({Ev("last", "u", 3, v1::EVENT_TYPE_CLICK, 5000)}).ok());
  }
  store_.reset();
  store_ = *EventStore::Open({.path = dir_.string()});
  EXPECT_EQ(store_->GetSummary("u").status().code(), absl::StatusCode::kFailedPrecondition);
  // DeleteUser takes the pending list with it.
  ASSERT_TRUE(store_->DeleteUser("u").ok());
  EXPECT_EQ(store_->GetSummary("u")->event_count(), 0);
}

// Stores written before pending events were kept as signals list them as event keys: those
// are still replayed (by reading the events), and new events add signals after them.
TEST_F(EventStoreTest, PendingEventKeysOfTheOlderFormatAreStillReplayed) {
  SummaryUpdater updater = CountingUpdater();
  store_.reset();
  store_ = *EventStore::Open({.path = dir_.string(), .stats_updater = updater});
  std::vector<v1::Event> first = {Ev("a", "u", 2, v1::EVENT_TYPE_CLICK, 10), Ev("b", "u", 5, v1::EVENT_TYPE_RATING, 20)};
  first[1].set_rating(4);
  ASSERT_TRUE(store_->Append({first[0]}).ok());  // the first event snapshots (a new version)
  ASSERT_TRUE(store_->Append({first[1]}).ok());  // pending
  ASSERT_EQ(store_->GetSummary("u")->stats_pending_signals_size(), 1);
  store_.reset();
  {  // Rewrite the pending signal as the older format's event key.
    auto kv = OpenRaw();
    internal::UserSummary s;
    ASSERT_TRUE(*kv->GetProto("users", storage::keys::StringKey("u"), &s));
    std::string key_of_b;
    ASSERT_TRUE(kv->Scan("events", storage::keys::StringKey("u"), [&](std::string_view k, std::string_view) {
                      key_of_b = std::string(k);  // the last in time order: "b"
                      return true;
                    }).ok());
    s.clear_stats_pending_signals();
    s.add_stats_pending(key_of_b);
    ASSERT_TRUE(kv->PutProto("users", storage::keys::StringKey("u"), s).ok());
  }
  store_ = *EventStore::Open({.path = dir_.string(), .stats_updater = updater});
  auto s = store_->GetSummary("u");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->rhs(0), 2.f);
  EXPECT_EQ(s->rhs(1), 2.f + 5.f * 4);
  ASSERT_TRUE(store_->Append({Ev("c", "u", 7, v1::EVENT_TYPE_LIKE, 30)}).ok());
  store_.reset();  // nothing cached
  store_ = *EventStore::Open({.path = dir_.string(), .stats_updater = updater});
  s = store_->GetSummary("u");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->stats_pending_size(), 1);
  EXPECT_EQ(s->stats_pending_signals_size(), 1);
  EXPECT_EQ(s->rhs(0), 3.f);
  EXPECT_EQ(s->rhs(1), 2.f + 20 + 7);
}

// Counts by type are a varint array by type number; a summary of an older store, which counts
// by type name, reads the same and goes on counting.
TEST_F(EventStoreTest, CountsByTypeNameOfAnOlderStoreStillReadAndGoOn) {
  ASSERT_TRUE(store_->Append({Ev("a", "u", 2, v1::EVENT_TYPE_CLICK, 10), Ev("b", "u", 3, v1::EVENT_TYPE_LIKE, 20)}).ok());
  auto now = store_->GetSummary("u");
  ASSERT_TRUE(now.ok());
  EXPECT_TRUE(now->counts_by_type().empty());
  ASSERT_GT(now->type_counts_size(), v1::EVENT_TYPE_LIKE);
  EXPECT_EQ(now->type_counts(v1::EVENT_TYPE_CLICK), 1);
  EXPECT_EQ(now->type_counts(v1::EVENT_TYPE_LIKE), 1);
  store_.reset();
  {  // Rewrite the counts as the older format held them.
    auto kv = OpenRaw();
    internal::UserSummary s;
    ASSERT_TRUE(*kv->GetProto("users", storage::keys::StringKey("u"), &s));
    s.clear_type_counts();
    (*s.mutable_counts_by_type())["EVENT_TYPE_CLICK"] = 1;
    (*s.mutable_counts_by_type())["EVENT_TYPE_LIKE"] = 1;
    ASSERT_TRUE(kv->PutProto("users", storage::keys::StringKey("u"), s).ok());
  }
  store_ = *EventStore::Open({.path = dir_});
  ASSERT_TRUE(store_->Append({Ev("c", "u", 4, v1::EVENT_TYPE_CLICK, 30)}).ok());
  store_.reset();  // nothing cached
  store_ = *EventStore::Open({.path = dir_});
  auto s = store_->GetSummary("u");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->counts_by_type().empty());
  EXPECT_EQ(s->type_counts(v1::EVENT_TYPE_CLICK), 2);
  EXPECT_EQ(s->type_counts(v1::EVENT_TYPE_LIKE), 1);
  EXPECT_EQ(s->event_count(), 3);
}

// The snapshot stores gram's lower triangle only (half the bytes); read back, the gram is the
// same lower triangle with zeros above, bit for bit. A snapshot of the older format (the
// full gram) is still read as it is.
TEST_F(EventStoreTest, StatisticsSnapshotKeepsTheGramsLowerTriangleExactly) {
  constexpr int d = 3;
  SummaryUpdater updater = [](const v1::Event& e, internal::UserSummary* s) {
    if (s->model_version().empty()) {
      s->set_model_version("m");
      s->mutable_rhs()->Resize(d, 0.f);
      s->mutable_gram()->Resize(d * d, 0.f);
    }
    for (int i = 0; i < d; ++i) {
      s->set_rhs(i, s->rhs(i) + 1);
      for (int j = 0; j <= i; ++j) s->set_gram(i * d + j, s->gram(i * d + j) + 0.1f * (i + 1) + j + e.item_id() / 7.f);
    }
    return true;
  };
  store_.reset();
  store_ = *EventStore::Open({.path = dir_.string(), .stats_updater = updater});
  ASSERT_TRUE(store_->Append({Ev("a", "u", 3, v1::EVENT_TYPE_LIKE, 10)}).ok());  // a new version: snapshot
  auto before = store_->GetSummary("u");
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->stats_pending_signals_size(), 0);
  store_.reset();
  {
    auto kv = OpenRaw();
    internal::UserSummary stored;
    ASSERT_TRUE(*kv->GetProto("user_stats", storage::keys::StringKey("u"), &stored));
    EXPECT_EQ(stored.gram_size(), 0);
    EXPECT_EQ(stored.gram_lower_size(), d * (d + 1) / 2);
    // A snapshot as written before: the full gram.
    internal::UserSummary older;
    older.set_model_version("m");
    *older.mutable_rhs() = before->rhs();
    *older.mutable_gram() = before->gram();
    ASSERT_TRUE(kv->PutProto("user_stats", storage::keys::StringKey("v"), older).ok());
    internal::UserSummary counters;
    counters.set_event_count(1);
    ASSERT_TRUE(kv->PutProto("users", storage::keys::StringKey("v"), counters).ok());
    // A snapshot whose triangle does not fit its dimension is reported, not misread.
    internal::UserSummary broken = stored;
    broken.mutable_gram_lower()->RemoveLast();
    ASSERT_TRUE(kv->PutProto("user_stats", storage::keys::StringKey("w"), broken).ok());
    ASSERT_TRUE(kv->PutProto("users", storage::keys::StringKey("w"), counters).ok());
  }
  store_ = *EventStore::Open({.path = dir_.string(), .stats_updater = updater});
  for (const char* user : {"u", "v"}) {
    auto after = store_->GetSummary(user);
    ASSERT_TRUE(after.ok()) << after.status();
    ASSERT_EQ(after->gram_size(), d * d) << user;
    for (int k = 0; k < d * d; ++k) EXPECT_EQ(after->gram(k), before->gram(k)) << user << " " << k;
    EXPECT_EQ(after->gram(0 * d + 2), 0.f);
  }
  EXPECT_EQ(store_->GetSummary("w").status().code(), absl::StatusCode::kDataLoss);
}

// What readers see of a store, for comparing two of them.
std::string Derived(EventStore& store, const std::vector<std::string>& users, const std::vector<int64_t>& items) {
  std::string out;
  for (const std::string& u : users) {
    auto s = store.GetSummary(u);
    if (s.ok()) {  // the statistics are what counts, not which of their events wait outside the snapshot
      s->clear_stats_pending();
      s->clear_stats_pending_signals();
    }
    out += u + ": " + (s.ok() ? s->ShortDebugString() : s.status().ToString()) + "\n";
  }
  for (int64_t i : items) {
    auto s = store.GetItemStats(i);
    out += std::to_string(i) + ": " + (s.ok() ? s->ShortDebugString() : s.status().ToString()) + "\n";
    auto co = store.GetCoOccurrences(i, -1);
    out += "  with";
    if (!co.ok()) out += " " + co.status().ToString();
    for (const CoOccurrence& c : co.ok() ? *co : std::vector<CoOccurrence>{}) {
      out += " " + std::to_string(c.item_id) + "x" + std::to_string(c.count);
    }
    out += "\n";
  }
  return out;
}

// Co-occurrence counts are one count map per item now; a store written before holds one counter
// per ordered pair, and journal records without the marker whose pairs are stored already. Reads
// add both, the replay does not count those pairs again, and DeleteUser takes the user's share
// out of either.
TEST_F(EventStoreTest, CoOccurrencesOfAnOlderStoreStillCountAndAreErased) {
  ASSERT_TRUE(store_->Append({Ev("e1", "u", 1, v1::EVENT_TYPE_LIKE, 100)}).ok());
  ASSERT_TRUE(store_->Append({Ev("e2", "u", 2, v1::EVENT_TYPE_LIKE, 200)}).ok());
  store_.reset();
  auto pair_key = [](int64_t item, int64_t neighbour) {
    std::string k = storage::keys::I64Key(item);
    storage::keys::AppendI64(&k, neighbour);
    return k;
  };
  {
    auto kv = OpenRaw();
    storage::KvStore::Batch batch;
    batch.AddToCounter("cooc", pair_key(1, 3), 2);  // someone else's, from before
    batch.AddToCounter("cooc", pair_key(3, 1), 2);
    // As an older version committed u's third like: the event, its id, its pairs and a journal
    // record without the marker.
    const v1::Event e3 = Ev("e3", "u", 3, v1::EVENT_TYPE_LIKE, 300);
    std::string key = storage::keys::StringKey("u");
    storage::keys::AppendI64(&key, 300);
    storage::keys::AppendString(&key, "e3");
    batch.Put("events", key, e3.SerializeAsString());
    batch.Put("event_ids", storage::keys::StringKey("u") + "e3", key);
    for (int64_t other : {1, 2}) {
      batch.AddToCounter("cooc", pair_key(3, other), 1);
      batch.AddToCounter("cooc", pair_key(other, 3), 1);
    }
    const uint32_t n = static_cast<uint32_t>(key.size());
    std::string journal(reinterpret_cast<const char*>(&n), sizeof(n));
    journal += key;
    batch.Put("journal", std::string(7, '\0') + "\x09", journal);
    ASSERT_TRUE(kv->Write(batch).ok());
  }
  store_ = *EventStore::Open({.path = dir_});
  EXPECT_EQ(store_->GetSummary("u")->event_count(), 3) << "the journal was replayed";
  auto counts = [&](int64_t item) {
    std::map<int64_t, int64_t> out;
    const auto co = store_->GetCoOccurrences(item, -1);
    EXPECT_TRUE(co.ok()) << co.status();
    for (const CoOccurrence& c : co.ok() ? *co : std::vector<CoOccurrence>{}) out[c.item_id] = c.count;
    return out;
  };
  EXPECT_EQ(counts(1), (std::map<int64_t, int64_t>{{2, 1}, {3, 3}}));
  EXPECT_EQ(counts(3), (std::map<int64_t, int64_t>{{1, 3}, {2, 1}}));
  ASSERT_TRUE(store_->Append({Ev("e4", "u", 4, v1::EVENT_TYPE_LIKE, 400)}).ok());  // published, not checkpointed
  EXPECT_EQ(counts(4), (std::map<int64_t, int64_t>{{1, 1}, {2, 1}, {3, 1}}));
  EXPECT_EQ(counts(1), (std::map<int64_t, int64_t>{{2, 1}, {3, 3}, {4, 1}}));
  EXPECT_EQ(*store_->DeleteUser("u"), 4);
  EXPECT_EQ(counts(1), (std::map<int64_t, int64_t>{{3, 2}}));
  EXPECT_EQ(counts(3), (std::map<int64_t, int64_t>{{1, 2}}));
  EXPECT_TRUE(counts(4).empty());
  store_.reset();
  store_ = *EventStore::Open({.path = dir_});
  EXPECT_EQ(counts(1), (std::map<int64_t, int64_t>{{3, 2}}));
}

// Summaries, statistics, item counters and co-occurrence counts reach the store only at
// checkpoints; in between, the journal lists the groups' events. A copy of the directory taken while the store is open
// is what a crash leaves behind: opened again, it must read exactly as the store did, whether
// or not a checkpoint came in between, and its journal is empty afterwards.
TEST_F(EventStoreTest, AnUncleanStopLosesNoDerivedStateTheJournalReplaysIt) {
  for (int64_t checkpoint_events : {int64_t{1'000'000}, int64_t{7}}) {
    store_.reset();
    std::filesystem::remove_all(dir_);
    store_ = *EventStore::Open({.path = dir_.string(), .stats_updater = CountingUpdater(),
                                .checkpoint_events = checkpoint_events});
    const std::vector<std::string> users = {"u1", "u2", "u3"};
    const std::vector<int64_t> items = {1, 2, 3, 4, 5};
    int n = 0;
    for (int round = 0; round < 8; ++round) {
      std::vector<v1::Event> batch;
      for (const std::string& u : users) {
        v1::Event e = Ev(absl::StrCat("e", n), u, 1 + n % 5, n % 3 ? v1::EVENT_TYPE_LIKE : v1::EVENT_TYPE_RATING, 100 + n);
        if (e.type() == v1::EVENT_TYPE_RATING) e.set_rating(1 + n % 5);
        batch.push_back(e);
        ++n;
      }
      ASSERT_TRUE(store_->Append(batch).ok());
      if (round == 2) ASSERT_TRUE(store_->DeleteUser("u3").ok());  // a checkpoint, then the deletion
    }
    const std::string live = Derived(*store_, users, items);
    const auto co_live = store_->GetCoOccurrences(4, -1);
    ASSERT_TRUE(co_live.ok());

    const std::filesystem::path crashed = dir_.string() + "_crashed";
    std::filesystem::remove_all(crashed);
    std::filesystem::copy(dir_, crashed, std::filesystem::copy_options::recursive);
    {
      auto raw = *storage::KvStore::Open({.path = crashed.string(), .column_families = {"journal"}, .read_only = true});
      int journal = 0;
      ASSERT_TRUE(raw->Scan("journal", "", [&](std::string_view, std::string_view) { return ++journal, true; }).ok());
      EXPECT_GT(journal, 0) << "the last Append is only in the journal";
    }
    {  // read-only: replayed into memory
      auto reader = EventStore::Open({.path = crashed.string(), .read_only = true, .stats_updater = CountingUpdater()});
      ASSERT_TRUE(reader.ok()) << reader.status();
      EXPECT_EQ(Derived(**reader, users, items), live) << checkpoint_events;
    }
    {
      auto reopened = EventStore::Open({.path = crashed.string(), .stats_updater = CountingUpdater()});
      ASSERT_TRUE(reopened.ok()) << reopened.status();
      EXPECT_EQ(Derived(**reopened, users, items), live) << checkpoint_events;
      const auto co = (*reopened)->GetCoOccurrences(4, -1);
      ASSERT_TRUE(co.ok());
      ASSERT_EQ(co->size(), co_live->size());
      for (size_t i = 0; i < co->size(); ++i) {
        EXPECT_EQ((*co)[i].item_id, (*co_live)[i].item_id);
        EXPECT_EQ((*co)[i].count, (*co_live)[i].count);
      }
    }
    auto raw = *storage::KvStore::Open({.path = crashed.string(), .column_families = {"journal"}, .read_only = true});
    int journal = 0;
    ASSERT_TRUE(raw->Scan("journal", "", [&](std::string_view, std::string_view) { return ++journal, true; }).ok());
    EXPECT_EQ(journal, 0) << "the reopening checkpointed what it replayed";
    raw.reset();
    std::filesystem::remove_all(crashed);
  }
}

}  // namespace
}  // namespace chatrec::events
