#include "libs/dialogue/reranker_watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace chatrec::dialogue {
namespace {

// A store directory of its own per test; re-rankers told apart by their depth. Refresh() is called
// explicitly (poll 0), so nothing here depends on timing.
class RerankerWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::filesystem::temp_directory_path() /
             ("reranker_watcher_test_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(store_);
    std::filesystem::create_directories(store_);
  }
  void TearDown() override { std::filesystem::remove_all(store_); }

  std::string StoreFile() const { return (store_ / Reranker::kStoreFile).string(); }
  // Writes a valid re-ranker of this depth to `path` (atomically, as `chatrec train reranker` does).
  static void WriteDepth(const std::string& path, int depth) {
    const size_t n = Reranker::FeatureNames().size();
    const Reranker r(LinearRanker{std::vector<float>(n, 0.f), std::vector<float>(n, 1.f), std::vector<float>(n, 0.f)},
                     depth, {}, "{}");
    ASSERT_TRUE(r.Save(path).ok());
  }
  // Rewrites `path` in place (same inode, as `cp` or an editor would) with bytes that do not load.
  static void WriteCorrupt(const std::string& path) { std::ofstream(path, std::ios::trunc) << "{\"format\": \"chatrec-rer"; }
  static int DepthOf(const std::shared_ptr<const Reranker>& r) { return r == nullptr ? 0 : r->depth(); }

  std::filesystem::path store_;
};

// The store's default file: a new one is served, a corrupt one is refused (once) with the previous one
// kept, and removing the file goes back to no re-ranker.
TEST_F(RerankerWatcherTest, StoreFileIsPickedUpKeptOnACorruptOneAndDroppedWhenRemoved) {
  auto w = RerankerWatcher::Create("", store_.string(), std::chrono::milliseconds(0));
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ((*w)->Current(), nullptr);  // the store has no file yet
  EXPECT_EQ((*w)->watched_path(), StoreFile());
  EXPECT_EQ((*w)->Refresh().value_or(true), false);

  WriteDepth(StoreFile(), 7);
  EXPECT_EQ((*w)->Refresh().value_or(false), true);
  EXPECT_EQ(DepthOf((*w)->Current()), 7);
  EXPECT_EQ((*w)->CurrentPath(), StoreFile());
  EXPECT_EQ((*w)->Refresh().value_or(true), false);  // unchanged

  const auto before_corrupt = (*w)->Current();
  WriteDepth(StoreFile(), 9);
  EXPECT_EQ((*w)->Refresh().value_or(false), true);
  EXPECT_EQ(DepthOf((*w)->Current()), 9);
  EXPECT_EQ(before_corrupt->depth(), 7) << "a snapshot taken before a swap stays whole";

  const auto served = (*w)->Current();
  WriteCorrupt(StoreFile());
  auto refused = (*w)->Refresh();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find(StoreFile()), std::string::npos) << refused.status();
  EXPECT_EQ((*w)->Current(), served) << "the previous re-ranker is kept";
  EXPECT_EQ((*w)->Refresh().value_or(true), false) << "a file already refused is not reported again";
  EXPECT_EQ((*w)->Current(), served);

  WriteDepth(StoreFile(), 11);  // fixed by a new `train reranker`
  EXPECT_EQ((*w)->Refresh().value_or(false), true);
  EXPECT_EQ(DepthOf((*w)->Current()), 11);

  std::filesystem::remove(StoreFile());
  EXPECT_EQ((*w)->Refresh().value_or(false), true);
  EXPECT_EQ((*w)->Current(), nullptr);
  EXPECT_EQ((*w)->CurrentPath(), "");
  EXPECT_EQ((*w)->Refresh().value_or(true), false);
}

// An in-place rewrite of the same size is still a change: the bytes are compared, not the mtime.
// What the dialogue service's chatrec_reranker_info shows: OnServe tells the file and a hash of its
// bytes at once and after every change, and "" for none; a refused file changes nothing.
TEST_F(RerankerWatcherTest, OnServeTellsEveryChangeOfWhatIsServed) {
  WriteDepth(StoreFile(), 7);
  auto w = RerankerWatcher::Create("", store_.string(), std::chrono::milliseconds(0));
  ASSERT_TRUE(w.ok()) << w.status();
  std::vector<std::pair<std::string, std::string>> told;
  std::vector<int> calls_seen;  // the fn's own state carries over between calls (the metric removes its last series)
  (*w)->OnServe([&, calls = 0](const std::string& file, const std::string& hash) mutable {
    told.emplace_back(file, hash);
    calls_seen.push_back(++calls);
  });
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].first, StoreFile());
  EXPECT_EQ(told[0].second.size(), 16u);
  WriteDepth(StoreFile(), 9);
  ASSERT_TRUE((*w)->Refresh().value_or(false));
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[1].first, StoreFile());
  EXPECT_NE(told[1].second, told[0].second);
  WriteCorrupt(StoreFile());
  EXPECT_FALSE((*w)->Refresh().ok());
  EXPECT_EQ(told.size(), 2u);
  std::filesystem::remove(StoreFile());
  ASSERT_TRUE((*w)->Refresh().value_or(false));
  ASSERT_EQ(told.size(), 3u);
  EXPECT_EQ(told[2], std::make_pair(std::string(), std::string()));
  EXPECT_EQ(calls_seen, (std::vector<int>{1, 2, 3}));
}

TEST_F(RerankerWatcherTest, SameSizeRewriteInPlaceIsSeen) {
  WriteDepth(StoreFile(), 21);
  auto w = RerankerWatcher::Create("", store_.string(), std::chrono::milliseconds(0));
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(DepthOf((*w)->Current()), 21);
  std::string text;
  {
    std::ifstream in(StoreFile());
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const size_t at = text.find("\"depth\": 21");
  ASSERT_NE(at, std::string::npos) << text.substr(0, 200);
  text.replace(at, 11, "\"depth\": 22");
  std::ofstream(StoreFile(), std::ios::trunc) << text;
  EXPECT_EQ((*w)->Refresh().value_or(false), true);
  EXPECT_EQ(DepthOf((*w)->Current()), 22);
}

// --reranker FILE: it must load at start; a new one replaces it; a removed one keeps what was loaded.
TEST_F(RerankerWatcherTest, NamedFileIsReloadedButKeptWhenRemoved) {
  const std::string file = (store_ / "chosen.json").string();
  auto missing = RerankerWatcher::Create(file, store_.string(), std::chrono::milliseconds(0));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(file), std::string::npos);
  EXPECT_NE(missing.status().message().find("(or --reranker none)"), std::string::npos);

  WriteDepth(file, 5);
  WriteDepth(StoreFile(), 6);  // the store's own file plays no part
  auto w = RerankerWatcher::Create(file, store_.string(), std::chrono::milliseconds(0));
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(DepthOf((*w)->Current()), 5);
  EXPECT_EQ((*w)->CurrentPath(), file);
  WriteDepth(file, 8);
  EXPECT_EQ((*w)->Refresh().value_or(false), true);
  EXPECT_EQ(DepthOf((*w)->Current()), 8);

  std::filesystem::remove(file);
  auto gone = (*w)->Refresh();
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.status().message().find(file), std::string::npos);
  EXPECT_EQ(DepthOf((*w)->Current()), 8);
  EXPECT_EQ((*w)->Refresh().value_or(true), false) << "reported once";
  WriteDepth(file, 8);  // back as it was: nothing to swap
  EXPECT_EQ((*w)->Refresh().value_or(true), false);
  EXPECT_EQ(DepthOf((*w)->Current()), 8);
}

// A file that does not load at start stops the start (as the service and the tools always did), with
// the file's name and what to do; "none" never looks at the store's file.
TEST_F(RerankerWatcherTest, BadFileAtStartIsAnErrorAndNoneIgnoresTheStore) {
  WriteCorrupt(StoreFile());
  auto bad = RerankerWatcher::Create("", store_.string(), std::chrono::milliseconds(0));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find(StoreFile()), std::string::npos) << bad.status();
  EXPECT_NE(bad.status().message().find("(or --reranker none)"), std::string::npos) << bad.status();

  auto none = RerankerWatcher::Create("none", store_.string(), std::chrono::milliseconds(0));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ((*none)->Current(), nullptr);
  WriteDepth(StoreFile(), 4);
  EXPECT_EQ((*none)->Refresh().value_or(true), false);
  EXPECT_EQ((*none)->Current(), nullptr);
}

// Readers on other threads always get a whole re-ranker (one of the versions written, or none)
// while files are swapped in and removed; the poller thread stops when the watcher is destroyed.
TEST_F(RerankerWatcherTest, ReadersSeeWholeRerankersAcrossSwaps) {
  auto w = RerankerWatcher::Create("", store_.string(), std::chrono::milliseconds(0));
  ASSERT_TRUE(w.ok()) << w.status();
  std::atomic<bool> stop{false};
  std::atomic<int> bad_reads{0};
  std::atomic<int64_t> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      RerankCandidate c;
      while (!stop.load()) {
        auto r = (*w)->Current();
        const int depth = DepthOf(r);
        if (depth != 0 && (depth < 30 || depth >= 60)) ++bad_reads;
        if (r != nullptr && r->Score({}, c) != 0.f) ++bad_reads;
        ++reads;
      }
    });
  }
  while (reads.load() < 3) std::this_thread::yield();  // the readers are running
  for (int i = 0; i < 30; ++i) {
    WriteDepth(StoreFile(), 30 + i);
    ASSERT_EQ((*w)->Refresh().value_or(false), true) << i;
    ASSERT_EQ(DepthOf((*w)->Current()), 30 + i);
    if (i % 5 == 4) {
      std::filesystem::remove(StoreFile());
      ASSERT_EQ((*w)->Refresh().value_or(false), true) << i;
    }
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad_reads.load(), 0);
  // A polling watcher is destroyed without waiting for its period.
  auto polling = RerankerWatcher::Create("", store_.string(), std::chrono::hours(1));
  ASSERT_TRUE(polling.ok());
  polling->reset();
}

}  // namespace
}  // namespace chatrec::dialogue
