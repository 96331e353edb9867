#include "services/dialogue/dialogue_service.h"

#include "libs/server/unary.h"

namespace chatrec::dialogue {
namespace {

// The caller's deadline, capped so that a call without one still ends.
Deadline TurnDeadline(const grpc::CallbackServerContext* ctx) {
  auto cap = std::chrono::system_clock::now() + std::chrono::seconds(10);
  return std::min<Deadline>(ctx->deadline(), cap);
}

}  // namespace

grpc::ServerUnaryReactor* DialogueServiceImpl::StartSession(grpc::CallbackServerContext* ctx,
                                                            const v1::StartSessionRequest* req, v1::Session* resp) {
  return server::Respond(ctx, resp, [&] { return core_->StartSession(*req); });
}

grpc::ServerUnaryReactor* DialogueServiceImpl::Converse(grpc::CallbackServerContext* ctx,
                                                        const v1::ConverseRequest* req, v1::ConverseResponse* resp) {
  Deadline deadline = TurnDeadline(ctx);
  return server::UnaryOnPool(pool_, ctx, [this, req, resp, deadline]() -> absl::Status {
    auto r = core_->Converse(*req, deadline);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

grpc::ServerUnaryReactor* DialogueServiceImpl::GetSession(grpc::CallbackServerContext* ctx,
                                                          const v1::GetSessionRequest* req, v1::Session* resp) {
  return server::Respond(ctx, resp, [&] { return core_->GetSession(*req); });
}

grpc::ServerUnaryReactor* DialogueServiceImpl::EndSession(grpc::CallbackServerContext* ctx,
                                                          const v1::EndSessionRequest* req, v1::EndSessionResponse*) {
  return server::Unary(ctx, [&]() { return core_->EndSession(*req); });
}

grpc::ServerUnaryReactor* DialogueServiceImpl::ExplainItem(grpc::CallbackServerContext* ctx,
                                                           const v1::ExplainItemRequest* req,
                                                           v1::ExplainItemResponse* resp) {
  Deadline deadline = TurnDeadline(ctx);
  return server::UnaryOnPool(pool_, ctx, [this, req, resp, deadline]() -> absl::Status {
    auto r = core_->ExplainItem(*req, deadline);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

}  // namespace chatrec::dialogue
