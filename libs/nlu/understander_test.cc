// Understanding against a small hand-made catalogue: each test is one utterance and
// what the dialogue must get out of it.
#include "libs/nlu/understander.h"

#include <initializer_list>
#include <string>

#include "gtest/gtest.h"

namespace chatrec::nlu {
namespace {

using catalog::EntityRecord;
using catalog::ItemRecord;
using chatrec::v1::ENTITY_TYPE_GENRE;
using chatrec::v1::ENTITY_TYPE_ITEM;
using chatrec::v1::ENTITY_TYPE_PERSON;

ItemRecord Item(int64_t id, const std::string& name, int year,
                std::initializer_list<std::pair<const char*, const char*>> facts) {
  ItemRecord item;
  item.set_id(id);
  item.set_name(name);
  item.set_title(name + " (" + std::to_string(year) + ")");
  item.set_year(year);
  for (const auto& [relation, entity] : facts) {
    auto* f = item.add_facts();
    f->set_relation(relation);
    f->set_entity_id(entity);
  }
  return item;
}

EntityRecord Entity(const std::string& id, const std::string& name, chatrec::v1::EntityType type) {
  EntityRecord e;
  e.set_id(id);
  e.set_name(name);
  e.set_type(type);
  return e;
}

class UnderstanderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<EntityRecord> entities;
    for (const char* g : {"comedy", "horror", "romance", "drama", "crime", "sci-fi", "animation", "childrens",
                          "film-noir", "thriller"}) {
      entities.push_back(Entity(std::string("genre:") + g, g, ENTITY_TYPE_GENRE));
    }
    entities.push_back(Entity("person:Tom_Hanks", "Tom Hanks", ENTITY_TYPE_PERSON));
    entities.push_back(Entity("person:Tom_Cruise", "Tom Cruise", ENTITY_TYPE_PERSON));
    entities.push_back(Entity("person:Steven_Spielberg", "Steven Spielberg", ENTITY_TYPE_PERSON));
    entities.push_back(Entity("person:Joel_Coen", "Joel Coen", ENTITY_TYPE_PERSON));
    entities.push_back(Entity("person:Samuel_L._Jackson", "Samuel L. Jackson", ENTITY_TYPE_PERSON));
    std::vector<ItemRecord> items = {
        Item(1, "Fargo", 1996, {{"genre", "genre:crime"}, {"genre", "genre:drama"}, {"director", "person:Joel_Coen"}}),
        Item(2, "Heat", 1995, {{"genre", "genre:crime"}, {"genre", "genre:thriller"}}),
        Item(3, "The Shawshank Redemption", 1994, {{"genre", "genre:drama"}}),
        Item(4, "The Godfather", 1972, {{"genre", "genre:crime"}, {"genre", "genre:drama"}}),
        Item(5, "The Godfather: Part II", 1974, {{"genre", "genre:crime"}}),
        Item(6, "Sabrina", 1954, {{"genre", "genre:comedy"}, {"genre", "genre:romance"}}),
        Item(7, "Sabrina", 1995, {{"genre", "genre:comedy"}}),
        Item(8, "Scary Movie", 2000, {{"genre", "genre:comedy"}}),
        Item(9, "Forrest Gump", 1994, {{"genre", "genre:comedy"}, {"starring", "person:Tom_Hanks"}}),
        Item(10, "Jaws", 1975, {{"genre", "genre:horror"}, {"director", "person:Steven_Spielberg"}}),
        Item(11, "E.T. the Extra-Terrestrial", 1982, {{"director", "person:Steven_Spielberg"}}),
        Item(12, "Jurassic Park", 1993, {{"director", "person:Steven_Spielberg"}}),
        Item(13, "It", 1990, {{"genre", "genre:horror"}}),
        Item(14, "Big", 1988, {{"genre", "genre:comedy"}, {"starring", "person:Tom_Hanks"}}),
        Item(15, "Top Gun", 1986, {{"starring", "person:Tom_Cruise"}}),
        Item(16, "Pulp Fiction", 1994, {{"starring", "person:Samuel_L._Jackson"}}),
    };
    auto catalog = catalog::Catalog::Create(std::move(items), std::move(entities));
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = catalog->release();
    auto understander = Understander::Create(*catalog_);
    ASSERT_TRUE(understander.ok()) << understander.status();
    understander_ = understander->release();
  }
  static void TearDownTestSuite() {
    delete understander_;
    delete catalog_;
  }

  static Understanding U(std::string_view text) { return understander_->Understand(text); }
  static std::vector<std::string> Ids(const Understanding& u) {
    std::vector<std::string> ids;
    for (const auto& m : u.mentions) ids.push_back(m.entity_id.empty() ? "years" : m.entity_id);
    return ids;
  }

  static catalog::Catalog* catalog_;
  static Understander* understander_;
};
catalog::Catalog* UnderstanderTest::catalog_ = nullptr;
Understander* UnderstanderTest::understander_ = nullptr;

using IdList = std::vector<std::string>;

// A reply of one everyday word is no title, though a film has that name ("It", "Big"); a reply that is
// a film's name ("Fargo", "Jaws") or the name with its year still is.
TEST_F(UnderstanderTest, AReplyOfOneEverydayWordNamesNoFilm) {
  EXPECT_TRUE(Ids(U("It")).empty());
  EXPECT_TRUE(Ids(U("Big")).empty());
  EXPECT_EQ(Ids(U("Fargo")), (IdList{"item:1"}));
  EXPECT_EQ(Ids(U("Jaws")), (IdList{"item:10"}));
  EXPECT_EQ(Ids(U("It (1990)")), (IdList{"item:13"}));
}

TEST_F(UnderstanderTest, ComedyFromThe90sLinksGenreAndDecadeOnly) {
  auto u = U("I'd like a comedy from the 90s");
  EXPECT_EQ(u.intent, chatrec::v1::INTENT_RECOMMEND);
  ASSERT_EQ(Ids(u), (IdList{"genre:comedy", "years"}));
  EXPECT_EQ(u.mentions[1].min_year, 1990);
  EXPECT_EQ(u.mentions[1].max_year, 1999);
  EXPECT_FALSE(u.mentions[0].negative);
}

TEST_F(UnderstanderTest, MentionsCarryOffsetsTextAndConfidence) {
  std::string text = "something with Tom Hanks";
  auto u = U(text);
  ASSERT_EQ(Ids(u), (IdList{"person:Tom_Hanks"}));
  const Mention& m = u.mentions[0];
  EXPECT_EQ(m.text, "Tom Hanks");
  EXPECT_EQ(text.substr(m.begin, m.end - m.begin), "Tom Hanks");
  EXPECT_EQ(m.type, ENTITY_TYPE_PERSON);
  EXPECT_GT(m.confidence, 0.9f);
  EXPECT_LE(m.confidence, 1.0f);
}

TEST_F(UnderstanderTest, TitlesInTheFormsPeopleWriteThem) {
  EXPECT_EQ(Ids(U("the shawshank redemption")), (IdList{"item:3"}));
  EXPECT_EQ(Ids(U("Shawshank Redemption")), (IdList{"item:3"}));
  EXPECT_EQ(Ids(U("have you seen Shawshank?")), (IdList{"item:3"}));
  EXPECT_EQ(Ids(U("Godfather 2")), (IdList{"item:5"}));
  EXPECT_EQ(Ids(U("godfather II")), (IdList{"item:5"}));
  EXPECT_EQ(Ids(U("The Godfather Part 2")), (IdList{"item:5"}));
  EXPECT_EQ(Ids(U("the godfather")), (IdList{"item:4"}));
  EXPECT_EQ(Ids(U("E.T. the Extra-Terrestrial")), (IdList{"item:11"}));
  EXPECT_EQ(Ids(U("et the extraterrestrial")), IdList{});  // "et" is not "e t"; a known gap
}

TEST_F(UnderstanderTest, AYearAfterATitleBelongsToTheTitle) {
  for (const char* text : {"Fargo (1996)", "fargo 1996"}) {
    auto u = U(text);
    ASSERT_EQ(Ids(u), (IdList{"item:1"})) << text;
    EXPECT_GT(u.mentions[0].confidence, 0.95f);
  }
  EXPECT_EQ(Ids(U("Sabrina (1954)")), (IdList{"item:6"}));
  EXPECT_EQ(Ids(U("Sabrina 1995")), (IdList{"item:7"}));
}

TEST_F(UnderstanderTest, EverydayWordTitlesNeedEvidence) {
  EXPECT_EQ(Ids(U("I want something scary")), (IdList{"genre:horror"}));
  EXPECT_EQ(Ids(U("is it any good?")), IdList{});
  EXPECT_EQ(Ids(U("big fan of comedies")), (IdList{"genre:comedy"}));
  EXPECT_EQ(Ids(U("the heat is too much")), IdList{});
  EXPECT_EQ(Ids(U("I loved Heat")), (IdList{"item:2"}));
  EXPECT_EQ(Ids(U("\"It\" was scary")), (IdList{"item:13", "genre:horror"}));
  EXPECT_EQ(Ids(U("Big (1988)")), (IdList{"item:14"}));
}

TEST_F(UnderstanderTest, TyposInLongerWordsLinkWithLessConfidence) {
  auto exact = U("The Shawshank Redemption");
  auto typo = U("The Shawshenk Redemption");
  ASSERT_EQ(Ids(typo), (IdList{"item:3"}));
  EXPECT_LT(typo.mentions[0].confidence, exact.mentions[0].confidence);
  EXPECT_EQ(Ids(U("Forest Gump")), (IdList{"item:9"}));
  auto surname_typo = U("anything by Spielburg?");
  ASSERT_EQ(Ids(surname_typo), (IdList{"person:Steven_Spielberg"}));
  EXPECT_LT(surname_typo.mentions[0].confidence, U("anything by Spielberg?").mentions.at(0).confidence);
  EXPECT_EQ(Ids(U("something scarey")), (IdList{"genre:horror"}));
  EXPECT_EQ(Ids(U("a comedy that is funnny")), (IdList{"genre:comedy", "genre:comedy"}));
}

TEST_F(UnderstanderTest, PeopleByFullNameAndDistinctiveSurname) {
  EXPECT_EQ(Ids(U("anything with tom hanks")), (IdList{"person:Tom_Hanks"}));
  EXPECT_EQ(Ids(U("something by Spielberg")), (IdList{"person:Steven_Spielberg"}));
  EXPECT_EQ(Ids(U("Samuel Jackson films")), (IdList{"person:Samuel_L._Jackson"}));
  EXPECT_EQ(Ids(U("I am a big fan of the coen brothers")), IdList{});  // "Coen" has too few films here
}

TEST_F(UnderstanderTest, GenreWords) {
  EXPECT_EQ(Ids(U("a rom-com")), (IdList{"genre:romance", "genre:comedy"}));
  EXPECT_EQ(Ids(U("romantic comedies")), (IdList{"genre:romance", "genre:comedy"}));
  EXPECT_EQ(Ids(U("cartoons for the kids")), (IdList{"genre:animation", "genre:childrens"}));
  EXPECT_EQ(Ids(U("sci-fi or science fiction or scifi")), (IdList{"genre:sci-fi", "genre:sci-fi", "genre:sci-fi"}));
  EXPECT_EQ(Ids(U("a noir")), (IdList{"genre:film-noir"}));
  EXPECT_EQ(Ids(U("a western")), IdList{});  // no western in this catalogue
}

TEST_F(UnderstanderTest, NegationAndItsScope) {
  auto u = U("no horror, but something funny");
  ASSERT_EQ(Ids(u), (IdList{"genre:horror", "genre:comedy"}));
  EXPECT_TRUE(u.mentions[0].negative);
  EXPECT_FALSE(u.mentions[1].negative);

  u = U("anything but Tom Cruise");
  ASSERT_EQ(Ids(u), (IdList{"person:Tom_Cruise"}));
  EXPECT_TRUE(u.mentions[0].negative);

  u = U("I don't want a comedy or a romance");
  ASSERT_EQ(Ids(u), (IdList{"genre:comedy", "genre:romance"}));
  EXPECT_TRUE(u.mentions[0].negative && u.mentions[1].negative);

  u = U("I didn't like Fargo and I love Heat");
  ASSERT_EQ(Ids(u), (IdList{"item:1", "item:2"}));
  EXPECT_TRUE(u.mentions[0].negative);
  EXPECT_FALSE(u.mentions[1].negative);

  u = U("Fargo was boring");
  ASSERT_EQ(Ids(u), (IdList{"item:1"}));
  EXPECT_TRUE(u.mentions[0].negative);

  u = U("I've never seen Jaws");
  ASSERT_EQ(Ids(u), (IdList{"item:10"}));
  EXPECT_FALSE(u.mentions[0].negative);
  EXPECT_NE(u.intent, chatrec::v1::INTENT_REJECT);
}

// A question opened by a negated auxiliary asks; it rules nothing out (ReDial: "Isn't that with Tom
// Hanks? I like him." made Tom Hanks a film to avoid).
TEST_F(UnderstanderTest, ANegatedQuestionRulesNothingOut) {
  auto u = U("Isn't that with Tom Hanks? I like him.");
  ASSERT_EQ(Ids(u), (IdList{"person:Tom_Hanks"}));
  EXPECT_FALSE(u.mentions[0].negative);
  u = U("Don't you love comedies?");
  ASSERT_EQ(Ids(u), (IdList{"genre:comedy"}));
  EXPECT_FALSE(u.mentions[0].negative);
  u = U("Don't show me comedies");  // an instruction still rules them out
  ASSERT_EQ(Ids(u), (IdList{"genre:comedy"}));
  EXPECT_TRUE(u.mentions[0].negative);
}

// A genre that describes a film already named is marked, so that the session state rules nothing
// out for "I don't think it was scary"; in a wish frame it is a wish.
TEST_F(UnderstanderTest, AGenreDescribingAFilmIsMarked) {
  auto u = U("I watched it but I don't think it was scary");
  ASSERT_EQ(Ids(u), (IdList{"genre:horror"}));
  EXPECT_TRUE(u.mentions[0].describes_named);
  EXPECT_TRUE(u.mentions[0].negative);
  for (const char* wish : {"something that is scary", "I want movies that are scary", "no horror please"}) {
    u = U(wish);
    ASSERT_EQ(Ids(u), (IdList{"genre:horror"})) << wish;
    EXPECT_FALSE(u.mentions[0].describes_named) << wish;
  }
}

TEST_F(UnderstanderTest, NegatedOneSidedYearRangeTurnsAround) {
  auto u = U("nothing before 1990");
  ASSERT_EQ(u.mentions.size(), 1u);
  EXPECT_EQ(u.mentions[0].min_year, 1990);
  EXPECT_EQ(u.mentions[0].max_year, 0);
  EXPECT_FALSE(u.mentions[0].negative);
}

TEST_F(UnderstanderTest, PolarityOfTheUtterance) {
  auto hated = U("I hated it");
  EXPECT_EQ(hated.polarity, chatrec::v1::POLARITY_NEGATIVE);
  EXPECT_TRUE(hated.refers_to_last);
  EXPECT_EQ(hated.intent, chatrec::v1::INTENT_REJECT);
  auto loved = U("I loved Fargo");
  EXPECT_EQ(loved.polarity, chatrec::v1::POLARITY_POSITIVE);
  EXPECT_EQ(loved.intent, chatrec::v1::INTENT_RECOMMEND);
  EXPECT_FALSE(loved.mentions.at(0).negative);
}

struct IntentCase {
  const char* text;
  chatrec::v1::Intent intent;
};

TEST_F(UnderstanderTest, Intents) {
  using namespace chatrec::v1;
  for (const IntentCase& c : std::vector<IntentCase>{
           {"I'd like a thriller", INTENT_RECOMMEND},
           {"can you recommend a movie?", INTENT_RECOMMEND},
           {"something with Tom Hanks", INTENT_REFINE},
           {"how about something older", INTENT_REFINE},
           {"only comedies", INTENT_REFINE},
           {"seen it", INTENT_REJECT},
           {"I've already seen Forrest Gump", INTENT_REJECT},
           {"not that one", INTENT_REJECT},
           {"another", INTENT_REJECT},
           {"something else", INTENT_REJECT},
           {"no thanks", INTENT_REJECT},
           {"none of those", INTENT_REJECT},
           {"I'll watch it", INTENT_ACCEPT},
           {"sounds good", INTENT_ACCEPT},
           {"great, thanks!", INTENT_ACCEPT},
           {"I'll take the second one", INTENT_ACCEPT},
           {"who directed it?", INTENT_ASK_ABOUT_ITEM},
           {"who is in Fargo?", INTENT_ASK_ABOUT_ITEM},
           {"what is it about?", INTENT_ASK_ABOUT_ITEM},
           {"when was it made?", INTENT_ASK_ABOUT_ITEM},
           {"is it scary?", INTENT_ASK_ABOUT_ITEM},
           {"why that one?", INTENT_EXPLAIN},
           {"why did you recommend Fargo", INTENT_EXPLAIN},
           {"hi", INTENT_GREETING},
           {"hey there!", INTENT_GREETING},
           {"Good evening", INTENT_GREETING},
           {"hi, how are you?", INTENT_GREETING},
           {"how's it going", INTENT_GREETING},
           {"nice to meet you", INTENT_GREETING},
           {"start over", INTENT_START_OVER},
           {"reset", INTENT_START_OVER},
           {"forget everything", INTENT_START_OVER},
           {"the weather is nice", INTENT_UNSPECIFIED},
       }) {
    EXPECT_EQ(Intent_Name(U(c.text).intent), Intent_Name(c.intent)) << c.text;
  }
}

TEST_F(UnderstanderTest, ItemQuestionsSayWhatTheyAsk) {
  EXPECT_EQ(U("who directed it?").attribute_asked, "director");
  EXPECT_EQ(U("who's in it?").attribute_asked, "cast");
  EXPECT_EQ(U("what's it about?").attribute_asked, "plot");
  EXPECT_EQ(U("what year is it from?").attribute_asked, "year");
  EXPECT_EQ(U("is it scary?").attribute_asked, "genre");
  EXPECT_EQ(U("who wrote Fargo?").attribute_asked, "writer");
  EXPECT_EQ(U("I'd like a comedy").attribute_asked, "");
}

TEST_F(UnderstanderTest, OrdinalsAndReferences) {
  EXPECT_EQ(U("the second one").ordinal, 1);
  EXPECT_EQ(U("I'll take the first").ordinal, 0);
  EXPECT_EQ(U("number 2 please").ordinal, 1);
  EXPECT_EQ(U("#3").ordinal, 2);
  EXPECT_EQ(U("tell me about the 3rd movie").ordinal, 2);
  EXPECT_EQ(U("a comedy from the 90s").ordinal, -1);
  EXPECT_TRUE(U("seen it").refers_to_last);
  EXPECT_TRUE(U("not that one").refers_to_last);
  EXPECT_TRUE(U("who directed it?").refers_to_last);
  EXPECT_FALSE(U("who directed Fargo?").refers_to_last);
  EXPECT_FALSE(U("the second one").refers_to_last);
  EXPECT_FALSE(U("I'd like a comedy").refers_to_last);
}

TEST_F(UnderstanderTest, EmptyAndOddInputIsHarmless) {
  EXPECT_EQ(U("").intent, chatrec::v1::INTENT_UNSPECIFIED);
  EXPECT_TRUE(U("   ?!  ").mentions.empty());
  EXPECT_TRUE(U("\xFF\xFE\x80 \xE2\x82").mentions.empty());
  std::string long_text(20000, 'a');
  EXPECT_TRUE(U(long_text).mentions.empty());
}

}  // namespace
}  // namespace chatrec::nlu
