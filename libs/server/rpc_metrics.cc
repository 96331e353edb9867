#include "libs/server/rpc_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>

namespace chatrec::server {
namespace {

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK: return "OK";
    case grpc::CANCELLED: return "CANCELLED";
    case grpc::UNKNOWN: return "UNKNOWN";
    case grpc::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::NOT_FOUND: return "NOT_FOUND";
    case grpc::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::ABORTED: return "ABORTED";
    case grpc::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::INTERNAL: return "INTERNAL";
    case grpc::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::DATA_LOSS: return "DATA_LOSS";
    case grpc::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

struct Families {
  prometheus::Family<prometheus::Counter>* requests;
  prometheus::Family<prometheus::Histogram>* latency;
};

class RpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(const std::string& service, const std::string& full_method, const Families& f)
      : service_(service), families_(f), start_(std::chrono::steady_clock::now()) {
    // "/chatrec.v1.ScoringService/Score" -> "Score"
    size_t slash = full_method.rfind('/');
    method_ = slash == std::string::npos ? full_method : full_method.substr(slash + 1);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      const char* code = CodeName(methods->GetSendStatus().error_code());
      families_.requests->Add({{"service", service_}, {"method", method_}, {"code", code}}).Increment();
      families_.latency
          ->Add({{"service", service_}, {"method", method_}},
                prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                        0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5})
          .Observe(seconds);
    }
    methods->Proceed();
  }

 private:
  std::string service_;
  std::string method_;
  Families families_;
  std::chrono::steady_clock::time_point start_;
};

class RpcMetricsFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  RpcMetricsFactory(std::string service, prometheus::Registry* registry) : service_(std::move(service)) {
    families_.requests = &prometheus::BuildCounter()
                              .Name("chatrec_rpc_requests_total")
                              .Help("RPCs handled, by service, method and status code")
                              .Register(*registry);
    families_.latency = &prometheus::BuildHistogram()
                             .Name("chatrec_rpc_duration_seconds")
                             .Help("Time from receiving an RPC to sending its status")
                             .Register(*registry);
  }
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new RpcMetricsInterceptor(service_, info->method(), families_);
  }

 private:
  std::string service_;
  Families families_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcMetricsInterceptorFactory(
    const std::string& service, prometheus::Registry* registry) {
  return std::make_unique<RpcMetricsFactory>(service, registry);
}

}  // namespace chatrec::server
