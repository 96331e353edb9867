// Dialogue sessions in RocksDB (<store_dir>/dialogue) with a TTL, so that a
// restart loses no session and abandoned ones expire by themselves.
#pragma once

#include <memory>
#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "chatrec/v1/dialogue.pb.h"
#include "libs/storage/kv_store.h"

namespace chatrec::dialogue {

class SessionStore {
 public:
  // ttl_seconds: sessions untouched this long may be dropped.
  // sync: fsync the WAL on every turn. Off (the default), a turn is in the WAL in the OS page cache when the
  // reply goes out: a killed or crashed process loses no session, a machine crash may lose the last turns.
  static absl::StatusOr<std::unique_ptr<SessionStore>> Open(const std::string& path, int ttl_seconds,
                                                            bool sync = false);

  // A new session with a random id.
  absl::StatusOr<v1::Session> Create(const std::string& user_id, int64_t now_ms);
  // NotFound (with what to do about it) if the id is unknown, ended or expired.
  absl::StatusOr<v1::Session> Get(const std::string& session_id) const;
  absl::Status Put(const v1::Session& session);
  absl::Status Delete(const std::string& session_id);
  absl::Status Flush() { return kv_->Flush(); }

 private:
  explicit SessionStore(std::unique_ptr<storage::KvStore> kv) : kv_(std::move(kv)) {}
  std::unique_ptr<storage::KvStore> kv_;
};

}  // namespace chatrec::dialogue
