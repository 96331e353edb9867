// KvStore: the one way Chat-Rec code talks to RocksDB. Column families, synced
// atomic batches, prefix scans, protobuf values and optional TTL.
// Thread-safe: all methods may be called concurrently (RocksDB is).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace google::protobuf {
class MessageLite;
}
namespace rocksdb {
class DB;
class Snapshot;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace chatrec::storage {

struct KvStoreOptions {
  std::string path;
  // Column families besides "default". Opening creates missing ones (not when read-only).
  std::vector<std::string> column_families;
  bool read_only = false;
  // > 0: records older than this many seconds may be dropped by compaction (sessions).
  int32_t ttl_seconds = 0;
  // Sync the WAL on every write. Off only trades durability for speed (documented option).
  bool sync = true;
  // Column families whose values are 8-byte int64 counters that Batch::AddToCounter
  // increments without a read (a RocksDB merge operator).
  std::vector<std::string> counter_column_families;
  // Column families whose values are count maps (int64 id -> int64 count, see EncodeCountMap) that
  // Batch::AddToCountMap adds to without a read: one record per key instead of one per id.
  std::vector<std::string> count_map_column_families;
  // Column families probed mostly for keys they do not hold (duplicate checks): their memtables
  // get a Bloom filter of whole keys, so such a probe skips the memtable's skip-list search.
  std::vector<std::string> probed_column_families;
  // Column families whose keys start with a keys::AppendString string (a user) and whose writes
  // come in runs of one such prefix: their memtables keep the last insert position of each prefix
  // and start the next insert of that prefix there, instead of searching the skip list from the top.
  std::vector<std::string> string_prefixed_column_families;
};

class KvStore {
 public:
  // A set of writes applied atomically by KvStore::Write.
  //
  // A default-constructed batch records its writes and can be written to any store. A batch
  // bound to a store (`Batch(store)`) puts them straight into RocksDB's own batch instead, with
  // no second copy: cheaper for large batches (the feedback commit leader), and only that
  // store can write it (another one refuses it with InvalidArgument). An unknown column family
  // makes the bound batch's Write fail without writing anything.
  class Batch {
   public:
    Batch();
    // `reserve_bytes`: room made up front in RocksDB's batch, so a large batch is not copied
    // as it grows.
    explicit Batch(const KvStore* store, size_t reserve_bytes = 0);
    ~Batch();
    Batch(Batch&&) noexcept;
    void Put(std::string_view cf, std::string_view key, std::string_view value);
    void PutProto(std::string_view cf, std::string_view key, const google::protobuf::MessageLite& m);
    void Delete(std::string_view cf, std::string_view key);
    // Adds `delta` to the counter at key (missing counts as 0); `cf` must be a counter column family.
    void AddToCounter(std::string_view cf, std::string_view key, int64_t delta);
    // Adds each (id, delta) to the count map at key (ids sorted, each once); `cf` must be a count-map
    // column family. Ids whose count comes to 0 leave the map.
    void AddToCountMap(std::string_view cf, std::string_view key, absl::Span<const std::pair<int64_t, int64_t>> deltas);
    size_t count() const;

   private:
    friend class KvStore;
    enum class Kind { kPut, kDelete, kMerge };
    struct Op {
      std::string cf, key, value;
      Kind kind;
    };
    std::vector<Op> ops_;
    // Bound mode.
    void Bound(std::string_view cf, Kind kind, std::string_view key, std::string_view value);
    const KvStore* store_ = nullptr;
    std::unique_ptr<rocksdb::WriteBatch> wb_;
    absl::Status error_;
    size_t bound_count_ = 0;
    std::string scratch_;  // reused by PutProto
  };

  // A consistent read view: reads through it see the store as of its creation, so a
  // record and what it refers to can be read without a write landing in between.
  class Snapshot {
   public:
    ~Snapshot();
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;

   private:
    friend class KvStore;
    Snapshot(rocksdb::DB* db, const rocksdb::Snapshot* s) : db_(db), snapshot_(s) {}
    rocksdb::DB* db_;
    const rocksdb::Snapshot* snapshot_;
  };

  static absl::StatusOr<std::unique_ptr<KvStore>> Open(const KvStoreOptions& options);
  ~KvStore();

  std::unique_ptr<Snapshot> GetSnapshot() const;

  absl::Status Put(std::string_view cf, std::string_view key, std::string_view value);
  absl::Status PutProto(std::string_view cf, std::string_view key, const google::protobuf::MessageLite& m);
  // NotFound if the key is absent. With `at`, as of that snapshot.
  absl::StatusOr<std::string> Get(std::string_view cf, std::string_view key, const Snapshot* at = nullptr) const;
  // Whether each of `keys` is present, in one batched lookup (RocksDB MultiGet): cheaper than
  // a Get per key for hundreds of keys.
  absl::StatusOr<std::vector<bool>> Contains(std::string_view cf, const std::vector<std::string>& keys) const;
  // Returns false if absent; DataLoss if the stored bytes do not parse.
  absl::StatusOr<bool> GetProto(std::string_view cf, std::string_view key, google::protobuf::MessageLite* out,
                                const Snapshot* at = nullptr) const;
  absl::Status Delete(std::string_view cf, std::string_view key);
  // Applies every write in `batch` or none; synced when the store is.
  absl::Status Write(const Batch& batch);

  // Calls fn(key, value) for keys starting with `prefix`, from `start` (>= prefix) on,
  // in key order, until fn returns false.
  using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;
  absl::Status Scan(std::string_view cf, std::string_view prefix, const ScanFn& fn,
                    std::string_view start = {}) const;

  // Counter values written by AddToCounter (8 bytes, native order).
  static int64_t DecodeCounter(std::string_view bytes);
  static std::string EncodeCounter(int64_t n);
  // Count maps (AddToCountMap): (id, count) pairs sorted by id, each as two 8-byte native-order
  // int64s. Decode returns false, leaving `out` empty, if `bytes` is not such a map.
  static std::string EncodeCountMap(absl::Span<const std::pair<int64_t, int64_t>> counts);
  static bool DecodeCountMap(std::string_view bytes, std::vector<std::pair<int64_t, int64_t>>* out);

  // Flushes memtables to SST files (used on graceful shutdown).
  absl::Status Flush();
  const std::string& path() const { return options_.path; }
  // False for a column family the store was asked to open read-only but does not have yet.
  bool HasColumnFamily(std::string_view name) const;
  bool read_only() const { return options_.read_only; }

 private:
  KvStore(KvStoreOptions options, rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles);
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> Cf(std::string_view name) const;

  KvStoreOptions options_;
  rocksdb::DB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace chatrec::storage
