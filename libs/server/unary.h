// Callback-API handler helper: runs `fn` (returning absl::Status) and finishes
// the call with the mapped status; library exceptions stop here as INTERNAL.
#pragma once

#include <grpcpp/support/server_callback.h>
#include <grpcpp/server_context.h>

#include <exception>
#include <string>

#include "libs/common/thread_pool.h"
#include "libs/server/status.h"

namespace chatrec::server {

template <typename Fn>
grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, Fn&& fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::Status status;
  try {
    status = fn();
  } catch (const std::exception& e) {
    status = absl::InternalError(std::string("unexpected error: ") + e.what());
  }
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// The common case: `fn` returns absl::StatusOr<Response>; on success it becomes
// the call's response.
template <typename Response, typename Fn>
grpc::ServerUnaryReactor* Respond(grpc::CallbackServerContext* ctx, Response* response, Fn&& fn) {
  return Unary(ctx, [&]() -> absl::Status {
    auto result = fn();
    if (result.ok()) *response = std::move(*result);
    return result.status();
  });
}

// For handlers that block (on other services, or on a group commit): runs `fn`
// (returning absl::Status) on `pool` and finishes the call from there, so gRPC's
// few callback threads keep accepting calls meanwhile.
template <typename Fn>
grpc::ServerUnaryReactor* UnaryOnPool(ThreadPool* pool, grpc::CallbackServerContext* ctx, Fn fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  pool->Schedule([reactor, fn = std::move(fn)]() mutable {
    absl::Status status;
    try {
      status = fn();
    } catch (const std::exception& e) {
      status = absl::InternalError(std::string("unexpected error: ") + e.what());
    }
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

}  // namespace chatrec::server
