#include "libs/llm/title_matcher.h"

#include <gtest/gtest.h>

namespace chatrec::llm {
namespace {

std::unique_ptr<catalog::Catalog> SmallCatalog() {
  struct Film {
    int64_t id;
    const char* title;
    const char* name;
    int year;
    int popularity;
  };
  const Film films[] = {{1, "Shawshank Redemption, The (1994)", "The Shawshank Redemption", 1994, 50},
                        {2, "Godfather, The (1972)", "The Godfather", 1972, 40},
                        {3, "Godfather: Part II, The (1974)", "The Godfather: Part II", 1974, 30},
                        {4, "Fargo (1996)", "Fargo", 1996, 45},
                        {5, "Heat (1995)", "Heat", 1995, 20},
                        {6, "Heat (1972)", "Heat", 1972, 2},
                        {7, "William Shakespeare's Romeo & Juliet (1996)", "William Shakespeare's Romeo & Juliet", 1996, 10},
                        {8, "Die Hard (1988)", "Die Hard", 1988, 35}};
  std::vector<catalog::ItemRecord> items;
  for (const auto& f : films) {
    catalog::ItemRecord r;
    r.set_id(f.id);
    r.set_title(f.title);
    r.set_name(f.name);
    r.set_year(f.year);
    r.set_popularity(f.popularity);
    items.push_back(r);
  }
  return *catalog::Catalog::Create(items, {});
}

TEST(TitleKeyTest, ArticlesYearsPunctuationAndCaseDoNotMatter) {
  int year = 0;
  EXPECT_EQ(TitleKey("Shawshank Redemption, The (1994)", &year), "shawshank redemption");
  EXPECT_EQ(year, 1994);
  EXPECT_EQ(TitleKey("the shawshank redemption"), "shawshank redemption");
  EXPECT_EQ(TitleKey("THE SHAWSHANK REDEMPTION!"), "shawshank redemption");
  EXPECT_EQ(TitleKey("Romeo & Juliet"), "romeo and juliet");
}

TEST(TitleMatcherTest, TitlesInTheFormsAnLlmWritesThemMap) {
  auto c = SmallCatalog();
  TitleMatcher m(*c);
  EXPECT_EQ(m.MatchLine("1. The Shawshank Redemption (1994)"), 1);
  EXPECT_EQ(m.MatchLine("- shawshank redemption"), 1);
  EXPECT_EQ(m.MatchLine("2) Shawshank Redemption, The (1994) - a story of hope"), 1);
  EXPECT_EQ(m.MatchLine("**The Godfather: Part II** (1974): the sequel"), 3);
  EXPECT_EQ(m.MatchLine("* \"Fargo\""), 4);
  EXPECT_EQ(m.MatchLine("3. Fargo: a dark comedy by the Coen brothers"), 4);
  EXPECT_EQ(m.MatchLine("William Shakespeare's Romeo and Juliet"), 7);
  EXPECT_EQ(m.MatchLine("Casablanca (1942)"), -1);
  EXPECT_EQ(m.MatchLine("Sure! Here is my ranking:"), -1);
}

TEST(TitleMatcherTest, SameTitleIsResolvedByYearThenByTheCandidates) {
  auto c = SmallCatalog();
  TitleMatcher m(*c);
  EXPECT_EQ(m.MatchLine("Heat (1972)"), 6);
  EXPECT_EQ(m.MatchLine("Heat"), 5);  // the more popular one
  absl::flat_hash_set<int64_t> prefer = {6};
  EXPECT_EQ(m.MatchLine("Heat", &prefer), 6);
}

TEST(TitleMatcherTest, UnknownAndRepeatedTitlesAreDroppedAndOrderIsKept) {
  auto c = SmallCatalog();
  TitleMatcher m(*c);
  absl::flat_hash_set<int64_t> allowed = {1, 2, 4};
  std::string answer =
      "Here is my ranking:\n1. Fargo\n2. The Matrix (1999)\n3. Die Hard\n4. The Godfather\n5. fargo (1996)\n\n"
      "6. Shawshank Redemption, The\n";
  EXPECT_EQ(m.MatchLines(answer, &allowed), (std::vector<int64_t>{4, 2, 1}));
  EXPECT_EQ(m.MatchLines(answer), (std::vector<int64_t>{4, 8, 2, 1}));
}

TEST(TitleMatcherTest, TitlesInFreeText) {
  auto c = SmallCatalog();
  TitleMatcher m(*c);
  auto found = m.TitlesInText("If you liked The Godfather: Part II, try Die Hard or the Shawshank Redemption.");
  EXPECT_TRUE(found.contains(3));
  EXPECT_TRUE(found.contains(8));
  EXPECT_TRUE(found.contains(1));
  EXPECT_FALSE(found.contains(2));  // "Godfather" is part of the longer title
  // One short word is an everyday word in prose, not a title...
  EXPECT_TRUE(m.TitlesInText("Feel the heat tonight").empty());
  // ...but a recommended short title is still found when it is looked for.
  EXPECT_TRUE(m.TextMentions("Watch Fargo tonight", 4));
  EXPECT_FALSE(m.TextMentions("Watch Fargonaut tonight", 4));
}

}  // namespace
}  // namespace chatrec::llm
