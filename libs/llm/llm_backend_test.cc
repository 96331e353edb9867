#include "libs/llm/llm_backend.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libs/llm/fake_llm_server.h"
#include "services/testing/tiny_world.h"

namespace chatrec::llm {
namespace {

using std::chrono::milliseconds;

Deadline In(int ms) { return std::chrono::system_clock::now() + milliseconds(ms); }

// Tiny world: 1 "Laugh One", 2 "Laugh Two", 3 "Laugh Three", 4 "Old Laugh One", ... 7 "Fright One".
class LlmBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = FakeLlmServer::Shared();
    ASSERT_NE(server_, nullptr);
    server_->Reset();
    client_ = std::move(*HttpChatClient::Create({.endpoint = server_->endpoint(), .timeout_ms = 150}));
    backend_ = std::make_unique<LlmBackend>(world_.catalog.get(), client_.get(),
                                            LlmOptions{.rerank = true, .reword = true, .reserve_ms = 20});
  }
  RerankInput Candidates() {
    RerankInput in;
    in.profile = {"Loved: Laugh One (1991)", "Asked for: comedy movies"};
    in.recent_lines = {"User: a comedy please"};
    in.candidates = {2, 3, 4, 5, 6};
    return in;
  }
  testing::TinyWorld world_ = testing::MakeTinyWorld();
  FakeLlmServer* server_ = nullptr;
  std::unique_ptr<HttpChatClient> client_;
  std::unique_ptr<LlmBackend> backend_;
};

TEST_F(LlmBackendTest, GoodAnswerReranksAndOmittedCandidatesKeepOurOrderAfterIt) {
  server_->SetContent("1. Old Laugh Two (1985)\n2. Laugh Three\n");
  auto r = backend_->Rerank(Candidates(), In(2000));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (std::vector<int64_t>{5, 3, 2, 4, 6}));
  // The prompt carried the profile, the dialogue and the candidates.
  auto body = nlohmann::json::parse(server_->requests().at(0));
  std::string prompt = body["messages"][1]["content"];
  EXPECT_NE(prompt.find("Loved: Laugh One (1991)"), std::string::npos);
  EXPECT_NE(prompt.find("User: a comedy please"), std::string::npos);
  EXPECT_NE(prompt.find("5. Old Laugh Three (1986; comedy)"), std::string::npos);
}

TEST_F(LlmBackendTest, TitlesInOddFormsMapAndUnknownOrNonCandidateTitlesAreDropped) {
  server_->SetContent(
      "Sure! My ranking:\n- **old laugh one** - a classic\n- Laugh One (1991)\n- The Matrix\n- LAUGH TWO, THE\n"
      "- Old Laugh One");
  auto r = backend_->Rerank(Candidates(), In(2000));
  ASSERT_TRUE(r.ok()) << r.status();
  // "Laugh One" is not a candidate (the user named it), "The Matrix" is not in the catalogue.
  EXPECT_EQ(*r, (std::vector<int64_t>{4, 2, 3, 5, 6}));
}

TEST_F(LlmBackendTest, NonsenseAnswerIsAnError) {
  server_->SetContent("I'm sorry, I cannot help with that.");
  auto r = backend_->Rerank(Candidates(), In(2000));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LlmBackendTest, TimeoutFailsWithinTheTurnsDeadline) {
  server_->SetContent("Laugh Three", /*delay_ms=*/5000);
  auto start = std::chrono::steady_clock::now();
  auto r = backend_->Rerank(Candidates(), In(100));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  // The turn had 100 ms; the backend keeps 20 ms of it for our own ranking.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(100));
}

TEST_F(LlmBackendTest, HttpErrorAndMalformedJsonAreErrors) {
  server_->SetReply({500, "internal error"});
  EXPECT_EQ(backend_->Rerank(Candidates(), In(2000)).status().code(), absl::StatusCode::kUnavailable);
  server_->SetReply({200, "{not json"});
  EXPECT_EQ(backend_->Rerank(Candidates(), In(2000)).status().code(), absl::StatusCode::kDataLoss);
}

RewordInput Reply() {
  RewordInput in;
  in.text = "Since you liked Laugh One, you might enjoy these:";
  in.items = {2, 5};
  in.reasons = {"A 1992 comedy with Tom Hanks.", "A 1985 comedy with Tom Hanks."};
  return in;
}

TEST_F(LlmBackendTest, RewordKeepingEveryTitleIsAccepted) {
  server_->SetContent("  As a fan of Laugh One, you'll enjoy Laugh Two and Old Laugh Two, both with Tom Hanks.\n");
  auto r = backend_->Reword(Reply(), In(2000));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "As a fan of Laugh One, you'll enjoy Laugh Two and Old Laugh Two, both with Tom Hanks.");
}

TEST_F(LlmBackendTest, RewordThatDropsOrInventsATitleIsRejected) {
  server_->SetContent("You'll enjoy Laugh Two, a Tom Hanks comedy.");
  auto dropped = backend_->Reword(Reply(), In(2000));
  EXPECT_EQ(dropped.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(dropped.status().message().find("drops Old Laugh Two"), std::string::npos) << dropped.status();
  server_->SetContent("Try Laugh Two and Old Laugh Two, or Fright Three if you are brave.");
  auto invented = backend_->Reword(Reply(), In(2000));
  EXPECT_EQ(invented.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(invented.status().message().find("Fright Three"), std::string::npos) << invented.status();
  server_->SetContent("   ");
  EXPECT_EQ(backend_->Reword(Reply(), In(2000)).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace chatrec::llm
