// What the dialogue engine needs from the other services, as small interfaces so
// that tests can pass fakes. The gRPC implementations live in services/dialogue.
// Every call carries the turn's deadline; implementations never wait past it.
#pragma once

#include <chrono>

#include "absl/status/statusor.h"
#include "chatrec/v1/feedback.pb.h"
#include "chatrec/v1/retrieval.pb.h"
#include "chatrec/v1/scoring.pb.h"

namespace chatrec::dialogue {

using Deadline = std::chrono::system_clock::time_point;

class FeedbackClient {
 public:
  virtual ~FeedbackClient() = default;
  virtual absl::StatusOr<v1::UserState> GetUserState(const std::string& user_id, Deadline deadline) = 0;
  virtual absl::Status Record(const v1::RecordRequest& request, Deadline deadline) = 0;
};

class RetrievalClient {
 public:
  virtual ~RetrievalClient() = default;
  virtual absl::StatusOr<v1::RetrieveResponse> Retrieve(const v1::RetrieveRequest& request, Deadline deadline) = 0;
};

class ScoringClient {
 public:
  virtual ~ScoringClient() = default;
  virtual absl::StatusOr<v1::ScoreResponse> Score(const v1::ScoreRequest& request, Deadline deadline) = 0;
};

}  // namespace chatrec::dialogue
