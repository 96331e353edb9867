#include "libs/retrieval/index_manager.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "libs/model/model_store.h"
#include "libs/retrieval/test_world.h"

namespace chatrec::retrieval {
namespace {

class IndexManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("chatrec_index_manager_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    opts_.items = 4000;
    world_ = testing::MakeTestWorld(opts_);
    ASSERT_TRUE(model::SaveModel(dir_ / "model", *world_.model, "test").ok());
    auto w = model::ModelWatcher::Create(dir_ / "model", *world_.catalog, std::chrono::milliseconds(0));
    ASSERT_TRUE(w.ok()) << w.status();
    watcher_ = std::move(*w);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  testing::TestWorldOptions opts_;
  testing::TestWorld world_;
  std::unique_ptr<model::ModelWatcher> watcher_;
};

TEST_F(IndexManagerTest, NewVersionIsSwappedInWhileSearchesKeepSucceeding) {
  IndexManagerOptions o;
  o.index.ann_min_items = 1000;  // use the graph at this size
  o.poll = std::chrono::milliseconds(50);
  auto mgr = IndexManager::Create(world_.catalog.get(), watcher_.get(), o);
  ASSERT_TRUE(mgr.ok()) << mgr.status();
  ASSERT_TRUE((*mgr)->Current()->has_ann());
  const std::string v1 = world_.model->version;

  std::atomic<bool> stop{false};
  std::atomic<int64_t> calls{0}, failures{0}, saw_v2{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      std::mt19937 rng(t);
      std::normal_distribution<float> normal;
      bool seen_new = false;
      while (!stop.load()) {
        auto index = (*mgr)->Current();
        std::vector<float> w(index->model().dim);
        for (float& x : w) x = normal(rng);
        auto res = index->Search(w, AllowedSet::All(world_.catalog->size()), 50);
        const std::string& v = index->model().version;
        const bool is_new = v == "test-v2";
        // A version never goes backwards, and every search is complete.
        if (res.items.size() != 50u || (v != v1 && !is_new) || (seen_new && !is_new)) failures.fetch_add(1);
        if (is_new) seen_new = true, saw_v2.fetch_add(1);
        calls.fetch_add(1);
      }
    });
  }
  auto v2 = testing::MakeTestModel(*world_.catalog, opts_, 2, "test-v2");
  ASSERT_TRUE(model::SaveModel(dir_ / "model", *v2, "test").ok());
  ASSERT_TRUE(*watcher_->Refresh());
  EXPECT_TRUE((*mgr)->WaitForVersion("test-v2", std::chrono::minutes(2)));
  // Let the readers see the new version before stopping them.
  while (saw_v2.load() < 30) std::this_thread::yield();
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(calls.load(), 0);
  EXPECT_EQ((*mgr)->swaps(), 1);
  EXPECT_EQ((*mgr)->Current()->model().version, "test-v2");
}

TEST_F(IndexManagerTest, ServesTheCurrentModelFromTheStart) {
  auto mgr = IndexManager::Create(world_.catalog.get(), watcher_.get());
  ASSERT_TRUE(mgr.ok());
  EXPECT_EQ((*mgr)->Current()->model().version, world_.model->version);
  EXPECT_FALSE((*mgr)->Current()->has_ann());  // 4,000 items: exact search
  EXPECT_EQ((*mgr)->swaps(), 0);
}

}  // namespace
}  // namespace chatrec::retrieval
