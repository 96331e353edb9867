// The one place where absl::Status and grpc::Status are converted, both ways.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace chatrec::server {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace chatrec::server
