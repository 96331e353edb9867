// Feedback logic without gRPC: validates events, records them durably through
// the EventStore, keeps each user's fold-in statistics current so the next
// request already sees the new behaviour vector, and answers history queries.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "chatrec/v1/feedback.pb.h"
#include "libs/catalog/catalog.h"
#include "libs/common/time.h"
#include "libs/events/event_store.h"
#include "libs/model/model_watcher.h"

namespace chatrec::feedback {

struct FeedbackCoreOptions {
  const catalog::Catalog* catalog = nullptr;  // to reject unknown item ids
  model::ModelWatcher* models = nullptr;      // for the user vector
  events::EventStore* store = nullptr;
  const Clock* clock = &Clock::System();
};

class FeedbackCore {
 public:
  static constexpr int kMaxBatch = 10000;
  explicit FeedbackCore(FeedbackCoreOptions options) : o_(options) {}

  // The event store's stats_updater: adds an event to its user's implicit-ALS fold-in
  // statistics for the model `models` serves (see libs/model/user_encoder.h).
  static events::SummaryUpdater StatsUpdater(const model::ModelWatcher* models);

  // Records the request's events without waiting for the group commit: `done` runs once they are
  // durable (on the event store's writer thread: it must be quick), or before this returns if the
  // request is invalid. All events are checked first; one bad event rejects the request and nothing
  // is written.
  using RecordDone = std::function<void(absl::StatusOr<v1::RecordResponse>)>;
  void RecordAsync(const v1::RecordRequest& request, RecordDone done);
  absl::StatusOr<v1::GetHistoryResponse> GetHistory(const v1::GetHistoryRequest& request) const;
  absl::StatusOr<v1::UserState> GetUserState(const v1::GetUserStateRequest& request);
  absl::StatusOr<v1::DeleteUserResponse> DeleteUser(const v1::DeleteUserRequest& request);
  // Counters and co-occurrences of one catalogue item.
  absl::StatusOr<v1::ItemSignals> GetItemSignals(const v1::GetItemSignalsRequest& request) const;
  static constexpr int kMaxSignalItems = 1000, kMaxSeeds = 50;
  absl::StatusOr<v1::GetTrendingResponse> GetTrending(const v1::GetTrendingRequest& request) const;
  absl::StatusOr<v1::GetCoOccurringResponse> GetCoOccurring(const v1::GetCoOccurringRequest& request) const;
  absl::Status Flush() { return o_.store->Flush(); }

  // Checks one event and fills in the server-side defaults (timestamp).
  absl::Status ValidateEvent(v1::Event* event, int index) const;

 private:
  // u for the current model: from the summary's statistics, or, when they belong
  // to another model version (after `chatrec train`, or an import), rebuilt once
  // from the history and stored so the next call is a single read.
  absl::StatusOr<std::vector<float>> UserVector(const std::string& user_id, internal::UserSummary s,
                                                const model::Model& m);

  // The request's events, checked, with the server-side defaults filled in.
  absl::StatusOr<std::vector<v1::Event>> CheckedEvents(const v1::RecordRequest& request) const;

  FeedbackCoreOptions o_;
};

}  // namespace chatrec::feedback
