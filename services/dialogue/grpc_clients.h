// gRPC implementations of the dialogue engine's client interfaces. Each call
// gets min(turn deadline, its own timeout), so a slow service costs at most its
// budget and the turn can still answer through a fallback.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "chatrec/v1/feedback.grpc.pb.h"
#include "chatrec/v1/retrieval.grpc.pb.h"
#include "chatrec/v1/scoring.grpc.pb.h"
#include "libs/dialogue/clients.h"

namespace chatrec::dialogue {

struct ClientTimeouts {
  std::chrono::milliseconds feedback{300};
  std::chrono::milliseconds retrieval{500};
  std::chrono::milliseconds scoring{500};
};

class GrpcFeedbackClient final : public FeedbackClient {
 public:
  GrpcFeedbackClient(const std::string& address, std::chrono::milliseconds timeout);
  absl::StatusOr<v1::UserState> GetUserState(const std::string& user_id, Deadline deadline) override;
  absl::Status Record(const v1::RecordRequest& request, Deadline deadline) override;

 private:
  std::unique_ptr<v1::FeedbackService::Stub> stub_;
  std::chrono::milliseconds timeout_;
};

class GrpcRetrievalClient final : public RetrievalClient {
 public:
  GrpcRetrievalClient(const std::string& address, std::chrono::milliseconds timeout);
  absl::StatusOr<v1::RetrieveResponse> Retrieve(const v1::RetrieveRequest& request, Deadline deadline) override;

 private:
  std::unique_ptr<v1::RetrievalService::Stub> stub_;
  std::chrono::milliseconds timeout_;
};

class GrpcScoringClient final : public ScoringClient {
 public:
  GrpcScoringClient(const std::string& address, std::chrono::milliseconds timeout);
  absl::StatusOr<v1::ScoreResponse> Score(const v1::ScoreRequest& request, Deadline deadline) override;

 private:
  std::unique_ptr<v1::ScoringService::Stub> stub_;
  std::chrono::milliseconds timeout_;
};

}  // namespace chatrec::dialogue
