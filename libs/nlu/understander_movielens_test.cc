// Understanding against the real MovieLens 100K catalogue and its DBpedia KG.
// Skipped when the data is not there (CHATREC_DATA, else ../shared/data, else /work/shared/data).
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "libs/catalog/movielens.h"
#include "libs/common/data_dir.h"
#include "libs/nlu/understander.h"

namespace chatrec::nlu {
namespace {

std::string DataDir() { return DataDirFromEnvironment(); }

class MovieLensUnderstanderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string dir = DataDir();
    if (!std::filesystem::exists(dir + "/ml-100k/u.item")) return;
    auto data = catalog::LoadMovieLens(dir + "/ml-100k", dir + "/ml-100k-kg-dbpedia");
    ASSERT_TRUE(data.ok()) << data.status();
    auto catalog = catalog::Catalog::Create(std::move(data->catalog.items), std::move(data->catalog.entities),
                                            data->catalog.meta);
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = catalog->release();
    auto start = std::chrono::steady_clock::now();
    auto understander = Understander::Create(*catalog_);
    build_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(understander.ok()) << understander.status();
    understander_ = understander->release();
  }
  static void TearDownTestSuite() {
    delete understander_;
    delete catalog_;
    understander_ = nullptr;
    catalog_ = nullptr;
  }
  void SetUp() override {
    if (understander_ == nullptr) GTEST_SKIP() << "MovieLens 100K not found under " << DataDir();
  }

  static Understanding U(std::string_view text) { return understander_->Understand(text); }
  // Entity ids, "years" for a year expression.
  static std::vector<std::string> Ids(const Understanding& u) {
    std::vector<std::string> ids;
    for (const auto& m : u.mentions) ids.push_back(m.entity_id.empty() ? "years" : m.entity_id);
    return ids;
  }
  // "item:<id>" of the film whose MovieLens title is `title`, e.g. "Fargo (1996)".
  static std::string ItemNamed(const std::string& title) {
    for (int32_t row = 0; row < catalog_->size(); ++row) {
      if (catalog_->item(row).title() == title) return catalog::ItemEntityId(catalog_->item(row).id());
    }
    ADD_FAILURE() << "no item " << title;
    return "";
  }

  static catalog::Catalog* catalog_;
  static Understander* understander_;
  static double build_seconds_;
};
catalog::Catalog* MovieLensUnderstanderTest::catalog_ = nullptr;
Understander* MovieLensUnderstanderTest::understander_ = nullptr;
double MovieLensUnderstanderTest::build_seconds_ = 0;

using IdList = std::vector<std::string>;

TEST_F(MovieLensUnderstanderTest, ComedyFromThe90sLinksGenreAndDecadeOnly) {
  auto u = U("I'd like a comedy from the 90s");
  EXPECT_EQ(u.intent, chatrec::v1::INTENT_RECOMMEND);
  ASSERT_EQ(Ids(u), (IdList{"genre:comedy", "years"}));
  EXPECT_EQ(u.mentions[1].min_year, 1990);
  EXPECT_EQ(u.mentions[1].max_year, 1999);
}

TEST_F(MovieLensUnderstanderTest, SomethingWithTomHanksLinksOnlyThePerson) {
  auto u = U("something with Tom Hanks");
  EXPECT_EQ(Ids(u), (IdList{"person:Tom_Hanks"}));
  EXPECT_EQ(u.mentions.at(0).type, chatrec::v1::ENTITY_TYPE_PERSON);
}

TEST_F(MovieLensUnderstanderTest, ILovedFargoIsPositiveAboutFargo1996) {
  auto u = U("I loved Fargo");
  ASSERT_EQ(Ids(u), (IdList{ItemNamed("Fargo (1996)")}));
  EXPECT_FALSE(u.mentions[0].negative);
  EXPECT_EQ(u.polarity, chatrec::v1::POLARITY_POSITIVE);
}

TEST_F(MovieLensUnderstanderTest, NoHorrorIsNegativeHorror) {
  auto u = U("no horror");
  ASSERT_EQ(Ids(u), (IdList{"genre:horror"}));
  EXPECT_TRUE(u.mentions[0].negative);
}

TEST_F(MovieLensUnderstanderTest, AlreadySeenForrestGumpIsARejectionOfThatFilm) {
  auto u = U("I've already seen Forrest Gump");
  EXPECT_EQ(u.intent, chatrec::v1::INTENT_REJECT);
  EXPECT_EQ(Ids(u), (IdList{ItemNamed("Forrest Gump (1994)")}));
}

TEST_F(MovieLensUnderstanderTest, TitlesAsPeopleWriteThem) {
  const std::string shawshank = ItemNamed("Shawshank Redemption, The (1994)");
  const std::string godfather2 = ItemNamed("Godfather: Part II, The (1974)");
  for (const char* text : {"the shawshank redemption", "Shawshank Redemption", "I loved Shawshank",
                           "The Shawshenk Redemption"}) {
    EXPECT_EQ(Ids(U(text)), (IdList{shawshank})) << text;
  }
  for (const char* text : {"Godfather 2", "Godfather II", "the godfather part ii", "The Godfather Part 2"}) {
    EXPECT_EQ(Ids(U(text)), (IdList{godfather2})) << text;
  }
  EXPECT_EQ(Ids(U("The Godfather")), (IdList{ItemNamed("Godfather, The (1972)")}));
  EXPECT_EQ(Ids(U("fargo 1996")), (IdList{ItemNamed("Fargo (1996)")}));
  EXPECT_EQ(Ids(U("Fargo (1996)")), (IdList{ItemNamed("Fargo (1996)")}));
  EXPECT_EQ(Ids(U("Sabrina (1954)")), (IdList{ItemNamed("Sabrina (1954)")}));
  EXPECT_EQ(Ids(U("Se7en")), (IdList{ItemNamed("Seven (Se7en) (1995)")}));
  EXPECT_EQ(Ids(U("wallace and gromit")),
            (IdList{ItemNamed("Wallace & Gromit: The Best of Aardman Animation (1996)")}));
  EXPECT_EQ(Ids(U("Terminator 2")), (IdList{ItemNamed("Terminator 2: Judgment Day (1991)")}));
  EXPECT_EQ(Ids(U("Schindler's List")), (IdList{ItemNamed("Schindler's List (1993)")}));
}

TEST_F(MovieLensUnderstanderTest, EverydayWordsAreNotTitles) {
  for (const char* text : {"I want something scary", "forget everything", "is it any good?", "I want to go out",
                           "something big", "the heat is killing me", "what a crash", "seven of them",
                           "something new to me", "I'd like a comedy", "it's my party", "a movie for the whole family",
                           "that sounds like fun", "something with a happy ending"}) {
    for (const auto& m : U(text).mentions) {
      EXPECT_NE(m.type, chatrec::v1::ENTITY_TYPE_ITEM) << text << " linked " << m.text << " to " << m.entity_id;
      EXPECT_NE(m.type, chatrec::v1::ENTITY_TYPE_PERSON) << text << " linked " << m.text << " to " << m.entity_id;
    }
  }
  EXPECT_EQ(Ids(U("I loved Heat")), (IdList{ItemNamed("Heat (1995)")}));
  EXPECT_EQ(Ids(U("\"Crash\"")), (IdList{ItemNamed("Crash (1996)")}));
}

TEST_F(MovieLensUnderstanderTest, PeopleByNameAndDistinctiveSurname) {
  EXPECT_EQ(Ids(U("a tom cruise movie")), (IdList{"person:Tom_Cruise"}));
  EXPECT_EQ(Ids(U("anything by Spielberg")), (IdList{"person:Steven_Spielberg"}));
  EXPECT_EQ(Ids(U("something from Tarantino")), (IdList{"person:Quentin_Tarantino"}));
  auto u = U("anything but Tom Cruise");
  ASSERT_EQ(Ids(u), (IdList{"person:Tom_Cruise"}));
  EXPECT_TRUE(u.mentions[0].negative);
}

TEST_F(MovieLensUnderstanderTest, GenresYearsAndNegationTogether) {
  auto u = U("a sci-fi from the eighties, nothing scary");
  ASSERT_EQ(Ids(u), (IdList{"genre:sci-fi", "years", "genre:horror"}));
  EXPECT_FALSE(u.mentions[0].negative);
  EXPECT_EQ(u.mentions[1].min_year, 1980);
  EXPECT_TRUE(u.mentions[2].negative);
  u = U("a recent romcom");
  ASSERT_EQ(Ids(u), (IdList{"years", "genre:romance", "genre:comedy"}));
  EXPECT_EQ(u.mentions[0].min_year, 1998 - 3);
}

}  // namespace
}  // namespace chatrec::nlu
