// Per-method RPC metrics recorded by a gRPC server interceptor, so that every
// method of every service is counted the same way without code in handlers:
//   chatrec_rpc_requests_total{service, method, code}
//   chatrec_rpc_duration_seconds{service, method}  (histogram)
#pragma once

#include <memory>
#include <string>

#include <grpcpp/support/server_interceptor.h>

namespace prometheus {
class Registry;
}

namespace chatrec::server {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcMetricsInterceptorFactory(
    const std::string& service, prometheus::Registry* registry);

}  // namespace chatrec::server
