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

events::SummaryUpdater FeedbackCore::StatsUpdater(const model::ModelWatcher* models) {
  return [models](const v1::Event& e, internal::UserSummary* s) {
    model::ModelPtr m = models->Current();
    bool changed = false;
    if (s->model_version() != m->version) {
      if (s->event_count() > 1) {
        // Statistics of another version (or none yet, after an import): mark them
        // stale; GetUserState rebuilds them once from the history.
        changed = !s->model_version().empty() || s->gram_size() > 0 || s->rhs_size() > 0;
        s->clear_model_version();
        s->clear_gram();
        s->clear_rhs();
        return changed;
      }
      model::ResetStatistics(*m, s);  // a new user: start from an empty history
      changed = true;
    }
    int32_t row = m->RowOf(e.item_id());
    auto signal = model::SignalOf(e.type(), e.rating());
    if (row >= 0 && signal) {
      model::Accumulate(*m, row, *signal, s);
      changed = true;
    }
    return changed;
  };
}

absl::StatusOr<std::vector<v1::Event>> FeedbackCore::CheckedEvents(const v1::RecordRequest& request) const {
  if (request.events_size() == 0) return absl::InvalidArgumentError("events is empty");
  if (request.events_size() > kMaxBatch) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxBatch, " events per request; split the batch"));
  }
  std::vector<v1::Event> events(request.events().begin(), request.events().end());
  for (size_t i = 0; i < events.size(); ++i) RETURN_IF_ERROR(ValidateEvent(&events[i], static_cast<int>(i)));
  return events;
}

void FeedbackCore::RecordAsync(const v1::RecordRequest& request, RecordDone done) {
  absl::StatusOr<std::vector<v1::Event>> events = CheckedEvents(request);
  if (!events.ok()) return done(events.status());
  o_.store->AppendAsync(std::move(*events), [done = std::move(done)](absl::StatusOr<events::AppendResult> r) {
    if (!r.ok()) return done(r.status());
    v1::RecordResponse resp;
    resp.set_recorded(r->recorded);
    resp.set_duplicates(r->duplicates);
    done(std::move(resp));
  });
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

absl::StatusOr<std::vector<float>> FeedbackCore::UserVector(const std::string& user_id, internal::UserSummary s,
                                                            const model::Model& m) {
  if (s.model_version() != m.version) {
    // Rebuilt once per (user, model version) and stored, serialized with appends:
    // an event recorded meanwhile is either in the scanned history or applied after.
    events::SummaryRefresher rebuild = [&](internal::UserSummary* current) -> absl::StatusOr<bool> {
      if (current->model_version() == m.version) return false;  // another call did it
      model::ResetStatistics(m, current);
      RETURN_IF_ERROR(o_.store->ScanUser(user_id, 0, 0, "", [&](const std::string&, const v1::Event& e) {
        int32_t row = m.RowOf(e.item_id());
        auto signal = model::SignalOf(e.type(), e.rating());
        if (row >= 0 && signal) model::Accumulate(m, row, *signal, current);
        return true;
      }));
      return true;
    };
    ASSIGN_OR_RETURN(s, o_.store->RefreshSummary(user_id, rebuild));
  }
  return model::EncodeUser(m, s);
}

absl::StatusOr<v1::ItemSignals> FeedbackCore::GetItemSignals(const v1::GetItemSignalsRequest& req) const {
  if (o_.catalog->RowOf(req.item_id()) < 0) {
    return absl::InvalidArgumentError(absl::StrCat("item_id ", req.item_id(), " is not in the catalogue"));
  }
  if (req.max_neighbors() < 0 || req.max_neighbors() > events::EventStore::kCoCap) {
    return absl::InvalidArgumentError(absl::StrCat("max_neighbors must be 0..", events::EventStore::kCoCap));
  }
  ASSIGN_OR_RETURN(internal::ItemStats stats, o_.store->GetItemStats(req.item_id()));
  ASSIGN_OR_RETURN(std::vector<events::CoOccurrence> co,
                   o_.store->GetCoOccurrences(req.item_id(), req.max_neighbors() == 0 ? 20 : req.max_neighbors()));
  v1::ItemSignals out;
  const int64_t now = o_.clock->NowMs();
  out.set_item_id(req.item_id());
  out.set_events(stats.events());
  out.set_positives(stats.positives());
  out.set_negatives(stats.negatives());
  out.set_decayed_popularity(events::EventStore::PopularityAt(stats, now));
  out.set_as_of_ms(now);
  for (const auto& c : co) {
    auto* n = out.add_co_occurring();
    n->set_item_id(c.item_id);
    n->set_count(c.count);
  }
  return out;
}

absl::StatusOr<v1::GetTrendingResponse> FeedbackCore::GetTrending(const v1::GetTrendingRequest& req) const {
  if (req.k() < 1 || req.k() > kMaxSignalItems) {
    return absl::InvalidArgumentError(absl::StrCat("k must be 1..", kMaxSignalItems, ", got ", req.k()));
  }
  const int64_t now = o_.clock->NowMs();
  ASSIGN_OR_RETURN(std::vector<events::EventStore::Popular> top, o_.store->TopPopular(req.k(), now));
  v1::GetTrendingResponse out;
  out.set_as_of_ms(now);
  for (const auto& p : top) {
    auto* item = out.add_items();
    item->set_item_id(p.item_id);
    item->set_decayed_popularity(p.popularity);
  }
  return out;
}

absl::StatusOr<v1::GetCoOccurringResponse> FeedbackCore::GetCoOccurring(const v1::GetCoOccurringRequest& req) const {
  if (req.k() < 1 || req.k() > kMaxSignalItems) {
    return absl::InvalidArgumentError(absl::StrCat("k must be 1..", kMaxSignalItems, ", got ", req.k()));
  }
  if (req.item_ids_size() < 1 || req.item_ids_size() > kMaxSeeds) {
    return absl::InvalidArgumentError(absl::StrCat("item_ids must hold 1..", kMaxSeeds, " seeds, got ", req.item_ids_size()));
  }
  for (int64_t id : req.item_ids()) {
    if (o_.catalog->RowOf(id) < 0) return absl::InvalidArgumentError(absl::StrCat("item_id ", id, " is not in the catalogue"));
  }
  ASSIGN_OR_RETURN(std::vector<events::CoOccurrence> co,
                   o_.store->GetCoOccurrences(absl::MakeConstSpan(req.item_ids().data(), req.item_ids_size()), req.k()));
  v1::GetCoOccurringResponse out;
  for (const auto& c : co) {
    auto* n = out.add_items();
    n->set_item_id(c.item_id);
    n->set_count(c.count);
  }
  return out;
}

absl::StatusOr<v1::UserState> FeedbackCore::GetUserState(const v1::GetUserStateRequest& req) {
  if (req.user_id().empty()) return absl::InvalidArgumentError("user_id is empty");
  ASSIGN_OR_RETURN(internal::UserSummary s, o_.store->GetSummary(req.user_id()));
  model::ModelPtr m = o_.models->Current();
  v1::UserState state;
  state.set_user_id(req.user_id());
  state.set_model_version(m->version);
  state.set_event_count(s.event_count());
  for (int type = 0; type < s.type_counts_size(); ++type) {
    if (s.type_counts(type) > 0 && v1::EventType_IsValid(type)) {
      (*state.mutable_counts_by_type())[v1::EventType_Name(static_cast<v1::EventType>(type))] = s.type_counts(type);
    }
  }
  for (const auto& [type, n] : s.counts_by_type()) (*state.mutable_counts_by_type())[type] += n;
  *state.mutable_liked_item_ids() = s.liked_item_ids();
  *state.mutable_rejected_item_ids() = s.rejected_item_ids();
  *state.mutable_seen_item_ids() = s.seen_item_ids();
  state.set_last_event_ms(s.last_event_ms());
  if (s.event_count() == 0) {
    state.set_cold_start(true);
    return state;
  }
  ASSIGN_OR_RETURN(std::vector<float> u, UserVector(req.user_id(), std::move(s), *m));
  state.mutable_vector()->Add(u.begin(), u.end());
  state.set_cold_start(u.empty());
  return state;
}

absl::StatusOr<v1::DeleteUserResponse> FeedbackCore::DeleteUser(const v1::DeleteUserRequest& req) {
  if (req.user_id().empty()) return absl::InvalidArgumentError("user_id is empty");
  ASSIGN_OR_RETURN(int64_t n, o_.store->DeleteUser(req.user_id()));
  v1::DeleteUserResponse resp;
  resp.set_events_deleted(n);
  return resp;
}

}  // namespace chatrec::feedback
