// The feedback store without gRPC (issue 7): EventStore::Append throughput with
// group commit, 1 / 8 / 64 concurrent writers, batches of 32 events with the
// `chatrec bench feedback` mix (70% impressions, 15% clicks, 10% ratings, 5% likes),
// acknowledged durable (synced WAL) or not. Baseline in the same run: RocksDB
// itself, synced batches of 32 plain puts, one writer. items/s is events/s.
//   build/bin/chatrec-bench-events [--benchmark_min_time=2]
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "libs/events/event_store.h"
#include "libs/storage/kv_store.h"

namespace {

using namespace chatrec;

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / absl::StrCat("chatrec_bench_events_", getpid(), "_", name);
  std::filesystem::remove_all(dir);
  return dir.string();
}

std::atomic<int64_t> g_seq{0};

void BM_EventStoreAppend(benchmark::State& state) {
  const bool sync = state.range(0) != 0;
  static std::unique_ptr<events::EventStore> store;
  static std::string dir;
  if (state.thread_index() == 0) {
    dir = TempDir(absl::StrCat("store_", sync, "_", state.threads()));
    store = *events::EventStore::Open({.path = dir, .sync = sync});
  }
  std::mt19937_64 rng(state.thread_index());
  std::vector<v1::Event> batch(32);
  for (auto _ : state) {
    for (auto& e : batch) {
      e.Clear();
      e.set_event_id(absl::StrCat("e", g_seq.fetch_add(1, std::memory_order_relaxed)));
      e.set_user_id(absl::StrCat("t", state.thread_index(), "-u", rng() % 50));
      e.set_item_id(1 + static_cast<int64_t>(rng() % 1682));
      const uint64_t r = rng() % 100;
      e.set_type(r < 70 ? v1::EVENT_TYPE_IMPRESSION : r < 85 ? v1::EVENT_TYPE_CLICK
                                                    : r < 95 ? v1::EVENT_TYPE_RATING
                                                             : v1::EVENT_TYPE_LIKE);
      if (e.type() == v1::EVENT_TYPE_RATING) e.set_rating(static_cast<float>(1 + rng() % 5));
      e.set_timestamp_ms(1'700'000'000'000 + g_seq.load(std::memory_order_relaxed));
    }
    auto r = store->Append(batch);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * 32);
  if (state.thread_index() == 0) {
    store.reset();
    std::filesystem::remove_all(dir);
  }
}
BENCHMARK(BM_EventStoreAppend)->ArgName("sync")->Arg(1)->Arg(0)->Threads(1)->Threads(8)->Threads(64)->UseRealTime();

void BM_RocksDbSyncedBatch32(benchmark::State& state) {
  const std::string dir = TempDir("anchor");
  auto kv = *storage::KvStore::Open({.path = dir, .column_families = {"events"}, .sync = true});
  const std::string value(80, 'x');
  int64_t n = 0;
  for (auto _ : state) {
    storage::KvStore::Batch batch;
    for (int i = 0; i < 32; ++i) batch.Put("events", absl::StrCat("k", n++), value);
    if (!kv->Write(batch).ok()) state.SkipWithError("write failed");
  }
  state.SetItemsProcessed(state.iterations() * 32);
  kv.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RocksDbSyncedBatch32)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
