// gRPC layer of the feedback service: unpacks requests, calls FeedbackCore,
// maps statuses. No logic lives here.
#pragma once

#include "chatrec/v1/feedback.grpc.pb.h"
#include "services/feedback/feedback_core.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace chatrec::feedback {

class FeedbackServiceImpl final : public v1::FeedbackService::CallbackService {
 public:
  // Record and RecordStream do not hold a thread while their events wait for the group commit:
  // the event store finishes the call once they are durable (FeedbackCore::RecordAsync).
  // Registers chatrec_feedback_events_total{result="recorded|duplicate"} in `registry`.
  FeedbackServiceImpl(FeedbackCore* core, prometheus::Registry* registry);

  grpc::ServerUnaryReactor* Record(grpc::CallbackServerContext* ctx, const v1::RecordRequest* req,
                                   v1::RecordResponse* resp) override;
  grpc::ServerReadReactor<v1::Event>* RecordStream(grpc::CallbackServerContext* ctx,
                                                   v1::RecordResponse* resp) override;
  grpc::ServerUnaryReactor* GetHistory(grpc::CallbackServerContext* ctx, const v1::GetHistoryRequest* req,
                                       v1::GetHistoryResponse* resp) override;
  grpc::ServerUnaryReactor* GetUserState(grpc::CallbackServerContext* ctx, const v1::GetUserStateRequest* req,
                                         v1::UserState* resp) override;
  grpc::ServerUnaryReactor* DeleteUser(grpc::CallbackServerContext* ctx, const v1::DeleteUserRequest* req,
                                       v1::DeleteUserResponse* resp) override;
  grpc::ServerUnaryReactor* GetItemSignals(grpc::CallbackServerContext* ctx, const v1::GetItemSignalsRequest* req,
                                           v1::ItemSignals* resp) override;
  grpc::ServerUnaryReactor* GetTrending(grpc::CallbackServerContext* ctx, const v1::GetTrendingRequest* req,
                                        v1::GetTrendingResponse* resp) override;
  grpc::ServerUnaryReactor* GetCoOccurring(grpc::CallbackServerContext* ctx, const v1::GetCoOccurringRequest* req,
                                           v1::GetCoOccurringResponse* resp) override;

 private:
  FeedbackCore* core_;
  prometheus::Counter* recorded_;
  prometheus::Counter* duplicates_;
};

}  // namespace chatrec::feedback
