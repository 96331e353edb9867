// For tests of the dialogue core: the tiny in-memory world (services/testing) with the
// retrieval and scoring cores in-process, a session store in a temporary directory, and
// a `Turn` helper, so that a test reads as a short conversation.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "services/dialogue/dialogue_core.h"
#include "services/dialogue/in_process_clients.h"
#include "services/testing/tiny_world.h"

namespace chatrec::dialogue {

class CoreTestWorld : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dialogue_conversation_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    sessions_ = *SessionStore::Open(dir_.string(), 3600);
    nlu_ = *nlu::Understander::Create(*world_.catalog);
    MakeCore(nullptr);
  }
  void TearDown() override {
    core_.reset();
    sessions_.reset();
    std::filesystem::remove_all(dir_);
  }
  // The options every test core shares: the tiny world and the in-process services.
  DialogueCoreOptions Options() {
    return DialogueCoreOptions{.catalog = world_.catalog.get(),
                               .nlu = nlu_.get(),
                               .sessions = sessions_.get(),
                               .feedback = &feedback_,
                               .retrieval = &retrieval_,
                               .scoring = &scoring_};
  }
  void MakeCore(const llm::LlmBackend* llm) {
    DialogueCoreOptions options = Options();
    options.llm = llm;
    core_ = std::make_unique<DialogueCore>(options);
  }

  // One user turn in the conversation (the first one starts it).
  v1::ConverseResponse Say(const std::string& text, int k = 3) {
    v1::ConverseRequest req;
    req.set_session_id(session_);
    req.set_user_id("u1");
    req.set_text(text);
    req.set_k(k);
    auto r = core_->Converse(req, std::chrono::system_clock::now() + std::chrono::seconds(3));
    EXPECT_TRUE(r.ok()) << text << ": " << r.status();
    if (!r.ok()) return v1::ConverseResponse();
    session_ = r->session_id();
    return *r;
  }
  v1::SessionState State() {
    v1::GetSessionRequest req;
    req.set_session_id(session_);
    auto s = core_->GetSession(req);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? s->state() : v1::SessionState();
  }
  bool Has(int64_t id, const std::string& entity) {
    return world_.catalog->HasEntity(world_.catalog->RowOf(id), entity);
  }
  std::string Name(int64_t id) { return world_.catalog->item(world_.catalog->RowOf(id)).name(); }

  testing::TinyWorld world_ = testing::MakeTinyWorld();
  retrieval::RetrievalCore retrieval_core_{world_.catalog.get(), world_.models.get()};
  scoring::ScoringCore scoring_core_{world_.catalog.get(), world_.models.get()};
  InProcessFeedback feedback_;
  InProcessRetrieval retrieval_{&retrieval_core_};
  InProcessScoring scoring_{&scoring_core_};
  std::filesystem::path dir_;
  std::unique_ptr<SessionStore> sessions_;
  std::unique_ptr<nlu::Understander> nlu_;
  std::unique_ptr<DialogueCore> core_;
  std::string session_;
};

}  // namespace chatrec::dialogue
