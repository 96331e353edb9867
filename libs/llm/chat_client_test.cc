#include "libs/llm/chat_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "libs/llm/fake_llm_server.h"

namespace chatrec::llm {
namespace {

using std::chrono::milliseconds;

Deadline In(int ms) { return std::chrono::system_clock::now() + milliseconds(ms); }

class ChatClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = FakeLlmServer::Shared();
    ASSERT_NE(server_, nullptr);
    server_->Reset();
    auto c = HttpChatClient::Create({.endpoint = server_->endpoint(), .model = "test-model", .api_key = "sk-test",
                                     .timeout_ms = 200, .temperature = 0.1, .max_tokens = 64});
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = std::move(*c);
  }
  FakeLlmServer* server_ = nullptr;
  std::unique_ptr<HttpChatClient> client_;
};

TEST_F(ChatClientTest, SendsTheOpenAiRequestAndReadsTheContent) {
  server_->SetContent("Fargo");
  auto r = client_->Complete({{"system", "be brief"}, {"user", "a film?"}}, In(2000));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "Fargo");
  ASSERT_EQ(server_->requests().size(), 1u);
  auto body = nlohmann::json::parse(server_->requests()[0]);
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["max_tokens"], 64);
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][1]["role"], "user");
  EXPECT_EQ(body["messages"][1]["content"], "a film?");
}

TEST_F(ChatClientTest, TimeoutIsDeadlineExceededWithinTheTimeout) {
  server_->SetContent("Fargo", /*delay_ms=*/3000);
  auto start = std::chrono::steady_clock::now();
  auto r = client_->Complete({{"user", "a film?"}}, In(5000));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_LT(took, milliseconds(1000));  // the 200 ms timeout, not the 3 s answer
}

TEST_F(ChatClientTest, TheCallersDeadlineWinsOverTheTimeout) {
  server_->SetContent("Fargo", /*delay_ms=*/3000);
  auto start = std::chrono::steady_clock::now();
  auto r = client_->Complete({{"user", "a film?"}}, In(50));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(180));
  EXPECT_EQ(client_->Complete({{"user", "a film?"}}, In(-1)).status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(ChatClientTest, HttpErrorIsUnavailable) {
  server_->SetReply({500, "{\"error\":\"model not loaded\"}"});
  auto r = client_->Complete({{"user", "a film?"}}, In(2000));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("500"), std::string::npos);
}

TEST_F(ChatClientTest, MalformedJsonIsDataLoss) {
  server_->SetReply({200, "{\"choices\": [ {\"message\": "});
  EXPECT_EQ(client_->Complete({{"user", "x"}}, In(2000)).status().code(), absl::StatusCode::kDataLoss);
  server_->SetReply({200, "{\"choices\": []}"});
  EXPECT_EQ(client_->Complete({{"user", "x"}}, In(2000)).status().code(), absl::StatusCode::kDataLoss);
  server_->SetReply({200, "{\"choices\": [{\"message\": {\"content\": 42}}]}"});
  EXPECT_EQ(client_->Complete({{"user", "x"}}, In(2000)).status().code(), absl::StatusCode::kDataLoss);
}

TEST(HttpChatClientTest, NothingListeningIsUnavailable) {
  // A port the kernel handed out and that was closed again: nothing listens there.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  close(fd);
  auto c = HttpChatClient::Create({.endpoint = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)), .timeout_ms = 500});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->Complete({{"user", "x"}}, In(2000)).status().code(), absl::StatusCode::kUnavailable);
}

TEST(HttpChatClientTest, BadOptionsAreInvalidArgument) {
  EXPECT_EQ(HttpChatClient::Create({.endpoint = "127.0.0.1:8080"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpChatClient::Create({.endpoint = "http://h", .timeout_ms = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpChatClient::Create({.endpoint = "http://h", .temperature = 3}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpChatClient::Create({.endpoint = "http://h", .max_tokens = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto c = HttpChatClient::Create({.endpoint = "http://127.0.0.1:8000/v1/"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->url(), "http://127.0.0.1:8000/v1/chat/completions");
}

}  // namespace
}  // namespace chatrec::llm
