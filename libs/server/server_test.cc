#include "libs/server/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "libs/server/arena_allocator.h"
#include "libs/server/client.h"

namespace chatrec::server {
namespace {

std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return "";
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  (void)!write(fd, req.data(), req.size());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, n);
  close(fd);
  return out;
}

TEST(ServerTest, ServesHealthAndCountsRequestsInMetrics) {
  ServerOptions o;
  o.name = "test";
  o.host = "127.0.0.1";
  o.port = 0;
  o.metrics_port = 0;
  o.grace_period_ms = 1000;
  auto server = Server::Create(o);
  ASSERT_TRUE(server.ok()) << server.status();
  std::thread run([&] { ASSERT_TRUE((*server)->Run().ok()); });
  while ((*server)->port() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  auto stub = grpc::health::v1::Health::NewStub(MakeChannel("127.0.0.1:" + std::to_string((*server)->port())));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::ClientContext ctx;
  ctx.set_wait_for_ready(true);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(stub->Check(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  std::string metrics = HttpGet((*server)->metrics_port(), "/metrics");
  EXPECT_NE(metrics.find("chatrec_rpc_requests_total{code=\"OK\",method=\"Check\",service=\"test\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("chatrec_rpc_duration_seconds_bucket"), std::string::npos);

  (*server)->Shutdown();
  run.join();
}

TEST(ServerTest, DeadlineNeverExceedsTheCallersOwn) {
  grpc::ClientContext ctx;
  auto parent = std::chrono::system_clock::now() + std::chrono::milliseconds(50);
  SetDeadline(&ctx, parent, std::chrono::seconds(10));
  EXPECT_EQ(ctx.deadline(), parent);
  grpc::ClientContext ctx2;
  auto far = std::chrono::system_clock::now() + std::chrono::hours(1);
  SetDeadline(&ctx2, far, std::chrono::milliseconds(100));
  EXPECT_LT(ctx2.deadline(), far - std::chrono::minutes(59));
}

// The allocator puts a call's request and response on one arena that lives until gRPC
// releases them.
TEST(ArenaMessageAllocatorTest, RequestAndResponseShareOneArena) {
  ArenaMessageAllocator<grpc::health::v1::HealthCheckRequest, grpc::health::v1::HealthCheckResponse> allocator(256,
                                                                                                           1024);
  auto* holder = allocator.AllocateMessages();
  ASSERT_NE(holder->request(), nullptr);
  ASSERT_NE(holder->response(), nullptr);
  ASSERT_NE(holder->request()->GetArena(), nullptr);
  EXPECT_EQ(holder->request()->GetArena(), holder->response()->GetArena());
  for (int i = 0; i < 1000; ++i) holder->request()->mutable_service()->append("x");  // grows past the first block
  EXPECT_EQ(holder->request()->service().size(), 1000u);
  auto* other = allocator.AllocateMessages();
  EXPECT_NE(other->request()->GetArena(), holder->request()->GetArena());
  holder->Release();
  other->Release();
}

}  // namespace
}  // namespace chatrec::server
