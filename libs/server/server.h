// One server bootstrap for every Chat-Rec service: options from flags, gRPC
// health (per service, NOT_SERVING while draining) and reflection, bounded
// message size, keepalive, a Prometheus /metrics endpoint with per-method
// counters and latency histograms, and graceful shutdown on SIGTERM/SIGINT.
//
//   auto server = Server::Create(ServerOptionsFromFlags("scoring", 50053, 9463));
//   ScoringServiceImpl service(core.get());
//   (*server)->AddService(&service, "chatrec.v1.ScoringService");
//   return (*server)->Run([&] { core->Flush(); }).ok() ? 0 : 1;
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc
namespace prometheus {
class Registry;
class Exposer;
}  // namespace prometheus

namespace chatrec::server {

struct ServerOptions {
  std::string name;                  // short service name, the `service` label of metrics
  std::string host = "0.0.0.0";
  int port = 0;                      // 0: pick a free port (see ready_file)
  int metrics_port = 0;              // 0: pick a free port; -1: no metrics endpoint
  int max_message_bytes = 16 << 20;  // both directions
  int grace_period_ms = 10000;       // in-flight calls get this long to finish on shutdown
  int keepalive_time_ms = 30000;
  std::string ready_file;            // written with "<port> <metrics_port>" once serving
};

// Reads --host, --port, --metrics_port, --max_message_bytes, --grace_period_ms,
// --ready_file (defined in server_flags.cc). A port flag left at -1 takes the default.
ServerOptions ServerOptionsFromFlags(const std::string& name, int default_port, int default_metrics_port);

class Server {
 public:
  // Blocks SIGTERM/SIGINT in this and every later thread (Run waits for them) and
  // starts the metrics endpoint. Call before creating any other threads.
  static absl::StatusOr<std::unique_ptr<Server>> Create(const ServerOptions& options);
  ~Server();

  // The registry the RPC metrics live in; services may add their own families.
  prometheus::Registry& metrics();
  // `health_name` is the name reported by grpc.health.v1 (the full service name).
  void AddService(grpc::Service* service, const std::string& health_name);

  // Starts serving and blocks until SIGTERM/SIGINT (or Shutdown()), then drains:
  // health NOT_SERVING, no new calls, in-flight calls finish within the grace
  // period, then `on_drained` (e.g. flush RocksDB).
  absl::Status Run(const std::function<void()>& on_drained = nullptr);
  // Asks Run to return, as a signal would (for tests and in-process use).
  void Shutdown();

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }

 private:
  explicit Server(ServerOptions options);
  ServerOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  int port_ = 0;
  int metrics_port_ = -1;
  int wake_fd_[2] = {-1, -1};
};

}  // namespace chatrec::server
