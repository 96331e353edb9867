#include "services/dialogue/user_simulator.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "libs/dialogue/policy.h"
#include "services/dialogue/core_test_world.h"
#include "services/testing/tiny_world.h"

namespace chatrec::dialogue {
namespace {

class UserSimulatorTest : public CoreTestWorld {
 protected:
  std::unique_ptr<DialogueCore> Core(bool ask_questions, int follow_up_min_candidates = 30) {
    DialogueCoreOptions options = Options();
    options.ask_questions = ask_questions;
    options.follow_up_min_candidates = follow_up_min_candidates;
    return std::make_unique<DialogueCore>(options);
  }
};

TEST_F(UserSimulatorTest, AnswersTheGenreQuestionFromTheTargetAndFindsIt) {
  auto core = Core(true);
  UserSimulator sim(core.get(), world_.catalog.get(), {.max_turns = 5, .k = 3, .seed = 1});
  // Item 6: the least popular comedy. The question narrows to the six comedies, and two
  // lists of three (the second after "none of those") cover them all.
  auto e = sim.Run(6, "sim:1");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->questions, 1);
  ASSERT_GE(e->transcript.size(), 3u);
  EXPECT_EQ(e->transcript[2], "user: I'd like a comedy movie.");
  EXPECT_TRUE(e->success);
  EXPECT_LE(e->turns, 3);
}

// Item 11, a horror film of the 1980s: after "horror", three lists of one do not reach it.
// With follow-ups, the first "none of those" brings a second question next to the new list
// (not the genre again), and the answer narrows the horror films enough to find it.
TEST_F(UserSimulatorTest, AFollowUpQuestionAfterARejectedListFindsWhatOneQuestionCannot) {
  auto once = Core(true, /*follow_up_min_candidates=*/0);
  UserSimulator a(once.get(), world_.catalog.get(), {.max_turns = 5, .k = 1, .seed = 1});
  auto without = a.Run(11, "sim:once");
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_EQ(without->questions, 1);
  EXPECT_FALSE(without->success);

  auto follow = Core(true, /*follow_up_min_candidates=*/2);
  UserSimulator b(follow.get(), world_.catalog.get(), {.max_turns = 5, .k = 1, .seed = 1});
  auto with = b.Run(11, "sim:follow");
  ASSERT_TRUE(with.ok()) << with.status();
  EXPECT_EQ(with->questions, 2);
  EXPECT_TRUE(with->success);
  ASSERT_GE(with->transcript.size(), 7u);
  EXPECT_EQ(with->transcript[2], "user: I'd like a horror movie.");
  EXPECT_EQ(with->transcript[4], "user: No, none of those. Something else?");
  EXPECT_NE(with->transcript[5].find("To narrow it down"), std::string::npos) << with->transcript[5];
  EXPECT_EQ(with->transcript[5].find("What kind of movie"), std::string::npos) << "never the genre question twice";
  EXPECT_EQ(with->transcript[6].rfind("user: None of those. Something ", 0), 0u) << with->transcript[6];
}

TEST_F(UserSimulatorTest, WithoutTheQuestionPolicyItOnlyRejects) {
  auto core = Core(false);
  UserSimulator sim(core.get(), world_.catalog.get(), {.max_turns = 2, .k = 1, .seed = 1});
  auto e = sim.Run(12, "sim:2");  // the least popular film; two lists of one cannot reach it
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->questions, 0);
  EXPECT_FALSE(e->success);
  EXPECT_EQ(e->turns, 2);
  EXPECT_EQ(e->transcript[2], "user: No, none of those. Something else?");
}

TEST_F(UserSimulatorTest, SameSeedSameConversation) {
  auto core = Core(true);
  UserSimulator a(core.get(), world_.catalog.get(), {.k = 2, .seed = 7});
  UserSimulator b(core.get(), world_.catalog.get(), {.k = 2, .seed = 7});
  auto ea = a.Run(9, "sim:a"), eb = b.Run(9, "sim:b");
  ASSERT_TRUE(ea.ok() && eb.ok());
  // The system's wording varies with the random session id; what the user says does not.
  auto user_lines = [](const std::vector<std::string>& t) {
    std::vector<std::string> out;
    for (const auto& line : t) {
      if (line.rfind("user: ", 0) == 0) out.push_back(line);
    }
    return out;
  };
  EXPECT_EQ(user_lines(ea->transcript), user_lines(eb->transcript));
  EXPECT_EQ(ea->turns, eb->turns);
}

TEST_F(UserSimulatorTest, BadTargetOrOptionsAreInvalidArgument) {
  auto core = Core(true);
  UserSimulator sim(core.get(), world_.catalog.get(), {});
  EXPECT_EQ(sim.Run(999, "sim:x").status().code(), absl::StatusCode::kInvalidArgument);
  UserSimulator zero(core.get(), world_.catalog.get(), {.max_turns = 0});
  EXPECT_EQ(zero.Run(1, "sim:x").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(UserSimulatorSummaryTest, AveragesCountFailuresAtMaxTurns) {
  std::vector<Episode> episodes(2);
  episodes[0].success = true;
  episodes[0].turns = 2;
  episodes[0].questions = 1;
  episodes[1].turns = 5;
  auto s = Summarise(episodes);
  EXPECT_EQ(s.episodes, 2);
  EXPECT_DOUBLE_EQ(s.success, 0.5);
  EXPECT_DOUBLE_EQ(s.avg_turns, 3.5);
  EXPECT_DOUBLE_EQ(s.avg_turns_success, 2);
  EXPECT_DOUBLE_EQ(s.avg_questions, 0.5);
  EXPECT_EQ(Summarise({}).episodes, 0);
}

TEST(SampleTargetsTest, DistinctSeededAndBounded) {
  auto world = testing::MakeTinyWorld();
  auto a = SampleTargets(*world.catalog, 5, 3), b = SampleTargets(*world.catalog, 5, 3);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 5u);
  std::sort(a.begin(), a.end());
  EXPECT_EQ(std::unique(a.begin(), a.end()), a.end());
  EXPECT_EQ(SampleTargets(*world.catalog, 100, 3).size(), 12u);
}

// Information gain and the follow-up choice on the tiny world: 1-6 comedies, 7-12 horror,
// 1-3 and 7-9 from the 1990s, the others from the 1980s; Wes Craven directs 7, 8 and 10.
TEST(FollowUpPolicyTest, AsksTheMostInformativeAttributeNeverTwiceAndOnlyWhileManyFilmsFit) {
  testing::TinyWorld world = testing::MakeTinyWorld();
  const catalog::Catalog& c = *world.catalog;
  std::vector<int32_t> horror;
  for (int64_t id = 7; id <= 12; ++id) horror.push_back(c.RowOf(id));
  EXPECT_NEAR(ExpectedInformationGain(c, horror, "decade"), 1.0, 1e-9);  // three and three
  EXPECT_NEAR(ExpectedInformationGain(c, horror, "genre"), 0.0, 1e-9);   // all horror
  // Craven (3 films) or "don't mind" (3): one bit as well.
  EXPECT_NEAR(ExpectedInformationGain(c, horror, "director"), 1.0, 1e-9);

  v1::SessionState s;
  s.mutable_constraints()->add_must_entities("genre:horror");
  s.add_asked_attributes("genre");
  s.add_shown_item_ids(7);
  EXPECT_EQ(RowsInPlay(c, s).size(), 5u);
  auto q = ChooseFollowUpQuestion(c, s, /*min_candidates=*/2);
  ASSERT_TRUE(q.has_value());
  EXPECT_NE(q->attribute(), "genre") << "asked already, and constrained";
  s.add_asked_attributes(q->attribute());
  auto next = ChooseFollowUpQuestion(c, s, 2);
  if (next) EXPECT_NE(next->attribute(), q->attribute()) << "never the same question twice";
  EXPECT_FALSE(ChooseFollowUpQuestion(c, s, /*min_candidates=*/6).has_value()) << "only five films in play";
  EXPECT_FALSE(ChooseFollowUpQuestion(c, s, 2, {"genre"}).has_value()) << "only genre allowed, and asked";
}

}  // namespace
}  // namespace chatrec::dialogue
