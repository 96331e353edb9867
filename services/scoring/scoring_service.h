// gRPC layer of the scoring service.
#pragma once

#include "chatrec/v1/scoring.grpc.pb.h"
#include "services/scoring/scoring_core.h"

namespace chatrec::scoring {

class ScoringServiceImpl final : public v1::ScoringService::CallbackService {
 public:
  explicit ScoringServiceImpl(ScoringCore* core) : core_(core) {}
  grpc::ServerUnaryReactor* Score(grpc::CallbackServerContext* ctx, const v1::ScoreRequest* req,
                                  v1::ScoreResponse* resp) override;
  grpc::ServerUnaryReactor* GetModelInfo(grpc::CallbackServerContext* ctx, const v1::GetModelInfoRequest* req,
                                         v1::ModelInfo* resp) override;

 private:
  ScoringCore* core_;
};

}  // namespace chatrec::scoring
