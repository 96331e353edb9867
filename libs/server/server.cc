#include "libs/server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/server/rpc_metrics.h"

namespace chatrec::server {

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() {
  for (int fd : wake_fd_) {
    if (fd >= 0) close(fd);
  }
}

absl::StatusOr<std::unique_ptr<Server>> Server::Create(const ServerOptions& options) {
  // Signals are taken by Run() with sigwait; every thread started from here on
  // inherits the mask, so no gRPC or RocksDB thread is interrupted by them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // gRPC's locks are absl::Mutex, which Debian's Abseil (built without NDEBUG) checks for lock-order
  // cycles on every acquisition: a debugging aid that showed in the feedback server's profile.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  std::unique_ptr<Server> s(new Server(options));
  if (pipe(s->wake_fd_) != 0) return absl::InternalError("pipe() failed");
  s->registry_ = std::make_shared<prometheus::Registry>();
  if (options.metrics_port >= 0) {
    try {
      s->exposer_ = std::make_unique<prometheus::Exposer>(absl::StrCat(options.host, ":", options.metrics_port));
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen for metrics on ", options.host, ":", options.metrics_port, ": ", e.what()));
    }
    s->exposer_->RegisterCollectable(s->registry_);
    auto ports = s->exposer_->GetListeningPorts();
    s->metrics_port_ = ports.empty() ? options.metrics_port : ports.front();
  }
  return s;
}

prometheus::Registry& Server::metrics() { return *registry_; }

void Server::AddService(grpc::Service* service, const std::string& health_name) {
  services_.emplace_back(service, health_name);
}

void Server::Shutdown() {
  char c = 1;
  (void)!write(wake_fd_[1], &c, 1);
}

absl::Status Server::Run(const std::function<void()>& on_drained) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat(options_.host, ":", options_.port), grpc::InsecureServerCredentials(),
                           &port_);
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, options_.keepalive_time_ms);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(MakeRpcMetricsInterceptorFactory(options_.name, registry_.get()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  for (auto& [service, name] : services_) builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.host, ":", options_.port));
  }
  auto* health = server->GetHealthCheckService();
  for (auto& [service, name] : services_) health->SetServingStatus(name, true);
  health->SetServingStatus("", true);

  if (!options_.ready_file.empty()) {
    std::string tmp = options_.ready_file + ".tmp";
    std::ofstream(tmp) << port_ << " " << metrics_port_ << "\n";
    std::rename(tmp.c_str(), options_.ready_file.c_str());
  }
  std::fprintf(stderr, "chatrec-%s: serving gRPC on %s:%d, metrics on :%d\n", options_.name.c_str(),
               options_.host.c_str(), port_, metrics_port_);

  // Wait for SIGTERM/SIGINT (blocked in all threads, polled here) or Shutdown().
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  while (true) {
    struct timespec timeout = {0, 200 * 1000 * 1000};
    sig = sigtimedwait(&set, nullptr, &timeout);
    if (sig > 0) break;
    struct pollfd pfd = {wake_fd_[0], POLLIN, 0};
    if (poll(&pfd, 1, 0) > 0) break;
  }
  std::fprintf(stderr, "chatrec-%s: %s, draining (grace %d ms)\n", options_.name.c_str(),
               sig > 0 ? strsignal(sig) : "shutdown requested", options_.grace_period_ms);
  health->Shutdown();  // every service reports NOT_SERVING from here on
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(options_.grace_period_ms));
  server->Wait();
  if (on_drained) on_drained();
  std::fprintf(stderr, "chatrec-%s: stopped\n", options_.name.c_str());
  return absl::OkStatus();
}

}  // namespace chatrec::server
