// `chatrec health --target HOST:PORT [--service NAME]`: exit 0 iff SERVING.
#include <cstdio>

#include "grpc/health/v1/health.grpc.pb.h"
#include "absl/flags/flag.h"
#include "libs/server/client.h"
#include "tools/chatrec/commands.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Service address");
ABSL_FLAG(std::string, service, "", "Service name to check (empty: the whole server)");
ABSL_FLAG(int, timeout_ms, 2000, "Deadline of the check");

namespace chatrec::cli {

int HealthCommand(const std::vector<std::string>&) {
  auto stub = grpc::health::v1::Health::NewStub(server::MakeChannel(absl::GetFlag(FLAGS_target)));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(absl::GetFlag(FLAGS_service));
  grpc::health::v1::HealthCheckResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(absl::GetFlag(FLAGS_timeout_ms)));
  grpc::Status s = stub->Check(&ctx, req, &resp);
  if (!s.ok()) {
    std::printf("%s: %s\n", absl::GetFlag(FLAGS_target).c_str(), s.error_message().c_str());
    return 1;
  }
  std::printf("%s: %s\n", absl::GetFlag(FLAGS_target).c_str(),
              grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status()).c_str());
  return resp.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace chatrec::cli
