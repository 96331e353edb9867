// gRPC layer of the retrieval service.
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "chatrec/v1/retrieval.grpc.pb.h"
#include "libs/server/arena_allocator.h"
#include "services/retrieval/retrieval_core.h"

namespace prometheus {
class Counter;
class Histogram;
class Registry;
}  // namespace prometheus

namespace chatrec::retrieval {

class RetrievalServiceImpl final : public v1::RetrievalService::CallbackService {
 public:
  // Registers chatrec_retrieval_candidates (per request) in `registry`.
  RetrievalServiceImpl(RetrievalCore* core, prometheus::Registry* registry);
  grpc::ServerUnaryReactor* Retrieve(grpc::CallbackServerContext* ctx, const v1::RetrieveRequest* req,
                                  v1::RetrieveResponse* resp) override;

 private:
  RetrievalCore* core_;
  // Each call's request and response on one arena: a response holds hundreds of candidates.
  server::ArenaMessageAllocator<v1::RetrieveRequest, v1::RetrieveResponse> allocator_;
  prometheus::Histogram* candidates_;
  prometheus::Histogram* matching_;
  absl::flat_hash_map<std::string, prometheus::Counter*> paths_;  // by search path; read-only after construction
};

}  // namespace chatrec::retrieval
