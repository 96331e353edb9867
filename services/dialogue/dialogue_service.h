// gRPC layer of the dialogue service. Turns that call other services run on a
// worker pool, so gRPC's callback threads never block on the network.
#pragma once

#include "chatrec/v1/dialogue.grpc.pb.h"
#include "libs/common/thread_pool.h"
#include "services/dialogue/dialogue_core.h"

namespace chatrec::dialogue {

class DialogueServiceImpl final : public v1::DialogueService::CallbackService {
 public:
  DialogueServiceImpl(DialogueCore* core, ThreadPool* pool) : core_(core), pool_(pool) {}

  grpc::ServerUnaryReactor* StartSession(grpc::CallbackServerContext* ctx, const v1::StartSessionRequest* req,
                                         v1::Session* resp) override;
  grpc::ServerUnaryReactor* Converse(grpc::CallbackServerContext* ctx, const v1::ConverseRequest* req,
                                     v1::ConverseResponse* resp) override;
  grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* ctx, const v1::GetSessionRequest* req,
                                       v1::Session* resp) override;
  grpc::ServerUnaryReactor* EndSession(grpc::CallbackServerContext* ctx, const v1::EndSessionRequest* req,
                                       v1::EndSessionResponse* resp) override;
  grpc::ServerUnaryReactor* ExplainItem(grpc::CallbackServerContext* ctx, const v1::ExplainItemRequest* req,
                                        v1::ExplainItemResponse* resp) override;

 private:
  DialogueCore* core_;
  ThreadPool* pool_;
};

}  // namespace chatrec::dialogue
