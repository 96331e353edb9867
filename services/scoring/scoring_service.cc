#include "services/scoring/scoring_service.h"

#include "libs/server/unary.h"

namespace chatrec::scoring {

grpc::ServerUnaryReactor* ScoringServiceImpl::Score(grpc::CallbackServerContext* ctx, const v1::ScoreRequest* req,
                                                    v1::ScoreResponse* resp) {
  return server::Unary(ctx, [&]() -> absl::Status {
    auto r = core_->Score(*req);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

grpc::ServerUnaryReactor* ScoringServiceImpl::GetModelInfo(grpc::CallbackServerContext* ctx,
                                                           const v1::GetModelInfoRequest*, v1::ModelInfo* resp) {
  return server::Unary(ctx, [&]() -> absl::Status {
    auto r = core_->GetModelInfo();
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

}  // namespace chatrec::scoring
