// Feedback logic without gRPC: validates events, records them durably through
// the EventStore, keeps each user's fold-in statistics current so the next
// request already sees the new behaviour vector, and answers history queries.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
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

  // All events are checked first; one bad event rejects the request and nothing is written.
  absl::StatusOr<v1::RecordResponse> Record(const v1::RecordRequest& request);
  absl::StatusOr<v1::GetHistoryResponse> GetHistory(const v1::GetHistoryRequest& request) const;
  absl::StatusOr<v1::UserState> GetUserState(const v1::GetUserStateRequest& request);
  absl::StatusOr<v1::DeleteUserResponse> DeleteUser(const v1::DeleteUserRequest& request);
  absl::Status Flush() { return o_.store->Flush(); }

  // Checks one event and fills in the server-side defaults (timestamp).
  absl::Status ValidateEvent(v1::Event* event, int index) const;

 private:
  // u for the current model: from the summary's statistics, or rebuilt from the
  // history when they belong to an older model version (after `chatrec train`).
  absl::StatusOr<std::vector<float>> UserVector(const std::string& user_id, const internal::UserSummary& s,
                                                const model::Model& m);

  FeedbackCoreOptions o_;
  std::mutex cache_mu_;
  // user -> (model version, event count, vector) for users whose stats were rebuilt.
  struct Cached {
    std::string version;
    int64_t events;
    std::vector<float> vector;
  };
  absl::flat_hash_map<std::string, Cached> rebuilt_;  // guarded by cache_mu_
};

}  // namespace chatrec::feedback
