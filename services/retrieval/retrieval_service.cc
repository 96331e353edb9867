#include "services/retrieval/retrieval_service.h"

#include "libs/server/unary.h"

namespace chatrec::retrieval {

grpc::ServerUnaryReactor* RetrievalServiceImpl::Retrieve(grpc::CallbackServerContext* ctx,
                                                         const v1::RetrieveRequest* req, v1::RetrieveResponse* resp) {
  return server::Unary(ctx, [&]() -> absl::Status {
    auto r = core_->Retrieve(*req);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

}  // namespace chatrec::retrieval
