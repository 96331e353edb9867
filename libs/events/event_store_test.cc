#include "libs/events/event_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

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

}  // namespace
}  // namespace chatrec::events
