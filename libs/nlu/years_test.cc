#include "libs/nlu/years.h"

#include "gtest/gtest.h"

namespace chatrec::nlu {
namespace {

struct Range {
  int min_year, max_year;
  bool operator==(const Range& o) const { return min_year == o.min_year && max_year == o.max_year; }
};
std::ostream& operator<<(std::ostream& os, const Range& r) { return os << r.min_year << "-" << r.max_year; }

// The single year expression in `text` (newest catalogue year 1998).
Range Only(std::string_view text) {
  auto found = FindYearExpressions(Tokenize(text), 1998);
  EXPECT_EQ(found.size(), 1u) << text;
  if (found.empty()) return {-1, -1};
  return {found[0].min_year, found[0].max_year};
}

TEST(YearsTest, DecadesInEverySpelling) {
  for (const char* text : {"the 90s", "90's", "'90s", "nineties", "1990s", "from the 90s"}) {
    EXPECT_EQ(Only(text), (Range{1990, 1999})) << text;
  }
  EXPECT_EQ(Only("eighties"), (Range{1980, 1989}));
  EXPECT_EQ(Only("2000s"), (Range{2000, 2009}));
  EXPECT_EQ(Only("early 80s"), (Range{1980, 1983}));
  EXPECT_EQ(Only("late nineties"), (Range{1996, 1999}));
}

TEST(YearsTest, YearsAndComparisons) {
  EXPECT_EQ(Only("from 1994"), (Range{1994, 1994}));
  EXPECT_EQ(Only("after 2000"), (Range{2001, 0}));
  EXPECT_EQ(Only("since 1995"), (Range{1995, 0}));
  EXPECT_EQ(Only("before 1980"), (Range{0, 1979}));
  EXPECT_EQ(Only("older than 1970"), (Range{0, 1969}));
  EXPECT_EQ(Only("newer than 1990"), (Range{1991, 0}));
  EXPECT_EQ(Only("1995 or later"), (Range{1995, 0}));
  EXPECT_EQ(Only("after the 80s"), (Range{1990, 0}));
}

TEST(YearsTest, Ranges) {
  EXPECT_EQ(Only("between 1990 and 1995"), (Range{1990, 1995}));
  EXPECT_EQ(Only("from 1990 to 1995"), (Range{1990, 1995}));
  EXPECT_EQ(Only("1990-1995"), (Range{1990, 1995}));
  EXPECT_EQ(Only("the 70s to the 80s"), (Range{1970, 1989}));
}

TEST(YearsTest, VagueAgesFollowTheDocumentedDefinitions) {
  EXPECT_EQ(Only("something older"), (Range{0, kOldMaxYear}));
  EXPECT_EQ(Only("an old movie"), (Range{0, kOldMaxYear}));
  EXPECT_EQ(Only("a classic"), (Range{0, kOldMaxYear}));
  EXPECT_EQ(Only("something recent"), (Range{1998 - kRecentYears, 0}));
  EXPECT_EQ(Only("newer"), (Range{1998 - kRecentYears, 0}));
}

// A vague age that describes a film already named, a person or a greeting is no wish; in a wish
// frame it is (ReDial seekers: "I know it's a bit old", "oh thats a classic", "the new one").
TEST(YearsTest, VagueAgesThatDescribeSomethingNamedAreNoWish) {
  for (const char* text : {"I really liked it, I know it's a bit old but I haven't found its equal yet",
                           "oh thats a classic", "those are classic too", "of course it is a great classic",
                           "Classic, loved it.", "I want to see the new one", "The latest Insidious was a let down",
                           "the more recent ones are hit or miss", "Happy New Year!",
                           "She's only 18 months old so something for a younger crowd", "is it old",
                           "oh yes its an old one as well"}) {
    EXPECT_TRUE(FindYearExpressions(Tokenize(text), 1998).empty()) << text;
  }
  EXPECT_EQ(Only("I am thinking about some older comedies"), (Range{0, kOldMaxYear}));
  EXPECT_EQ(Only("What about something a little more modern"), (Range{1998 - kRecentYears, 0}));
  EXPECT_EQ(Only("I'm more into classics"), (Range{0, kOldMaxYear}));
  EXPECT_EQ(Only("Maybe something like that, but a bit newer"), (Range{1998 - kRecentYears, 0}));
  EXPECT_EQ(Only("I like silly old movies once in a while"), (Range{0, kOldMaxYear}));
  EXPECT_EQ(Only("I prefer modern ones"), (Range{1998 - kRecentYears, 0}));
}

// Comparatives are relative to a film the user has in mind (the session state resolves it); the
// range they carry is for when there is none.
TEST(YearsTest, ComparativesAreMarkedRelative) {
  auto one = [](const char* text) {
    auto found = FindYearExpressions(Tokenize(text), 1998);
    EXPECT_EQ(found.size(), 1u) << text;
    return found.empty() ? 99 : found[0].relative;
  };
  EXPECT_EQ(one("something more recent"), 1);
  EXPECT_EQ(one("a bit newer"), 1);
  EXPECT_EQ(one("something older"), -1);
  EXPECT_EQ(one("something recent"), 0);
  EXPECT_EQ(one("an old movie"), 0);
}

TEST(YearsTest, NumbersThatAreNotYears) {
  EXPECT_TRUE(FindYearExpressions(Tokenize("number 2 or #3"), 1998).empty());
  EXPECT_TRUE(FindYearExpressions(Tokenize("my 8 year old son"), 1998).empty());
  EXPECT_TRUE(FindYearExpressions(Tokenize("in my 20s"), 1998).empty());
  EXPECT_TRUE(FindYearExpressions(Tokenize("top 10 from #1999"), 1998).empty());
  EXPECT_TRUE(FindYearExpressions(Tokenize("a new york story"), 1998).empty());
}

}  // namespace
}  // namespace chatrec::nlu
