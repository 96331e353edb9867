#include "libs/nlu/tokenizer.h"
#include "libs/nlu/word_lists.h"

#include <string>

#include "gtest/gtest.h"

namespace chatrec::nlu {
namespace {

std::vector<std::string> Norms(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& t : Tokenize(text)) out.push_back(t.norm);
  return out;
}

TEST(TokenizerTest, KeepsByteOffsetsIntoTheInput) {
  std::string text = "I loved  Fargo!";
  auto tokens = Tokenize(text);
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(text.substr(tokens[2].begin, tokens[2].end - tokens[2].begin), "Fargo");
  EXPECT_TRUE(tokens[2].capitalized);
  EXPECT_TRUE(tokens[0].sentence_start);
  EXPECT_FALSE(tokens[2].sentence_start);
}

TEST(TokenizerTest, ApostrophesJoinLikeTheLexicon) {
  EXPECT_EQ(Norms("I'd like Schindler's List"), (std::vector<std::string>{"id", "like", "schindlers", "list"}));
  EXPECT_EQ(Norms("the '90s and 80\xE2\x80\x99s"), (std::vector<std::string>{"the", "90s", "and", "80s"}));
  EXPECT_EQ(Norms("rom-com, sci-fi"), (std::vector<std::string>{"rom", "com", "sci", "fi"}));
}

TEST(TokenizerTest, FoldsAccentsAndMarksPossessives) {
  auto tokens = Tokenize("Amélie and Fargo's ending");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].norm, "amelie");
  EXPECT_EQ(tokens[2].norm, "fargos");
  EXPECT_TRUE(tokens[2].possessive);
}

TEST(TokenizerTest, MarksQuotesHashesAndClauseBreaks) {
  auto tokens = Tokenize("no horror, \"Heat\" or #2");
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_TRUE(tokens[2].clause_break_before);
  EXPECT_TRUE(tokens[2].quoted);
  EXPECT_FALSE(tokens[3].quoted);
  EXPECT_TRUE(tokens[4].after_hash);
  EXPECT_TRUE(tokens[4].is_number);
}

TEST(TokenizerTest, FindPhraseStopsAtClauseBreaks) {
  auto tokens = Tokenize("seen, it. I've seen it");
  EXPECT_EQ(FindPhrase(tokens, "seen it"), 3u);
  EXPECT_EQ(FindPhrase(tokens, "ive seen it"), 2u);
  EXPECT_EQ(FindPhrase(tokens, "not there"), std::string_view::npos);
}

// Decades ("80s") are words; bare numbers ("2") and function words are not.
TEST(ContentWordsTest, KeepsWhatTheSeekerWantsOnceEachWithoutFunctionWords) {
  EXPECT_EQ(ContentWords("I'd love a movie with Zombies, zombies and 2 space pirates from the 80s!"),
            (std::vector<std::string>{"love", "movie", "zombies", "space", "pirates", "80s"}));
  EXPECT_TRUE(ContentWords("it is what it is, you know").empty());
  EXPECT_TRUE(ContentWords("").empty());
}

}  // namespace
}  // namespace chatrec::nlu
