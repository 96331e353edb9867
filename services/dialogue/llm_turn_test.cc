// Converse turns with the optional LLM backend on: its ranking and wording are used when
// they are sound, and every failure falls back to ours within the turn, saying why.
#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "libs/llm/fake_llm_server.h"
#include "services/dialogue/core_test_world.h"

namespace chatrec::dialogue {
namespace {

class LlmTurnTest : public CoreTestWorld {
 protected:
  void Enable(bool rerank, bool reword, int timeout_ms = 300) {
    server_ = llm::FakeLlmServer::Shared();
    ASSERT_NE(server_, nullptr);
    server_->Reset();
    client_ = std::move(*llm::HttpChatClient::Create({.endpoint = server_->endpoint(), .timeout_ms = timeout_ms}));
    backend_ = std::make_unique<llm::LlmBackend>(world_.catalog.get(), client_.get(),
                                                 llm::LlmOptions{.rerank = rerank, .reword = reword});
    MakeCore(backend_.get());
  }
  llm::FakeLlmServer* server_ = nullptr;
  std::unique_ptr<llm::HttpChatClient> client_;
  std::unique_ptr<llm::LlmBackend> backend_;
};

TEST_F(LlmTurnTest, OffByDefaultTheResponseSaysNothingAboutAnLlm) {
  auto r = Say("a comedy");
  EXPECT_FALSE(r.has_llm());
  EXPECT_FALSE(State().recent_lines().empty());  // the dialogue is kept for when it is turned on
}

TEST_F(LlmTurnTest, ConverseUsesTheLlmsRanking) {
  auto ours = Say("a comedy");
  ASSERT_EQ(ours.items_size(), 3);
  session_.clear();
  Enable(/*rerank=*/true, /*reword=*/false);
  // The LLM puts first a comedy we did not show, then our third.
  int64_t unseen = 0;
  for (int64_t id = 6; id >= 1 && unseen == 0; --id) {
    bool shown = false;
    for (const auto& it : ours.items()) shown |= it.item().id() == id;
    if (!shown) unseen = id;
  }
  ASSERT_NE(unseen, 0);
  server_->SetContent("1. " + world_.catalog->item(world_.catalog->RowOf(unseen)).title() + "\n2. " +
                      ours.items(2).item().title() + "\n3. Not A Real Film");
  auto r = Say("a comedy");
  ASSERT_EQ(r.items_size(), 3);
  EXPECT_EQ(r.items(0).item().id(), unseen);
  EXPECT_EQ(r.items(1).item().id(), ours.items(2).item().id());
  EXPECT_EQ(r.items(2).item().id(), ours.items(0).item().id());  // then ours, in our order
  EXPECT_TRUE(r.llm().used());
  EXPECT_TRUE(r.llm().reranked());
  EXPECT_TRUE(r.llm().fallback().empty());
  for (const auto& it : r.items()) EXPECT_TRUE(Has(it.item().id(), "genre:comedy"));
  // The prompt carried what the user asked for and the dialogue line.
  std::string prompt = server_->requests().at(0);
  EXPECT_NE(prompt.find("Asked for: comedy movies"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("User: a comedy"), std::string::npos);
}

TEST_F(LlmTurnTest, TimeoutFallsBackToOurRankingWithinTheDeadline) {
  auto ours = Say("a comedy");
  session_.clear();
  Enable(true, false, /*timeout_ms=*/100);
  server_->SetContent("Old Laugh Three", /*delay_ms=*/5000);
  auto start = std::chrono::steady_clock::now();
  auto r = Say("a comedy");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  ASSERT_EQ(r.items_size(), ours.items_size());
  for (int i = 0; i < r.items_size(); ++i) EXPECT_EQ(r.items(i).item().id(), ours.items(i).item().id());
  EXPECT_FALSE(r.llm().used());
  EXPECT_NE(r.llm().fallback().find("DEADLINE_EXCEEDED"), std::string::npos) << r.llm().fallback();
  EXPECT_EQ(r.path(), v1::SERVING_PATH_FULL);
}

TEST_F(LlmTurnTest, HttpErrorAndNonsenseFallBack) {
  Enable(true, false);
  server_->SetReply({500, "boom"});
  auto r1 = Say("a horror film");
  EXPECT_GT(r1.items_size(), 0);
  EXPECT_NE(r1.llm().fallback().find("UNAVAILABLE"), std::string::npos) << r1.llm().fallback();
  server_->SetContent("As an AI, I love all movies equally.");
  auto r2 = Say("something else");
  EXPECT_GT(r2.items_size(), 0);
  EXPECT_NE(r2.llm().fallback().find("names none of the candidates"), std::string::npos) << r2.llm().fallback();
}

TEST_F(LlmTurnTest, RewordIsUsedOnlyWhenItKeepsEveryTitle) {
  Enable(/*rerank=*/false, /*reword=*/true);
  server_->SetContent("Not sure, maybe Fright One?");  // drops the titles, invents one
  auto r1 = Say("something with Tom Hanks");
  ASSERT_EQ(r1.items_size(), 2);
  EXPECT_FALSE(r1.llm().reworded());
  EXPECT_NE(r1.llm().fallback().find("reword"), std::string::npos);
  EXPECT_EQ(r1.text().find("Fright One"), std::string::npos);
  server_->SetContent("Tom Hanks fans love Laugh Two and Old Laugh Two, two easy comedies.");
  session_.clear();
  auto r2 = Say("something with Tom Hanks");
  EXPECT_TRUE(r2.llm().reworded());
  EXPECT_EQ(r2.text(), "Tom Hanks fans love Laugh Two and Old Laugh Two, two easy comedies.");
}

}  // namespace
}  // namespace chatrec::dialogue
