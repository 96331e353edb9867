#include "services/feedback/feedback_service.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "libs/server/unary.h"

namespace chatrec::feedback {
namespace {

// Reads a client stream and records it in chunks; the single response comes
// once every event of the stream is durable.
class RecordStreamReactor final : public grpc::ServerReadReactor<v1::Event> {
 public:
  static constexpr int kChunk = 1000;
  RecordStreamReactor(FeedbackCore* core, v1::RecordResponse* resp) : core_(core), resp_(resp) {
    StartRead(&event_);
  }
  void OnReadDone(bool ok) override {
    if (ok) {
      *chunk_.add_events() = event_;
      if (chunk_.events_size() < kChunk || Flush()) StartRead(&event_);
      return;
    }
    if (chunk_.events_size() > 0 && !Flush()) return;
    Finish(grpc::Status::OK);
  }
  void OnDone() override { delete this; }

 private:
  // Returns false (and finishes the call) on error.
  bool Flush() {
    auto r = core_->Record(chunk_);
    chunk_.clear_events();
    if (!r.ok()) {
      Finish(server::ToGrpcStatus(r.status()));
      return false;
    }
    resp_->set_recorded(resp_->recorded() + r->recorded());
    resp_->set_duplicates(resp_->duplicates() + r->duplicates());
    return true;
  }
  FeedbackCore* core_;
  v1::RecordResponse* resp_;
  v1::Event event_;
  v1::RecordRequest chunk_;
};

}  // namespace

FeedbackServiceImpl::FeedbackServiceImpl(FeedbackCore* core, ThreadPool* pool, prometheus::Registry* registry)
    : core_(core), pool_(pool) {
  auto& family = prometheus::BuildCounter()
                     .Name("chatrec_feedback_events_total")
                     .Help("Events acknowledged by Record, by whether they were new or retries of stored ones")
                     .Register(*registry);
  recorded_ = &family.Add({{"result", "recorded"}});
  duplicates_ = &family.Add({{"result", "duplicate"}});
}

grpc::ServerUnaryReactor* FeedbackServiceImpl::Record(grpc::CallbackServerContext* ctx, const v1::RecordRequest* req,
                                                      v1::RecordResponse* resp) {
  return server::UnaryOnPool(pool_, ctx, [this, req, resp]() -> absl::Status {
    auto r = core_->Record(*req);
    if (r.ok()) {
      recorded_->Increment(r->recorded());
      duplicates_->Increment(r->duplicates());
      *resp = std::move(*r);
    }
    return r.status();
  });
}

grpc::ServerReadReactor<v1::Event>* FeedbackServiceImpl::RecordStream(grpc::CallbackServerContext*,
                                                                      v1::RecordResponse* resp) {
  return new RecordStreamReactor(core_, resp);
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
