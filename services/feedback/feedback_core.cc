#include "services/feedback/feedback_core.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/model/user_encoder.h"

namespace chatrec::feedback {
namespace {

constexpr int kMaxIdBytes = 256;

absl::Status CheckId(const std::string& value, const char* field, int index) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat("events[", index, "].", field, " is empty"));
  if (value.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat("events[", index, "].", field, " is longer than ", kMaxIdBytes, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status FeedbackCore::ValidateEvent(v1::Event* e, int i) const {
  RETURN_IF_ERROR(CheckId(e->event_id(), "event_id", i));
  RETURN_IF_ERROR(CheckId(e->user_id(), "user_id", i));
  if (e->type() == v1::EVENT_TYPE_UNSPECIFIED || !v1::EventType_IsValid(e->type())) {
    return absl::InvalidArgumentError(absl::StrCat("events[", i, "].type ", static_cast<int>(e->type()),
                                                   " is not an event type; use one of IMPRESSION, CLICK, LIKE, "
                                                   "DISLIKE, RATING, ACCEPT, REJECT, WATCH"));
  }
  if (o_.catalog->RowOf(e->item_id()) < 0) {
    return absl::InvalidArgumentError(absl::StrCat("events[", i, "].item_id ", e->item_id(), " is not in the catalogue"));
  }
  if (e->type() == v1::EVENT_TYPE_RATING && !(e->rating() >= 1 && e->rating() <= 5)) {
    return absl::InvalidArgumentError(absl::StrCat("events[", i, "].rating must be 1-5 for RATING events"));
  }
  if (e->timestamp_ms() < 0) return absl::InvalidArgumentError(absl::StrCat("events[", i, "].timestamp_ms is negative"));
  if (e->timestamp_ms() == 0) e->set_timestamp_ms(o_.clock->NowMs());
  return absl::OkStatus();
}

absl::StatusOr<v1::RecordResponse> FeedbackCore::Record(const v1::RecordRequest& request) {
  if (request.events_size() == 0) return absl::InvalidArgumentError("events is empty");
  if (request.events_size() > kMaxBatch) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxBatch, " events per request; split the batch"));
  }
  std::vector<v1::Event> events(request.events().begin(), request.events().end());
  for (size_t i = 0; i < events.size(); ++i) RETURN_IF_ERROR(ValidateEvent(&events[i], static_cast<int>(i)));
  model::ModelPtr m = o_.models->Current();
  const catalog::Catalog* catalog = o_.catalog;
  events::SummaryUpdater updater = [&](const v1::Event& e, internal::UserSummary* s) {
    auto signal = model::SignalOf(e.type(), e.rating());
    // Statistics of another version are rebuilt from the history when read.
    if (!signal || (s->model_version() != m->version && s->event_count() > 1)) return;
    model::Accumulate(*m, catalog->RowOf(e.item_id()), *signal, s);
  };
  ASSIGN_OR_RETURN(events::AppendResult r, o_.store->Append(events, updater));
  v1::RecordResponse resp;
  resp.set_recorded(r.recorded);
  resp.set_duplicates(r.duplicates);
  return resp;
}

absl::StatusOr<v1::GetHistoryResponse> FeedbackCore::GetHistory(const v1::GetHistoryRequest& req) const {
  if (req.user_id().empty()) return absl::InvalidArgumentError("user_id is empty");
  if (req.page_size() < 0 || req.page_size() > 1000) return absl::InvalidArgumentError("page_size must be 0..1000");
  int page_size = req.page_size() == 0 ? 100 : req.page_size();
  std::string resume;
  if (!req.page_token().empty()) {
    // Tokens are the hex of the last key returned: opaque to clients, checked here.
    if (req.page_token().size() % 2 != 0) return absl::InvalidArgumentError("page_token is not a token we issued");
    for (size_t i = 0; i < req.page_token().size(); i += 2) {
      int byte;
      if (sscanf(req.page_token().c_str() + i, "%2x", &byte) != 1) {
        return absl::InvalidArgumentError("page_token is not a token we issued");
      }
      resume.push_back(static_cast<char>(byte));
    }
  }
  v1::GetHistoryResponse resp;
  std::string last_key;
  bool more = false;
  RETURN_IF_ERROR(o_.store->ScanUser(req.user_id(), req.since_ms(), req.until_ms(), resume,
                                     [&](const std::string& key, const v1::Event& e) {
                                       if (!req.types().empty() &&
                                           std::find(req.types().begin(), req.types().end(), e.type()) ==
                                               req.types().end()) {
                                         return true;
                                       }
                                       if (resp.events_size() == page_size) {
                                         more = true;
                                         return false;
                                       }
                                       *resp.add_events() = e;
                                       last_key = key;
                                       return true;
                                     }));
  if (more) {
    std::string token;
    for (unsigned char c : last_key) absl::StrAppend(&token, absl::Hex(c, absl::kZeroPad2));
    resp.set_next_page_token(token);
  }
  return resp;
}

absl::StatusOr<std::vector<float>> FeedbackCore::UserVector(const std::string& user_id,
                                                            const internal::UserSummary& s, const model::Model& m) {
  if (s.model_version() == m.version) return model::EncodeUser(m, s);
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = rebuilt_.find(user_id);
    if (it != rebuilt_.end() && it->second.version == m.version && it->second.events == s.event_count()) {
      return it->second.vector;
    }
  }
  internal::UserSummary stats;
  model::ResetStatistics(m, &stats);
  RETURN_IF_ERROR(o_.store->ScanUser(user_id, 0, 0, "", [&](const std::string&, const v1::Event& e) {
    int32_t row = m.RowOf(e.item_id());
    auto signal = model::SignalOf(e.type(), e.rating());
    if (row >= 0 && signal) model::Accumulate(m, row, *signal, &stats);
    return true;
  }));
  std::vector<float> u = model::EncodeUser(m, stats);
  std::lock_guard<std::mutex> lock(cache_mu_);
  rebuilt_[user_id] = Cached{m.version, s.event_count(), u};
  return u;
}

absl::StatusOr<v1::UserState> FeedbackCore::GetUserState(const v1::GetUserStateRequest& req) {
  if (req.user_id().empty()) return absl::InvalidArgumentError("user_id is empty");
  ASSIGN_OR_RETURN(internal::UserSummary s, o_.store->GetSummary(req.user_id()));
  model::ModelPtr m = o_.models->Current();
  v1::UserState state;
  state.set_user_id(req.user_id());
  state.set_model_version(m->version);
  state.set_event_count(s.event_count());
  for (const auto& [type, n] : s.counts_by_type()) (*state.mutable_counts_by_type())[type] = n;
  *state.mutable_liked_item_ids() = s.liked_item_ids();
  *state.mutable_rejected_item_ids() = s.rejected_item_ids();
  *state.mutable_seen_item_ids() = s.seen_item_ids();
  state.set_last_event_ms(s.last_event_ms());
  if (s.event_count() == 0) {
    state.set_cold_start(true);
    return state;
  }
  ASSIGN_OR_RETURN(std::vector<float> u, UserVector(req.user_id(), s, *m));
  state.mutable_vector()->Add(u.begin(), u.end());
  state.set_cold_start(u.empty());
  return state;
}

absl::StatusOr<v1::DeleteUserResponse> FeedbackCore::DeleteUser(const v1::DeleteUserRequest& req) {
  if (req.user_id().empty()) return absl::InvalidArgumentError("user_id is empty");
  ASSIGN_OR_RETURN(int64_t n, o_.store->DeleteUser(req.user_id()));
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    rebuilt_.erase(req.user_id());
  }
  v1::DeleteUserResponse resp;
  resp.set_events_deleted(n);
  return resp;
}

}  // namespace chatrec::feedback
