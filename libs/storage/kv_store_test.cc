#include "libs/storage/kv_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "chatrec/internal/store.pb.h"
#include "libs/storage/key_codec.h"

namespace chatrec::storage {
namespace {

class KvStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kvstore_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

// Keys that start with a whole keys::AppendString string get a memtable insert hint per string;
// keys that do not (too short, or a length past their end) are inserted as usual. Either way
// every key reads back, in order, after batches that interleave the prefixes.
TEST_F(KvStoreTest, StringPrefixedColumnFamiliesKeepEveryKeyInOrder) {
  auto store = KvStore::Open({.path = dir_, .column_families = {"ev"}, .string_prefixed_column_families = {"ev"}});
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<std::string> expected = {"", "ab", std::string("\0\0\0\x09short", 9)};
  for (int round = 0; round < 3; ++round) {
    KvStore::Batch batch(store->get());
    for (int user = 0; user < 20; ++user) {
      for (int i = 0; i < 5; ++i) {
        std::string key = keys::StringKey("user-" + std::to_string(user));
        keys::AppendI64(&key, round * 100 + (i * 7) % 5);
        batch.Put("ev", key, "v");
        expected.push_back(key);
      }
    }
    for (size_t k = 0; k < 3; ++k) batch.Put("ev", expected[k], "odd");
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  std::sort(expected.begin(), expected.end());
  expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
  std::vector<std::string> got;
  ASSERT_TRUE((*store)->Scan("ev", "", [&](std::string_view key, std::string_view) {
                        got.emplace_back(key);
                        return true;
                      }).ok());
  EXPECT_EQ(got, expected);
}

TEST_F(KvStoreTest, PutGetAcrossReopen) {
  {
    auto store = KvStore::Open({.path = dir_, .column_families = {"items"}});
    ASSERT_TRUE(store.ok()) << store.status();
    chatrec::internal::ItemRecord item;
    item.set_id(7);
    item.set_title("Fargo (1996)");
    ASSERT_TRUE((*store)->PutProto("items", keys::I64Key(7), item).ok());
  }
  auto store = KvStore::Open({.path = dir_, .column_families = {"items"}, .read_only = true});
  ASSERT_TRUE(store.ok()) << store.status();
  chatrec::internal::ItemRecord item;
  auto found = (*store)->GetProto("items", keys::I64Key(7), &item);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(*found);
  EXPECT_EQ(item.title(), "Fargo (1996)");
  EXPECT_FALSE(*(*store)->GetProto("items", keys::I64Key(8), &item));
  EXPECT_EQ((*store)->Put("items", "x", "y").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(KvStoreTest, ReadOnlyOpenOfMissingStoreSaysWhatToRun) {
  auto store = KvStore::Open({.path = dir_, .read_only = true});
  ASSERT_EQ(store.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(store.status().message().find("chatrec import"), std::string::npos);
}

TEST_F(KvStoreTest, ContainsAnswersForEveryKeyFromTheMemtableAndFromFiles) {
  auto store = *KvStore::Open({.path = dir_, .column_families = {"ids"}});
  ASSERT_TRUE(store->Put("ids", "flushed", "1").ok());
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(store->Put("ids", "in-memtable", "2").ok());
  // Unsorted, with a repeat and absent keys.
  auto found = store->Contains("ids", {"missing", "in-memtable", "flushed", "in-memtable", "", "flushed!"});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, (std::vector<bool>{false, true, true, true, false, false}));
  EXPECT_TRUE(store->Contains("ids", {})->empty());
  EXPECT_FALSE(store->Contains("nope", {"a"}).ok());  // unknown column family
}

TEST_F(KvStoreTest, ScanFollowsKeyOrderWithinPrefix) {
  auto store = *KvStore::Open({.path = dir_, .column_families = {"events"}});
  KvStore::Batch batch;
  for (int64_t t : {30, -5, 10}) {
    std::string key = keys::StringKey("u1");
    keys::AppendI64(&key, t);
    batch.Put("events", key, std::to_string(t));
  }
  batch.Put("events", keys::StringKey("u10"), "other user");
  ASSERT_TRUE(store->Write(batch).ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(store->Scan("events", keys::StringKey("u1"), [&](std::string_view, std::string_view v) {
                     seen.emplace_back(v);
                     return true;
                   }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"-5", "10", "30"}));
}

TEST_F(KvStoreTest, BatchWithUnknownColumnFamilyWritesNothing) {
  auto store = *KvStore::Open({.path = dir_, .column_families = {"a"}});
  KvStore::Batch batch;
  batch.Put("a", "k", "v");
  batch.Put("nope", "k", "v");
  EXPECT_FALSE(store->Write(batch).ok());
  EXPECT_TRUE(absl::IsNotFound(store->Get("a", "k").status()));
}

TEST_F(KvStoreTest, ABatchBoundToTheStoreWritesTheSameAsAnUnboundOne) {
  auto store = *KvStore::Open({.path = dir_, .column_families = {"a", "n"}, .counter_column_families = {"n"}});
  ASSERT_TRUE(store->Put("a", "gone", "x").ok());
  for (bool bound : {false, true}) {
    KvStore::Batch batch = bound ? KvStore::Batch(store.get()) : KvStore::Batch();
    const std::string p = bound ? "b-" : "u-";
    batch.Put("a", p + "k", "v");
    chatrec::internal::ItemRecord item;
    item.set_title("Fargo (1996)");
    batch.PutProto("a", p + "proto", item);
    batch.AddToCounter("n", "c", 2);
    batch.AddToCounter("n", "c", 3);
    batch.Delete("a", "gone");
    EXPECT_EQ(batch.count(), 5u);
    ASSERT_TRUE(store->Write(batch).ok());
    EXPECT_EQ(*store->Get("a", p + "k"), "v");
    chatrec::internal::ItemRecord back;
    EXPECT_TRUE(*store->GetProto("a", p + "proto", &back));
    EXPECT_EQ(back.title(), "Fargo (1996)");
    EXPECT_TRUE(absl::IsNotFound(store->Get("a", "gone").status()));
  }
  EXPECT_EQ(KvStore::DecodeCounter(*store->Get("n", "c")), 10);
}

// Count maps add id by id across batches, flushes and reopening (the merge runs in reads and in
// compactions); an id whose count comes to 0 leaves the map.
TEST_F(KvStoreTest, CountMapsAddIdByIdWithoutReads) {
  using Counts = std::vector<std::pair<int64_t, int64_t>>;
  auto read = [](KvStore* store, const std::string& key) {
    Counts out;
    auto bytes = store->Get("m", key);
    EXPECT_TRUE(bytes.ok());
    if (bytes.ok()) EXPECT_TRUE(KvStore::DecodeCountMap(*bytes, &out));
    return out;
  };
  {
    auto store = *KvStore::Open({.path = dir_, .column_families = {"m"}, .count_map_column_families = {"m"}});
    for (bool bound : {false, true}) {
      KvStore::Batch batch = bound ? KvStore::Batch(store.get()) : KvStore::Batch();
      batch.AddToCountMap("m", "item", Counts{{-5, 1}, {3, 2}, {7, 1}});
      batch.AddToCountMap("m", "other", Counts{{1, 4}});
      ASSERT_TRUE(store->Write(batch).ok());
    }
    EXPECT_EQ(read(store.get(), "item"), (Counts{{-5, 2}, {3, 4}, {7, 2}}));
    ASSERT_TRUE(store->Flush().ok());
    KvStore::Batch batch;
    batch.AddToCountMap("m", "item", Counts{{-5, -2}, {4, 1}, {7, -1}});
    ASSERT_TRUE(store->Write(batch).ok());
  }
  auto store = *KvStore::Open({.path = dir_, .column_families = {"m"}, .count_map_column_families = {"m"}});
  EXPECT_EQ(read(store.get(), "item"), (Counts{{3, 4}, {4, 1}, {7, 1}}));
  EXPECT_EQ(read(store.get(), "other"), (Counts{{1, 8}}));
  Counts bad;
  EXPECT_FALSE(KvStore::DecodeCountMap("not a map", &bad));
  EXPECT_FALSE(KvStore::DecodeCountMap(KvStore::EncodeCountMap(Counts{{2, 1}, {1, 1}}), &bad));  // unsorted
  EXPECT_TRUE(bad.empty());
}

TEST_F(KvStoreTest, ABoundBatchWithAnUnknownColumnFamilyOrForAnotherStoreWritesNothing) {
  auto store = *KvStore::Open({.path = dir_ / "one", .column_families = {"a"}});
  auto other = *KvStore::Open({.path = dir_ / "two", .column_families = {"a"}});
  KvStore::Batch bad(store.get());
  bad.Put("a", "k", "v");
  bad.Put("nope", "k", "v");
  EXPECT_FALSE(store->Write(bad).ok());
  EXPECT_TRUE(absl::IsNotFound(store->Get("a", "k").status()));
  KvStore::Batch mine(store.get());
  mine.Put("a", "k", "v");
  EXPECT_EQ(other->Write(mine).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::IsNotFound(other->Get("a", "k").status()));
  EXPECT_TRUE(store->Write(mine).ok());
  EXPECT_EQ(*store->Get("a", "k"), "v");
}

TEST(KeyCodecTest, SignedKeysSortNumerically) {
  EXPECT_LT(keys::I64Key(-1), keys::I64Key(0));
  EXPECT_LT(keys::I64Key(2), keys::I64Key(256));
  std::string_view in;
  std::string k = keys::I64Key(-42);
  in = k;
  int64_t v;
  ASSERT_TRUE(keys::ReadI64(&in, &v));
  EXPECT_EQ(v, -42);
}

}  // namespace
}  // namespace chatrec::storage
