#include "libs/llm/fake_llm_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace chatrec::llm {
namespace {

// A port the kernel just handed out for 127.0.0.1 (then closed), for civetweb to bind.
int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FakeLlmServer>> FakeLlmServer::Start() {
  static const bool init = (mg_init_library(0), true);
  (void)init;
  std::unique_ptr<FakeLlmServer> s(new FakeLlmServer());
  for (int attempt = 0; attempt < 5 && s->ctx_ == nullptr; ++attempt) {
    int port = FreeLoopbackPort();
    if (port == 0) continue;
    std::string ports = absl::StrCat("127.0.0.1:", port);
    const char* options[] = {"listening_ports", ports.c_str(), "num_threads", "4", nullptr};
    mg_callbacks callbacks{};
    s->ctx_ = mg_start(&callbacks, nullptr, options);
    if (s->ctx_ != nullptr) s->port_ = port;
  }
  if (s->ctx_ == nullptr) return absl::UnavailableError("could not start the fake LLM server on 127.0.0.1");
  mg_set_request_handler(s->ctx_, "/v1/chat/completions", &FakeLlmServer::Handle, s.get());
  return s;
}

FakeLlmServer* FakeLlmServer::Shared() {
  static FakeLlmServer* shared = [] {
    auto s = Start();
    return s.ok() ? s->release() : nullptr;
  }();
  return shared;
}

void FakeLlmServer::Reset() {
  absl::MutexLock lock(&mu_);
  ++generation_;
  requests_.clear();
  reply_ = Reply{500, "{\"error\":\"no reply set\"}", 0};
}

FakeLlmServer::~FakeLlmServer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (ctx_ != nullptr) mg_stop(ctx_);
}

std::string FakeLlmServer::endpoint() const { return absl::StrCat("http://127.0.0.1:", port_); }

void FakeLlmServer::SetReply(Reply reply) {
  absl::MutexLock lock(&mu_);
  reply_ = std::move(reply);
}

void FakeLlmServer::SetContent(const std::string& content, int delay_ms) {
  nlohmann::json body = {{"id", "chatcmpl-test"},
                         {"object", "chat.completion"},
                         {"choices", {{{"index", 0},
                                       {"message", {{"role", "assistant"}, {"content", content}}},
                                       {"finish_reason", "stop"}}}}};
  SetReply({200, body.dump(), delay_ms});
}

std::vector<std::string> FakeLlmServer::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

int FakeLlmServer::Handle(mg_connection* conn, void* data) {
  auto* self = static_cast<FakeLlmServer*>(data);
  std::string body;
  char buf[4096];
  for (int n; (n = mg_read(conn, buf, sizeof(buf))) > 0;) body.append(buf, n);
  Reply reply;
  {
    absl::MutexLock lock(&self->mu_);
    self->requests_.push_back(body);
    reply = self->reply_;
    if (reply.delay_ms > 0) {
      // Wakes up early when the server stops or is reset, so a test never waits for a late answer.
      const int generation = self->generation_;
      auto done = [self, generation]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
        return self->stopping_ || self->generation_ != generation;
      };
      self->mu_.AwaitWithTimeout(absl::Condition(&done), absl::Milliseconds(reply.delay_ms));
    }
  }
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
            reply.status, reply.status == 200 ? "OK" : "Error", reply.body.size());
  mg_write(conn, reply.body.data(), reply.body.size());
  return reply.status;
}

}  // namespace chatrec::llm
