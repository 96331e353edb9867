#include "libs/dialogue/session_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/common/status_macros.h"

namespace chatrec::dialogue {

absl::StatusOr<std::unique_ptr<SessionStore>> SessionStore::Open(const std::string& path, int ttl_seconds,
                                                                 bool sync) {
  ASSIGN_OR_RETURN(auto kv, storage::KvStore::Open({.path = path, .column_families = {"sessions"},
                                                    .ttl_seconds = ttl_seconds, .sync = sync}));
  return std::unique_ptr<SessionStore>(new SessionStore(std::move(kv)));
}

absl::StatusOr<v1::Session> SessionStore::Create(const std::string& user_id, int64_t now_ms) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  v1::Session s;
  s.set_session_id(absl::StrFormat("s-%016x%08x", rng(), static_cast<uint32_t>(rng())));
  s.set_user_id(user_id);
  s.set_created_ms(now_ms);
  s.set_updated_ms(now_ms);
  RETURN_IF_ERROR(Put(s));
  return s;
}

absl::StatusOr<v1::Session> SessionStore::Get(const std::string& session_id) const {
  v1::Session s;
  ASSIGN_OR_RETURN(bool found, kv_->GetProto("sessions", session_id, &s));
  if (!found) {
    return absl::NotFoundError(absl::StrCat("session '", session_id,
                                            "' not found (unknown, ended or expired); leave session_id empty to start a new one"));
  }
  return s;
}

absl::Status SessionStore::Put(const v1::Session& session) {
  return kv_->PutProto("sessions", session.session_id(), session);
}

absl::Status SessionStore::Delete(const std::string& session_id) { return kv_->Delete("sessions", session_id); }

}  // namespace chatrec::dialogue
