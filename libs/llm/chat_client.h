// A client for the OpenAI-compatible chat-completions HTTP API (llama.cpp's server,
// vLLM, Ollama and hosted services all speak it): POST {endpoint}/v1/chat/completions
// with a JSON body, the answer in choices[0].message.content.
// The interface is small so that the dialogue and its tests can pass a fake.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace chatrec::llm {

using Deadline = std::chrono::system_clock::time_point;

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

class ChatClient {
 public:
  virtual ~ChatClient() = default;
  // The assistant's answer. Never waits past `deadline` (nor the client's own timeout).
  // DeadlineExceeded on a timeout, Unavailable when the server cannot be reached or
  // answers with an HTTP error, DataLoss when the answer is not the expected JSON.
  // Thread-safe.
  virtual absl::StatusOr<std::string> Complete(const std::vector<ChatMessage>& messages, Deadline deadline) = 0;
};

struct HttpChatOptions {
  // Base URL, e.g. "http://127.0.0.1:8080" or "http://host:8000/v1"; "/v1/chat/completions" is appended.
  std::string endpoint;
  std::string model;        // sent as "model"; servers of a single model ignore it
  std::string api_key;      // sent as "Authorization: Bearer ..." when not empty
  int timeout_ms = 2000;    // per call, on top of the caller's deadline
  double temperature = 0.2;
  int max_tokens = 256;
};

// Over libcurl; one easy handle per call, so concurrent calls share nothing.
class HttpChatClient : public ChatClient {
 public:
  // InvalidArgument for an endpoint that is not http(s)://, a timeout <= 0, max_tokens <= 0 or a
  // temperature outside 0..2.
  static absl::StatusOr<std::unique_ptr<HttpChatClient>> Create(HttpChatOptions options);

  absl::StatusOr<std::string> Complete(const std::vector<ChatMessage>& messages, Deadline deadline) override;

  const std::string& url() const { return url_; }

 private:
  HttpChatClient(HttpChatOptions options, std::string url) : o_(std::move(options)), url_(std::move(url)) {}
  HttpChatOptions o_;
  std::string url_;
};

// The request body (public for tests).
std::string ChatRequestJson(const HttpChatOptions& options, const std::vector<ChatMessage>& messages);
// choices[0].message.content of a response body; DataLoss if there is none.
absl::StatusOr<std::string> ParseChatResponse(const std::string& body);

}  // namespace chatrec::llm
