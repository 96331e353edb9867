#include "services/scoring/scoring_service.h"

#include "libs/server/unary.h"

namespace chatrec::scoring {

grpc::ServerUnaryReactor* ScoringServiceImpl::Score(grpc::CallbackServerContext* ctx, const v1::ScoreRequest* req,
                                                    v1::ScoreResponse* resp) {
  return server::Respond(ctx, resp, [&] { return core_->Score(*req); });
}

grpc::ServerUnaryReactor* ScoringServiceImpl::GetModelInfo(grpc::CallbackServerContext* ctx,
                                                           const v1::GetModelInfoRequest*, v1::ModelInfo* resp) {
  return server::Respond(ctx, resp, [&] { return core_->GetModelInfo(); });
}

}  // namespace chatrec::scoring
