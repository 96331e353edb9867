#include "absl/flags/flag.h"
#include "libs/server/server.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "Address to listen on (gRPC and metrics)");
ABSL_FLAG(int, port, -1, "gRPC port (-1: the service's default; 0: any free port, see --ready_file)");
ABSL_FLAG(int, metrics_port, -1, "Prometheus /metrics port (-1: the service's default; 0: any free port)");
ABSL_FLAG(int, max_message_bytes, 16 << 20, "Largest gRPC message accepted or sent");
ABSL_FLAG(int, grace_period_ms, 10000, "On SIGTERM, how long in-flight calls may take to finish");
ABSL_FLAG(std::string, ready_file, "", "If set, written with '<port> <metrics_port>' once serving");

namespace chatrec::server {

ServerOptions ServerOptionsFromFlags(const std::string& name, int default_port, int default_metrics_port) {
  ServerOptions o;
  o.name = name;
  o.host = absl::GetFlag(FLAGS_host);
  o.port = absl::GetFlag(FLAGS_port) < 0 ? default_port : absl::GetFlag(FLAGS_port);
  o.metrics_port = absl::GetFlag(FLAGS_metrics_port) < 0 ? default_metrics_port : absl::GetFlag(FLAGS_metrics_port);
  o.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  o.grace_period_ms = absl::GetFlag(FLAGS_grace_period_ms);
  o.ready_file = absl::GetFlag(FLAGS_ready_file);
  return o;
}

}  // namespace chatrec::server
