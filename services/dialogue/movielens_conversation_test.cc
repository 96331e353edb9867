// Item questions as short conversations over the real MovieLens 100K catalogue and its
// DBpedia KG (plots with Wikipedia hatnotes, directors, genres). Retrieval and scoring
// are down here on purpose: these turns must not need them. Skipped without the data
// (CHATREC_DATA, else ../shared/data, else /work/shared/data).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "libs/catalog/movielens.h"
#include "libs/common/data_dir.h"
#include "services/dialogue/dialogue_core.h"
#include "services/dialogue/in_process_clients.h"

namespace chatrec::dialogue {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string DataDir() { return DataDirFromEnvironment(); }

class MovieLensConversationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string dir = DataDir();
    if (!std::filesystem::exists(dir + "/ml-100k/u.item")) return;
    auto data = catalog::LoadMovieLens(dir + "/ml-100k", dir + "/ml-100k-kg-dbpedia");
    ASSERT_TRUE(data.ok()) << data.status();
    catalog_ = catalog::Catalog::Create(std::move(data->catalog.items), std::move(data->catalog.entities),
                                        data->catalog.meta)->release();
    nlu_ = nlu::Understander::Create(*catalog_)->release();
  }
  static void TearDownTestSuite() {
    delete nlu_;
    delete catalog_;
  }
  void SetUp() override {
    if (catalog_ == nullptr) GTEST_SKIP() << "MovieLens 100K not found under " << DataDir();
    dir_ = std::filesystem::temp_directory_path() /
           ("movielens_conversation_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    sessions_ = *SessionStore::Open(dir_.string(), 3600);
    retrieval_.fail = absl::UnavailableError("not needed");
    scoring_.fail = absl::UnavailableError("not needed");
    core_ = std::make_unique<DialogueCore>(DialogueCoreOptions{.catalog = catalog_, .nlu = nlu_,
                                                               .sessions = sessions_.get(), .feedback = &feedback_,
                                                               .retrieval = &retrieval_, .scoring = &scoring_});
  }
  void TearDown() override {
    core_.reset();
    sessions_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string Say(const std::string& text) {
    v1::ConverseRequest req;
    req.set_session_id(session_);
    req.set_user_id("ml-user");
    req.set_text(text);
    auto r = core_->Converse(req, std::chrono::system_clock::now() + std::chrono::seconds(3));
    EXPECT_TRUE(r.ok()) << text << ": " << r.status();
    if (!r.ok()) return "";
    session_ = r->session_id();
    return r->text();
  }

  static inline catalog::Catalog* catalog_ = nullptr;
  static inline nlu::Understander* nlu_ = nullptr;
  std::filesystem::path dir_;
  std::unique_ptr<SessionStore> sessions_;
  InProcessFeedback feedback_;
  InProcessRetrieval retrieval_{nullptr};
  InProcessScoring scoring_{nullptr};
  std::unique_ptr<DialogueCore> core_;
  std::string session_;
};

TEST_F(MovieLensConversationTest, WhoDirectedItAndWhoIsInItFollowTheFilmNamed) {
  EXPECT_EQ(Say("who directed Fargo?"), "Fargo was directed by Coen brothers.");  // as the KG has it
  EXPECT_THAT(Say("who is in it?"), HasSubstr("Frances McDormand"));
  EXPECT_THAT(Say("what is Toy Story about?"), StartsWith("Toy Story is a 1995 American computer-animated"));
  EXPECT_THAT(Say("who is in it?"), HasSubstr("Tom Hanks"));
}

TEST_F(MovieLensConversationTest, PlotsLeaveOutWikipediaHatnotes) {
  std::string plot = Say("what is Weekend at Bernie's about?");
  EXPECT_THAT(plot, StartsWith("Weekend at Bernie's is a 1989"));
  EXPECT_THAT(plot, Not(HasSubstr("see ")));
  EXPECT_THAT(Say("what is Space Jam about?"), StartsWith("Space Jam is a 1996"));
}

TEST_F(MovieLensConversationTest, IsItScaryIsAnsweredFromTheGenres) {
  EXPECT_THAT(Say("is Scream scary?"), StartsWith("Yes, Scream is a"));
  EXPECT_THAT(Say("is Toy Story scary?"), StartsWith("No, Toy Story is not a horror film; it is an animation"));
  EXPECT_THAT(Say("is it funny?"), StartsWith("Yes, Toy Story is"));
}

}  // namespace
}  // namespace chatrec::dialogue
