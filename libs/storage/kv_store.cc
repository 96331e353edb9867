#include "libs/storage/kv_store.h"

#include <google/protobuf/message_lite.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/db_ttl.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace chatrec::storage {
namespace {

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(std::string(what), ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) return absl::UnavailableError(msg);
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return absl::FailedPreconditionError(absl::StrCat(msg, " (is another process using this store?)"));
  }
  return absl::InternalError(msg);
}

// Adds int64 deltas: counters are incremented without reading them first.
class CounterAddOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    int64_t sum = KvStore::DecodeCounter(std::string_view(value.data(), value.size()));
    if (existing) sum += KvStore::DecodeCounter(std::string_view(existing->data(), existing->size()));
    *new_value = KvStore::EncodeCounter(sum);
    return true;
  }
  const char* Name() const override { return "chatrec.CounterAdd"; }
};

// Adds count maps id by id (a sorted merge), dropping ids whose count comes to 0. A value that
// is not a count map is corruption: the merge fails, and so does the read or compaction.
class CountMapAddOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    std::vector<std::pair<int64_t, int64_t>> a, b, sum;
    if (!KvStore::DecodeCountMap(std::string_view(value.data(), value.size()), &b)) return false;
    if (existing && !KvStore::DecodeCountMap(std::string_view(existing->data(), existing->size()), &a)) return false;
    sum.reserve(a.size() + b.size());
    size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
      std::pair<int64_t, int64_t> next;
      if (j == b.size() || (i < a.size() && a[i].first < b[j].first)) {
        next = a[i++];
      } else if (i == a.size() || b[j].first < a[i].first) {
        next = b[j++];
      } else {
        next = {a[i].first, a[i].second + b[j].second};
        ++i, ++j;
      }
      if (next.second != 0) sum.push_back(next);
    }
    *new_value = KvStore::EncodeCountMap(sum);
    return true;
  }
  const char* Name() const override { return "chatrec.CountMapAdd"; }
};

// The leading length-prefixed string of a key (keys::AppendString: a u32 big-endian length and
// the bytes), e.g. the user of an event key.
class LeadingStringPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "chatrec.LeadingStringPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return {key.data(), Length(key)}; }
  bool InDomain(const rocksdb::Slice& key) const override { return Length(key) > 0; }

 private:
  // The prefix's length in bytes, 0 if the key does not start with a whole one.
  static size_t Length(const rocksdb::Slice& key) {
    if (key.size() < 4) return 0;
    const auto* b = reinterpret_cast<const unsigned char*>(key.data());
    const size_t n = 4 + ((size_t{b[0]} << 24) | (size_t{b[1]} << 16) | (size_t{b[2]} << 8) | size_t{b[3]});
    return n <= key.size() ? n : 0;
  }
};

}  // namespace

std::string KvStore::EncodeCountMap(absl::Span<const std::pair<int64_t, int64_t>> counts) {
  std::string out(counts.size() * 16, '\0');
  char* p = out.data();
  for (const auto& [id, count] : counts) {
    std::memcpy(p, &id, 8);
    std::memcpy(p + 8, &count, 8);
    p += 16;
  }
  return out;
}

bool KvStore::DecodeCountMap(std::string_view bytes, std::vector<std::pair<int64_t, int64_t>>* out) {
  out->clear();
  if (bytes.size() % 16 != 0) return false;
  out->resize(bytes.size() / 16);
  const char* p = bytes.data();
  for (size_t i = 0; i < out->size(); ++i, p += 16) {
    std::memcpy(&(*out)[i].first, p, 8);
    std::memcpy(&(*out)[i].second, p + 8, 8);
    if (i > 0 && (*out)[i].first <= (*out)[i - 1].first) {
      out->clear();
      return false;
    }
  }
  return true;
}

int64_t KvStore::DecodeCounter(std::string_view bytes) {
  int64_t n = 0;
  if (bytes.size() == 8) std::memcpy(&n, bytes.data(), 8);
  return n;
}

std::string KvStore::EncodeCounter(int64_t n) { return std::string(reinterpret_cast<const char*>(&n), 8); }

KvStore::Batch::Batch() = default;
KvStore::Batch::~Batch() = default;
KvStore::Batch::Batch(Batch&&) noexcept = default;

KvStore::Batch::Batch(const KvStore* store, size_t reserve_bytes)
    : store_(store), wb_(std::make_unique<rocksdb::WriteBatch>(reserve_bytes)) {}

void KvStore::Batch::Bound(std::string_view cf, Kind kind, std::string_view key, std::string_view value) {
  ++bound_count_;
  if (!error_.ok()) return;
  auto h = store_->Cf(cf);
  if (!h.ok()) {
    error_ = h.status();
    return;
  }
  const rocksdb::Slice k(key.data(), key.size()), v(value.data(), value.size());
  rocksdb::Status s = kind == Kind::kDelete  ? wb_->Delete(*h, k)
                      : kind == Kind::kMerge ? wb_->Merge(*h, k, v)
                                             : wb_->Put(*h, k, v);
  if (!s.ok()) error_ = FromRocks(s, "batch");
}

void KvStore::Batch::Put(std::string_view cf, std::string_view key, std::string_view value) {
  if (store_ != nullptr) return Bound(cf, Kind::kPut, key, value);
  ops_.push_back({std::string(cf), std::string(key), std::string(value), Kind::kPut});
}
void KvStore::Batch::PutProto(std::string_view cf, std::string_view key,
                              const google::protobuf::MessageLite& m) {
  if (store_ != nullptr) {
    scratch_.clear();
    m.AppendToString(&scratch_);
    return Bound(cf, Kind::kPut, key, scratch_);
  }
  ops_.push_back({std::string(cf), std::string(key), m.SerializeAsString(), Kind::kPut});
}
void KvStore::Batch::Delete(std::string_view cf, std::string_view key) {
  if (store_ != nullptr) return Bound(cf, Kind::kDelete, key, {});
  ops_.push_back({std::string(cf), std::string(key), {}, Kind::kDelete});
}
void KvStore::Batch::AddToCounter(std::string_view cf, std::string_view key, int64_t delta) {
  if (store_ != nullptr) {
    const std::string bytes = EncodeCounter(delta);
    return Bound(cf, Kind::kMerge, key, bytes);
  }
  ops_.push_back({std::string(cf), std::string(key), EncodeCounter(delta), Kind::kMerge});
}
void KvStore::Batch::AddToCountMap(std::string_view cf, std::string_view key,
                                   absl::Span<const std::pair<int64_t, int64_t>> deltas) {
  if (store_ != nullptr) {
    scratch_ = EncodeCountMap(deltas);
    return Bound(cf, Kind::kMerge, key, scratch_);
  }
  ops_.push_back({std::string(cf), std::string(key), EncodeCountMap(deltas), Kind::kMerge});
}
size_t KvStore::Batch::count() const { return store_ != nullptr ? bound_count_ : ops_.size(); }

absl::StatusOr<std::unique_ptr<KvStore>> KvStore::Open(const KvStoreOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("KvStore: empty path");
  if (options.read_only && !std::filesystem::exists(options.path + "/CURRENT")) {
    return absl::NotFoundError(absl::StrCat("store ", options.path,
                                            " does not exist; run `chatrec import` (and `chatrec train`) first"));
  }
  if (!options.read_only) {
    std::error_code ec;
    std::filesystem::create_directories(options.path, ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot create ", options.path, ": ", ec.message()));
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.keep_log_file_num = 3;

  // Bloom filters make lookups of absent keys (duplicate checks, new users) cheap.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Block checksums with XXH3: Debian's RocksDB computes CRC32C without the SSE4.2 instruction,
  // which made it a few percent of a busy store's CPU. Files written with CRC32C still read.
  table.checksum = rocksdb::kXXH3;
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(db_options));
  // Read-only, a column family that a newer version added may not exist yet: open the ones that do
  // (HasColumnFamily tells; Cf() of a missing one is an error).
  KvStoreOptions opened = options;
  if (options.read_only) {
    std::vector<std::string> existing;
    if (rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing).ok()) {
      std::erase_if(opened.column_families, [&](const std::string& cf) {
        return std::find(existing.begin(), existing.end(), cf) == existing.end();
      });
    }
  }
  for (const auto& cf : opened.column_families) {
    rocksdb::ColumnFamilyOptions cf_options(db_options);
    auto listed = [&cf](const std::vector<std::string>& cfs) { return std::find(cfs.begin(), cfs.end(), cf) != cfs.end(); };
    if (listed(options.counter_column_families)) cf_options.merge_operator = std::make_shared<CounterAddOperator>();
    if (listed(options.count_map_column_families)) cf_options.merge_operator = std::make_shared<CountMapAddOperator>();
    if (listed(options.probed_column_families)) {
      cf_options.memtable_whole_key_filtering = true;
      cf_options.memtable_prefix_bloom_size_ratio = 0.05;  // of the write buffer (3.2 MB at 64 MB)
    }
    if (listed(options.string_prefixed_column_families)) {
      cf_options.memtable_insert_with_hint_prefix_extractor = std::make_shared<LeadingStringPrefix>();
    }
    descriptors.emplace_back(cf, cf_options);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s;
  if (options.ttl_seconds > 0) {
    rocksdb::DBWithTTL* ttl_db = nullptr;
    std::vector<int32_t> ttls(descriptors.size(), options.ttl_seconds);
    s = rocksdb::DBWithTTL::Open(db_options, options.path, descriptors, &handles, &ttl_db, ttls,
                                 options.read_only);
    db = ttl_db;
  } else if (options.read_only) {
    s = rocksdb::DB::OpenForReadOnly(db_options, options.path, descriptors, &handles, &db);
  } else {
    s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &db);
  }
  if (!s.ok()) return FromRocks(s, absl::StrCat("opening ", options.path));
  return std::unique_ptr<KvStore>(new KvStore(std::move(opened), db, std::move(handles)));
}

KvStore::KvStore(KvStoreOptions options, rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : options_(std::move(options)), db_(db), handles_(std::move(handles)) {}

KvStore::~KvStore() {
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  if (!options_.read_only) db_->SyncWAL();
  delete db_;
}

bool KvStore::HasColumnFamily(std::string_view name) const {
  return std::find(options_.column_families.begin(), options_.column_families.end(), name) !=
         options_.column_families.end();
}

absl::StatusOr<rocksdb::ColumnFamilyHandle*> KvStore::Cf(std::string_view name) const {
  if (name.empty() || name == rocksdb::kDefaultColumnFamilyName) return handles_[0];
  for (size_t i = 0; i < options_.column_families.size(); ++i) {
    if (options_.column_families[i] == name) return handles_[i + 1];
  }
  return absl::InternalError(absl::StrCat("unknown column family '", std::string(name), "' in ", options_.path));
}

absl::Status KvStore::Put(std::string_view cf, std::string_view key, std::string_view value) {
  Batch b;
  b.Put(cf, key, value);
  return Write(b);
}

absl::Status KvStore::PutProto(std::string_view cf, std::string_view key,
                               const google::protobuf::MessageLite& m) {
  return Put(cf, key, m.SerializeAsString());
}

absl::Status KvStore::Delete(std::string_view cf, std::string_view key) {
  Batch b;
  b.Delete(cf, key);
  return Write(b);
}

KvStore::Snapshot::~Snapshot() { db_->ReleaseSnapshot(snapshot_); }

std::unique_ptr<KvStore::Snapshot> KvStore::GetSnapshot() const {
  return std::unique_ptr<Snapshot>(new Snapshot(db_, db_->GetSnapshot()));
}

absl::StatusOr<std::string> KvStore::Get(std::string_view cf, std::string_view key, const Snapshot* at) const {
  auto h = Cf(cf);
  if (!h.ok()) return h.status();
  std::string value;
  rocksdb::ReadOptions ro;
  if (at != nullptr) ro.snapshot = at->snapshot_;
  rocksdb::Status s = db_->Get(ro, *h, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return absl::NotFoundError("key not found");
  if (!s.ok()) return FromRocks(s, "get");
  return value;
}

absl::StatusOr<std::vector<bool>> KvStore::Contains(std::string_view cf, const std::vector<std::string>& keys) const {
  auto h = Cf(cf);
  if (!h.ok()) return h.status();
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), *h, keys.size(), slices.data(), values.data(), statuses.data());
  std::vector<bool> found(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].ok()) {
      found[i] = true;
    } else if (!statuses[i].IsNotFound()) {
      return FromRocks(statuses[i], "multiget");
    }
  }
  return found;
}

absl::StatusOr<bool> KvStore::GetProto(std::string_view cf, std::string_view key,
                                       google::protobuf::MessageLite* out, const Snapshot* at) const {
  auto v = Get(cf, key, at);
  if (absl::IsNotFound(v.status())) return false;
  if (!v.ok()) return v.status();
  if (!out->ParseFromString(*v)) {
    return absl::DataLossError(absl::StrCat("cannot parse ", out->GetTypeName(), " in ", options_.path));
  }
  return true;
}

absl::Status KvStore::Write(const Batch& batch) {
  if (options_.read_only) return absl::FailedPreconditionError("store is open read-only");
  if (batch.store_ == nullptr) {  // a recorded batch: bound to this store now, one path for both kinds
    Batch bound(this);
    for (const auto& op : batch.ops_) bound.Bound(op.cf, op.kind, op.key, op.value);
    return Write(bound);
  }
  if (batch.store_ != this) {
    return absl::InvalidArgumentError(absl::StrCat("a batch bound to the store in ", batch.store_->path(),
                                                   " cannot be written to ", options_.path));
  }
  if (!batch.error_.ok()) return batch.error_;
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  return FromRocks(db_->Write(wo, batch.wb_.get()), "write");
}

absl::Status KvStore::Scan(std::string_view cf, std::string_view prefix, const ScanFn& fn,
                           std::string_view start) const {
  auto h = Cf(cf);
  if (!h.ok()) return h.status();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), *h));
  std::string_view seek = start.empty() ? prefix : start;
  for (it->Seek(rocksdb::Slice(seek.data(), seek.size())); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    std::string_view key(k.data(), k.size());
    if (key.substr(0, prefix.size()) != prefix) break;
    rocksdb::Slice v = it->value();
    if (!fn(key, std::string_view(v.data(), v.size()))) break;
  }
  return FromRocks(it->status(), "scan");
}

absl::Status KvStore::Flush() {
  if (options_.read_only) return absl::OkStatus();
  rocksdb::FlushOptions fo;
  for (auto* h : handles_) {
    rocksdb::Status s = db_->Flush(fo, h);
    if (!s.ok()) return FromRocks(s, "flush");
  }
  return absl::OkStatus();
}

}  // namespace chatrec::storage
