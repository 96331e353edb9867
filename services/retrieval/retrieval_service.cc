#include "services/retrieval/retrieval_service.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "libs/common/status_macros.h"
#include "libs/server/unary.h"

namespace chatrec::retrieval {

RetrievalServiceImpl::RetrievalServiceImpl(RetrievalCore* core, prometheus::Registry* registry) : core_(core) {
  SetMessageAllocatorFor_Retrieve(&allocator_);
  const prometheus::Histogram::BucketBoundaries counts = {0, 1, 5, 10, 50, 100, 200, 500, 1000, 5000, 100000, 1000000};
  candidates_ = &prometheus::BuildHistogram()
                     .Name("chatrec_retrieval_candidates")
                     .Help("Candidates returned per Retrieve call")
                     .Register(*registry)
                     .Add({}, counts);
  matching_ = &prometheus::BuildHistogram()
                   .Name("chatrec_retrieval_matching_items")
                   .Help("Catalogue items that satisfied the hard constraints, per Retrieve call")
                   .Register(*registry)
                   .Add({}, counts);
  auto& paths = prometheus::BuildCounter()
                    .Name("chatrec_retrieval_search_path_total")
                    .Help("Retrieve calls by how the VECTOR source searched (exact, exact_subset, ann, ann_then_exact, empty)")
                    .Register(*registry);
  for (SearchPath p : {SearchPath::kEmpty, SearchPath::kExact, SearchPath::kExactSubset, SearchPath::kAnn,
                       SearchPath::kAnnThenExact}) {
    paths_[SearchPathName(p)] = &paths.Add({{"path", SearchPathName(p)}});
  }
}

grpc::ServerUnaryReactor* RetrievalServiceImpl::Retrieve(grpc::CallbackServerContext* ctx,
                                                         const v1::RetrieveRequest* req, v1::RetrieveResponse* resp) {
  return server::Unary(ctx, [&]() -> absl::Status {
    RETURN_IF_ERROR(core_->RetrieveInto(*req, ctx->deadline(), resp));  // on the call's arena
    if (auto it = paths_.find(resp->search_path()); it != paths_.end()) it->second->Increment();
    candidates_->Observe(resp->candidates_size());
    matching_->Observe(static_cast<double>(resp->matching_items()));
    return absl::OkStatus();
  });
}

}  // namespace chatrec::retrieval
