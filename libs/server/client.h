// Client side of service-to-service calls: channels with the same limits as the
// servers, and deadlines that never outlive the caller's own.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

namespace chatrec::server {

using Deadline = std::chrono::system_clock::time_point;

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address, int max_message_bytes = 16 << 20);

// Sets ctx's deadline to min(parent, now + timeout): a downstream call gets at
// most its own budget and never more than the caller has left.
void SetDeadline(grpc::ClientContext* ctx, Deadline parent, std::chrono::milliseconds timeout);

}  // namespace chatrec::server
