#include "services/feedback/feedback_service.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "libs/server/unary.h"

namespace chatrec::feedback {
namespace {

// Reads a client stream and records it in chunks; the single response comes once every event
// of the stream is durable. The next chunk is read only once the previous one is durable, so a
// fast producer is held back by the commits instead of filling memory.
class RecordStreamReactor final : public grpc::ServerReadReactor<v1::Event> {
 public:
  static constexpr int kChunk = 1000;
  RecordStreamReactor(FeedbackCore* core, v1::RecordResponse* resp, prometheus::Counter* recorded,
                      prometheus::Counter* duplicates)
      : core_(core), resp_(resp), recorded_(recorded), duplicates_(duplicates) {
    StartRead(&event_);
  }
  void OnReadDone(bool ok) override {
    if (ok) {
      *chunk_.add_events() = event_;
      if (chunk_.events_size() < kChunk) return StartRead(&event_);
      return Flush(/*last=*/false);
    }
    if (chunk_.events_size() > 0) return Flush(/*last=*/true);
    Finish(grpc::Status::OK);
  }
  void OnDone() override { delete this; }

 private:
  // Records the chunk; once it is durable, reads on (or finishes the call after the last one,
  // or with the error).
  void Flush(bool last) {
    core_->RecordAsync(chunk_, [this, last](absl::StatusOr<v1::RecordResponse> r) {
      if (!r.ok()) return Finish(server::ToGrpcStatus(r.status()));
      recorded_->Increment(r->recorded());
      duplicates_->Increment(r->duplicates());
      resp_->set_recorded(resp_->recorded() + r->recorded());
      resp_->set_duplicates(resp_->duplicates() + r->duplicates());
      if (last) return Finish(grpc::Status::OK);
      StartRead(&event_);
    });
    chunk_.clear_events();  // RecordAsync has copied the events
  }
  FeedbackCore* core_;
  v1::RecordResponse* resp_;
  prometheus::Counter* recorded_;
  prometheus::Counter* duplicates_;
  v1::Event event_;
  v1::RecordRequest chunk_;
};

}  // namespace

FeedbackServiceImpl::FeedbackServiceImpl(FeedbackCore* core, prometheus::Registry* registry) : core_(core) {
  auto& family = prometheus::BuildCounter()
                     .Name("chatrec_feedback_events_total")
                     .Help("Events acknowledged by Record, by whether they were new or retries of stored ones")
                     .Register(*registry);
  recorded_ = &family.Add({{"result", "recorded"}});
  duplicates_ = &family.Add({{"result", "duplicate"}});
}

grpc::ServerUnaryReactor* FeedbackServiceImpl::Record(grpc::CallbackServerContext* ctx, const v1::RecordRequest* req,
                                                      v1::RecordResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  core_->RecordAsync(*req, [this, reactor, resp](absl::StatusOr<v1::RecordResponse> r) {
    if (r.ok()) {
      recorded_->Increment(r->recorded());
      duplicates_->Increment(r->duplicates());
      *resp = std::move(*r);
    }
    reactor->Finish(server::ToGrpcStatus(r.status()));
  });
  return reactor;
}

grpc::ServerReadReactor<v1::Event>* FeedbackServiceImpl::RecordStream(grpc::CallbackServerContext*,
                                                                      v1::RecordResponse* resp) {
  return new RecordStreamReactor(core_, resp, recorded_, duplicates_);
}

grpc::ServerUnaryReactor* FeedbackServiceImpl::GetHistory(grpc::CallbackServerContext* ctx,
                                                          const v1::GetHistoryRequest* req,
                                                          v1::GetHistoryResponse* resp) {
  return server::Unary(ctx, [&]() -> absl::Status {
    auto r = core_->GetHistory(*req);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

grpc::ServerUnaryReactor* FeedbackServiceImpl::GetUserState(grpc::CallbackServerContext* ctx,
                                                            const v1::GetUserStateRequest* req, v1::UserState* resp) {
  return server::Unary(ctx, [&]() -> absl::Status {
    auto r = core_->GetUserState(*req);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

grpc::ServerUnaryReactor* FeedbackServiceImpl::DeleteUser(grpc::CallbackServerContext* ctx,
                                                          const v1::DeleteUserRequest* req,
                                                          v1::DeleteUserResponse* resp) {
  return server::Unary(ctx, [&]() -> absl::Status {
    auto r = core_->DeleteUser(*req);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

grpc::ServerUnaryReactor* FeedbackServiceImpl::GetItemSignals(grpc::CallbackServerContext* ctx,
                                                              const v1::GetItemSignalsRequest* req,
                                                              v1::ItemSignals* resp) {
  return server::Unary(ctx, [&]() -> absl::Status {
    auto r = core_->GetItemSignals(*req);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

grpc::ServerUnaryReactor* FeedbackServiceImpl::GetTrending(grpc::CallbackServerContext* ctx,
                                                           const v1::GetTrendingRequest* req,
                                                           v1::GetTrendingResponse* resp) {
  return server::Unary(ctx, [&]() -> absl::Status {
    auto r = core_->GetTrending(*req);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

grpc::ServerUnaryReactor* FeedbackServiceImpl::GetCoOccurring(grpc::CallbackServerContext* ctx,
                                                              const v1::GetCoOccurringRequest* req,
                                                              v1::GetCoOccurringResponse* resp) {
  return server::Unary(ctx, [&]() -> absl::Status {
    auto r = core_->GetCoOccurring(*req);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

}  // namespace chatrec::feedback
