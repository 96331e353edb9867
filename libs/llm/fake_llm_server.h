// For tests: a small HTTP server on a free loopback port that speaks the OpenAI
// chat-completions protocol (POST /v1/chat/completions) and answers what the test
// sets: a given content, an HTTP error, a malformed body, or a late answer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct mg_context;
struct mg_connection;

namespace chatrec::llm {

class FakeLlmServer {
 public:
  struct Reply {
    int status = 200;
    std::string body;  // sent as is
    int delay_ms = 0;  // before answering (cut short when the server stops)
  };

  static absl::StatusOr<std::unique_ptr<FakeLlmServer>> Start();
  // One server for the whole test process, never stopped: stopping a civetweb server takes
  // about 2 s (its accept loop polls in 2 s quanta), and ctest runs each test in its own process.
  // Reset() it at the start of each test.
  static FakeLlmServer* Shared();
  ~FakeLlmServer();

  // Forgets the requests, answers 500 until told otherwise, and wakes handlers still delaying.
  void Reset();

  std::string endpoint() const;  // "http://127.0.0.1:<port>"
  void SetReply(Reply reply);
  // 200 with a well-formed chat-completions body whose choices[0].message.content is `content`.
  void SetContent(const std::string& content, int delay_ms = 0);
  std::vector<std::string> requests() const;  // bodies received, in order

 private:
  FakeLlmServer() = default;
  static int Handle(mg_connection* conn, void* self);

  mg_context* ctx_ = nullptr;
  int port_ = 0;
  mutable absl::Mutex mu_;
  Reply reply_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> requests_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int generation_ ABSL_GUARDED_BY(mu_) = 0;  // bumped by Reset()
};

}  // namespace chatrec::llm
