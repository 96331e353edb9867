#include "libs/llm/chat_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace chatrec::llm {
namespace {

constexpr size_t kMaxResponseBytes = 1 << 20;  // an answer to a top-20 prompt is a few KiB

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t Append(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > kMaxResponseBytes) return 0;  // makes curl fail with CURLE_WRITE_ERROR
  out->append(data, size * n);
  return size * n;
}

}  // namespace

std::string ChatRequestJson(const HttpChatOptions& o, const std::vector<ChatMessage>& messages) {
  nlohmann::json body;
  body["model"] = o.model;
  body["temperature"] = o.temperature;
  body["max_tokens"] = o.max_tokens;
  body["stream"] = false;
  body["messages"] = nlohmann::json::array();
  for (const auto& m : messages) body["messages"].push_back({{"role", m.role}, {"content", m.content}});
  // Invalid UTF-8 in a title must not throw: replace it.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<std::string> ParseChatResponse(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::DataLossError("the LLM server's answer is not JSON");
  if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array() || j["choices"].empty()) {
    return absl::DataLossError("the LLM server's answer has no choices");
  }
  const auto& choice = j["choices"][0];
  if (!choice.is_object() || !choice.contains("message") || !choice["message"].is_object() ||
      !choice["message"].contains("content") || !choice["message"]["content"].is_string()) {
    return absl::DataLossError("the LLM server's answer has no choices[0].message.content string");
  }
  return choice["message"]["content"].get<std::string>();
}

absl::StatusOr<std::unique_ptr<HttpChatClient>> HttpChatClient::Create(HttpChatOptions o) {
  if (!absl::StartsWith(o.endpoint, "http://") && !absl::StartsWith(o.endpoint, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("LLM endpoint \"", o.endpoint, "\" must start with http:// or https://, e.g. http://127.0.0.1:8080"));
  }
  if (o.timeout_ms <= 0) return absl::InvalidArgumentError(absl::StrCat("LLM timeout must be > 0 ms, got ", o.timeout_ms));
  if (o.max_tokens <= 0) return absl::InvalidArgumentError(absl::StrCat("LLM max_tokens must be > 0, got ", o.max_tokens));
  if (!(o.temperature >= 0 && o.temperature <= 2)) {
    return absl::InvalidArgumentError(absl::StrCat("LLM temperature must be 0..2, got ", o.temperature));
  }
  std::string base = o.endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (absl::EndsWith(base, "/v1")) base.resize(base.size() - 3);
  GlobalInit();
  std::string url = absl::StrCat(base, "/v1/chat/completions");
  return std::unique_ptr<HttpChatClient>(new HttpChatClient(std::move(o), std::move(url)));
}

absl::StatusOr<std::string> HttpChatClient::Complete(const std::vector<ChatMessage>& messages, Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::system_clock::now()).count();
  long timeout_ms = std::min<long>(o_.timeout_ms, left);
  if (timeout_ms <= 0) return absl::DeadlineExceededError("no time left in the turn for the LLM");

  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return absl::InternalError("curl_easy_init failed");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
  auto add_header = [&](const std::string& h) { headers.reset(curl_slist_append(headers.release(), h.c_str())); };
  add_header("Content-Type: application/json");
  if (!o_.api_key.empty()) add_header(absl::StrCat("Authorization: Bearer ", o_.api_key));
  const std::string body = ChatRequestJson(o_, messages);
  std::string response;
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError(absl::StrCat("LLM did not answer within ", timeout_ms, " ms"));
  }
  if (rc == CURLE_WRITE_ERROR) return absl::DataLossError("LLM answer is larger than 1 MiB");
  if (rc != CURLE_OK) return absl::UnavailableError(absl::StrCat("LLM request failed: ", curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    return absl::UnavailableError(absl::StrCat("LLM server answered HTTP ", status, ": ", response.substr(0, 200)));
  }
  return ParseChatResponse(response);
}

}  // namespace chatrec::llm
