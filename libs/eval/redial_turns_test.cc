#include "libs/eval/redial_turns.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chatrec::eval {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

MovieTitles Titles() {
  return {{111, "Happy Death Day (2017)"}, {222, "A Quiet Place (2018)"}, {333, "Annabelle (2014)"},
          {444, "Headhunter (2009)"}, {445, "Headhunter (1990)"}};
}

// Seeker 9 talks first; recommender 8 answers over two messages, then recommends two films.
constexpr char kDialogue[] =
    R"j({"conversationId": "20041", "respondentWorkerId": 8, "initiatorWorkerId": 9,)j"
    R"j( "movieMentions": {"111": "Happy Death Day  (2017)", "222": "A Quiet Place (2018)"},)j"
    R"j( "messages": [)j"
    R"j({"messageId": 1, "senderWorkerId": 9, "text": "Hi, I liked @333"},)j"
    R"j({"messageId": 2, "senderWorkerId": 8, "text": "Oh, scary movies?"},)j"
    R"j({"messageId": 3, "senderWorkerId": 8, "text": "Try @111"},)j"
    R"j({"messageId": 4, "senderWorkerId": 9, "text": "Seen it. More?"},)j"
    R"j({"messageId": 5, "senderWorkerId": 8, "text": "@222 or @111 again, or @999"}]})j";

TEST(RedialTurnsTest, DialogueBecomesOneTurnPerRecommenderMessageWithMovies) {
  std::istringstream in(std::string(kDialogue) + "\n");
  MovieTitles titles = Titles();
  auto turns = ParseRedialDialogues(in, titles);
  ASSERT_TRUE(turns.ok()) << turns.status();
  ASSERT_EQ(turns->turns.size(), 2u);
  const RedialTurn& first = turns->turns[0];
  EXPECT_EQ(first.dialog_id, "test_20041");
  EXPECT_EQ(first.turn_id, 2);  // the merged group starts at message 2
  EXPECT_THAT(first.targets, ElementsAre(111));
  EXPECT_THAT(first.mentioned_before, ElementsAre(333));
  ASSERT_EQ(first.context.size(), 1u);
  EXPECT_EQ(first.context[0].text, "Hi, I liked Annabelle (2014)");
  EXPECT_TRUE(first.context[0].seeker);

  const RedialTurn& second = turns->turns[1];
  EXPECT_THAT(second.targets, ElementsAre(222, 111));  // @999 is not a catalogue movie
  EXPECT_THAT(second.mentioned_before, ElementsAre(333, 111));
  ASSERT_EQ(second.context.size(), 3u);
  EXPECT_EQ(second.context[1].text, "Oh, scary movies? Try Happy Death Day (2017)");
  EXPECT_FALSE(second.context[1].seeker);
  EXPECT_TRUE(second.IsNew(222));
  EXPECT_FALSE(second.IsNew(111));
  EXPECT_THAT(turns->dialogue_mentions, ElementsAre(ElementsAre(333, 111, 222)));
}

TEST(RedialTurnsTest, MalformedDialogueLinesAreSkippedWithTheirLineAndReason) {
  std::istringstream in(std::string("{not json\n") + R"j({"context": [], "rec": [1]})j" + "\n" +
                        R"j({"conversationId": "1", "respondentWorkerId": 8, "messages": [{"senderWorkerId": 8}]})j" +
                        "\n\n" + kDialogue + "\n");
  MovieTitles titles = Titles();
  auto turns = ParseRedialDialogues(in, titles);
  ASSERT_TRUE(turns.ok());
  EXPECT_EQ(turns->turns.size(), 2u);
  ASSERT_EQ(turns->skipped.size(), 3u);
  EXPECT_EQ(turns->skipped[0].line, 1);
  EXPECT_THAT(turns->skipped[0].reason, HasSubstr("not a JSON object"));
  EXPECT_THAT(turns->skipped[1].reason, HasSubstr("use --turns"));
  EXPECT_THAT(turns->skipped[2].reason, HasSubstr("without text"));
}

constexpr char kEntity2Id[] =
    R"j({"<http://dbpedia.org/resource/Happy_Death_Day>": 10, "<http://dbpedia.org/resource/A_Quiet_Place>": 20,)j"
    R"j( "<http://dbpedia.org/resource/Headhunter_(2009_film)>": 30, "<http://dbpedia.org/resource/Tom_Hanks>": 40,)j"
    R"j( "<http://dbpedia.org/resource/Annabelle_(film)>": 50})j";
constexpr char kLink[] =
    "redial_movie_id\tdbpedia_entity\n111\t<http://dbpedia.org/resource/Happy_Death_Day>\n"
    "333\t<http://dbpedia.org/resource/Annabelle_(film)>\n222\t\n";

TEST(EntityMovieMapTest, MapsThroughTheLinkThenByANameTheTextWrites) {
  MovieTitles titles = Titles();
  auto map = EntityMovieMap::FromStrings(kEntity2Id, kLink, titles);
  ASSERT_TRUE(map.ok()) << map.status();
  EntityMovieMap::How how;
  EXPECT_EQ(map->Map(10, "", &how), 111);
  EXPECT_EQ(how, EntityMovieMap::How::kLink);
  EXPECT_EQ(map->Map(20, "I heard that A Quiet Place (2018) is good", &how), 222);
  EXPECT_EQ(how, EntityMovieMap::How::kName);
  EXPECT_EQ(map->Map(20, "nothing about it here", &how), -1);  // a bare name is not enough
  EXPECT_EQ(map->Map(30, "Headhunter (2009) and Headhunter (1990)", &how), 444);  // the URI's year decides
  EXPECT_EQ(map->Map(40, "Tom Hanks", &how), -1);
  EXPECT_EQ(map->Map(99, "", &how), -1);
  EXPECT_EQ(how, EntityMovieMap::How::kNone);
}

TEST(EntityMovieMapTest, BadFilesAreInvalidArgument) {
  MovieTitles titles = Titles();
  EXPECT_EQ(EntityMovieMap::FromStrings("[1, 2]", kLink, titles).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EntityMovieMap::FromStrings(kEntity2Id, "redial_movie_id\tdbpedia_entity\nabc\n", titles).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RedialTurnsTest, UnicrsTurnsMapTargetsAndAlternateSpeakersBackwards) {
  MovieTitles titles = Titles();
  auto map = EntityMovieMap::FromStrings(kEntity2Id, kLink, titles);
  ASSERT_TRUE(map.ok());
  std::istringstream in(
      std::string(R"j({"context": ["", "Hello!", "Hi", "What do you like?", "I enjoyed Annabelle (2014)"],)j") +
      R"j( "resp": "Try Happy Death Day (2017) or A Quiet Place (2018)", "rec": [10, 20, 40], "prev_entity": [50, 40],)j" +
      R"j( "dialog_id": "test_1", "turn_id": 7})j" + "\n" +
      R"j({"context": ["x"], "rec": "10"})j" + "\n" + R"j({"conversationId": "1", "messages": []})j" + "\n" +
      R"j({"context": ["a"], "resp": "nothing", "rec": [40], "dialog_id": "test_2"})j" + "\n");
  auto turns = ParseUnicrsTurns(in, *map);
  ASSERT_TRUE(turns.ok()) << turns.status();
  ASSERT_EQ(turns->turns.size(), 1u);  // the last turn has no mappable target
  const RedialTurn& t = turns->turns[0];
  EXPECT_EQ(t.dialog_id, "test_1");
  EXPECT_EQ(t.turn_id, 7);
  EXPECT_THAT(t.targets, ElementsAre(111, 222));
  EXPECT_THAT(t.mentioned_before, ElementsAre(333));
  ASSERT_EQ(t.context.size(), 4u);
  EXPECT_TRUE(t.context[3].seeker);
  EXPECT_FALSE(t.context[2].seeker);
  EXPECT_TRUE(t.context[1].seeker);
  EXPECT_FALSE(t.context[0].seeker);
  EXPECT_EQ(turns->target_entities, 4);
  EXPECT_EQ(turns->mapped_by_link, 1);
  EXPECT_EQ(turns->mapped_by_name, 1);
  EXPECT_EQ(turns->unmapped, 2);
  ASSERT_EQ(turns->skipped.size(), 2u);
  EXPECT_EQ(turns->skipped[0].line, 2);
  EXPECT_THAT(turns->skipped[1].reason, HasSubstr("use --dialogues"));
}

TEST(RedialTurnsTest, NormaliseTitleCollapsesSpaces) {
  EXPECT_EQ(NormaliseTitle("Happy Death Day  (2017) "), "Happy Death Day (2017)");
}

}  // namespace
}  // namespace chatrec::eval
