// gRPC layer of the retrieval service.
#pragma once

#include "chatrec/v1/retrieval.grpc.pb.h"
#include "services/retrieval/retrieval_core.h"

namespace chatrec::retrieval {

class RetrievalServiceImpl final : public v1::RetrievalService::CallbackService {
 public:
  explicit RetrievalServiceImpl(RetrievalCore* core) : core_(core) {}
  grpc::ServerUnaryReactor* Retrieve(grpc::CallbackServerContext* ctx, const v1::RetrieveRequest* req,
                                  v1::RetrieveResponse* resp) override;

 private:
  RetrievalCore* core_;
};

}  // namespace chatrec::retrieval
