#include "services/dialogue/grpc_clients.h"

#include "libs/server/client.h"
#include "libs/server/status.h"

namespace chatrec::dialogue {
namespace {

template <typename Stub, typename Req, typename Resp, typename Method>
absl::StatusOr<Resp> Call(Stub* stub, Method method, const Req& req, Deadline deadline,
                          std::chrono::milliseconds timeout) {
  grpc::ClientContext ctx;
  server::SetDeadline(&ctx, deadline, timeout);
  Resp resp;
  grpc::Status s = (stub->*method)(&ctx, req, &resp);
  if (!s.ok()) return server::FromGrpcStatus(s);
  return resp;
}

}  // namespace

GrpcFeedbackClient::GrpcFeedbackClient(const std::string& address, std::chrono::milliseconds timeout)
    : stub_(v1::FeedbackService::NewStub(server::MakeChannel(address))), timeout_(timeout) {}

absl::StatusOr<v1::UserState> GrpcFeedbackClient::GetUserState(const std::string& user_id, Deadline deadline) {
  v1::GetUserStateRequest req;
  req.set_user_id(user_id);
  return Call<v1::FeedbackService::Stub, v1::GetUserStateRequest, v1::UserState>(
      stub_.get(), &v1::FeedbackService::Stub::GetUserState, req, deadline, timeout_);
}

absl::Status GrpcFeedbackClient::Record(const v1::RecordRequest& request, Deadline deadline) {
  return Call<v1::FeedbackService::Stub, v1::RecordRequest, v1::RecordResponse>(
             stub_.get(), &v1::FeedbackService::Stub::Record, request, deadline, timeout_)
      .status();
}

GrpcRetrievalClient::GrpcRetrievalClient(const std::string& address, std::chrono::milliseconds timeout)
    : stub_(v1::RetrievalService::NewStub(server::MakeChannel(address))), timeout_(timeout) {}

absl::StatusOr<v1::RetrieveResponse> GrpcRetrievalClient::Retrieve(const v1::RetrieveRequest& request,
                                                                   Deadline deadline) {
  return Call<v1::RetrievalService::Stub, v1::RetrieveRequest, v1::RetrieveResponse>(
      stub_.get(), &v1::RetrievalService::Stub::Retrieve, request, deadline, timeout_);
}

GrpcScoringClient::GrpcScoringClient(const std::string& address, std::chrono::milliseconds timeout)
    : stub_(v1::ScoringService::NewStub(server::MakeChannel(address))), timeout_(timeout) {}

absl::StatusOr<v1::ScoreResponse> GrpcScoringClient::Score(const v1::ScoreRequest& request, Deadline deadline) {
  return Call<v1::ScoringService::Stub, v1::ScoreRequest, v1::ScoreResponse>(
      stub_.get(), &v1::ScoringService::Stub::Score, request, deadline, timeout_);
}

}  // namespace chatrec::dialogue
