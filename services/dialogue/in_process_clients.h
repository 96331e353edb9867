// Clients that call the retrieval and scoring cores in the same process, and a
// feedback client without a store: the dialogue engine's production path
// without the network, for offline evaluation (`chatrec eval redial`) and tests.
// Each can be made to fail, to exercise the fallbacks.
#pragma once

#include <vector>

#include "libs/dialogue/clients.h"
#include "services/retrieval/retrieval_core.h"
#include "services/scoring/scoring_core.h"

namespace chatrec::dialogue {

// Every user is new (cold start); recorded events are kept in memory.
class InProcessFeedback : public FeedbackClient {
 public:
  absl::StatusOr<v1::UserState> GetUserState(const std::string& user_id, Deadline deadline) override;
  absl::Status Record(const v1::RecordRequest& request, Deadline deadline) override;
  int Count(v1::EventType type) const;

  absl::Status fail;
  std::vector<v1::Event> events;
  Deadline last_deadline;
};

class InProcessRetrieval : public RetrievalClient {
 public:
  explicit InProcessRetrieval(retrieval::RetrievalCore* core) : core_(core) {}
  absl::StatusOr<v1::RetrieveResponse> Retrieve(const v1::RetrieveRequest& request, Deadline deadline) override;

  absl::Status fail;
  Deadline last_deadline;

 private:
  retrieval::RetrievalCore* core_;
};

class InProcessScoring : public ScoringClient {
 public:
  explicit InProcessScoring(scoring::ScoringCore* core) : core_(core) {}
  absl::StatusOr<v1::ScoreResponse> Score(const v1::ScoreRequest& request, Deadline deadline) override;

  absl::Status fail;

 private:
  scoring::ScoringCore* core_;
};

}  // namespace chatrec::dialogue
