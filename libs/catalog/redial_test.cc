#include "libs/catalog/redial.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace chatrec::catalog {
namespace {

namespace fs = std::filesystem;

TEST(RedialTest, TitlesLoseTheirYear) {
  std::string name;
  int year;
  ParseRedialTitle("Angels in the Outfield  (1994)", &name, &year);
  EXPECT_EQ(name, "Angels in the Outfield");
  EXPECT_EQ(year, 1994);
  ParseRedialTitle("Hot Tub Time Machine", &name, &year);
  EXPECT_EQ(year, 0);
}

TEST(RedialTest, LoadsMoviesMetadataAndSeekerAnswersOncePerDialogue) {
  fs::path dir = fs::temp_directory_path() / ("redial_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "movies_with_mentions.csv") << "movieId,movieName,nbMentions\n1,Fargo (1996),10\n2,\"Heat, The (1995)\",3\nbad line\n";
  std::ofstream(dir / "id2info.fixed.json")
      << R"({"1": {"genre": ["crime", "Thriller"], "director": ["Joel Coen"], "star": ["Frances McDormand"], "plot": "Snow."}})";
  const std::string dialogue =
      R"J({"conversationId": "7", "movieMentions": {"1": "Fargo (1996)"}, "messages": [],)J"
      R"J( "initiatorQuestions": {"1": {"suggested": 0, "seen": 1, "liked": 1}, "2": {"liked": 0}, "9": {"liked": 1}}})J";
  std::ofstream(dir / "a.jsonl") << dialogue << "\nnot json\n";
  std::ofstream(dir / "b.jsonl") << dialogue << "\n";  // the same dialogue in the other split
  auto data = LoadRedial(dir, dir, {(dir / "a.jsonl").string(), (dir / "b.jsonl").string()});
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->catalog.items.size(), 2u);
  EXPECT_EQ(data->catalog.items[0].name(), "Fargo");
  EXPECT_EQ(data->catalog.items[0].popularity(), 0);  // nbMentions (10) counts the test dialogues too
  EXPECT_EQ(data->catalog.items[0].abstract(), "Snow.");
  ASSERT_EQ(data->catalog.items[0].facts_size(), 4);
  EXPECT_EQ(data->catalog.items[0].facts(1).entity_id(), "genre:thriller");
  EXPECT_EQ(data->dialogues, 1);
  ASSERT_EQ(data->interactions.size(), 2u);  // item 9 is not in the catalogue
  EXPECT_TRUE(data->interactions[0].liked != data->interactions[1].liked);
  EXPECT_EQ(data->skipped.size(), 2u);  // the bad CSV line and the bad JSON line
  auto c = Catalog::Create(data->catalog.items, data->catalog.entities);
  EXPECT_TRUE(c.ok()) << c.status();
  fs::remove_all(dir);
}

TEST(RedialTest, TrainingDialoguesCountEachItemsMentionsOnce) {
  fs::path dir = fs::temp_directory_path() / ("redial_mentions_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "movies_with_mentions.csv") << "movieId,movieName,nbMentions\n1,It (1990),10\n2,It (2017),3\n";
  const std::string dialogue =
      R"J({"conversationId": "8", "messages": [{"text": "have you seen @2 ? or @2"}, {"text": "yes, and @1"},)J"
      R"J( {"text": "mail me @ home, @99 is unknown"}, {"text": 5}]})J";
  std::ofstream(dir / "a.jsonl") << dialogue << "\n";
  std::ofstream(dir / "b.jsonl") << dialogue << "\n";  // the same dialogue in the other split counts once
  auto data = LoadRedial(dir, "", {(dir / "a.jsonl").string(), (dir / "b.jsonl").string()});
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->catalog.items.size(), 2u);
  EXPECT_EQ(data->catalog.items[0].dialogue_mentions(), 1);
  EXPECT_EQ(data->catalog.items[1].dialogue_mentions(), 2);
  EXPECT_EQ(data->catalog.items[1].popularity(), 2);  // the training-side mentions, not nbMentions (3)
  fs::remove_all(dir);
}

}  // namespace
}  // namespace chatrec::catalog
