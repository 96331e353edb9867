#include "libs/common/text.h"

#include <gtest/gtest.h>

namespace chatrec {
namespace {

TEST(TextTest, Latin1BecomesUtf8) {
  EXPECT_EQ(Latin1ToUtf8("Caf\xe9"), "Caf\xc3\xa9");
}

TEST(TextTest, NormalizeFoldsCasePunctuationAndAccents) {
  EXPECT_EQ(NormalizeForMatch("Shawshank Redemption, The (1994)"), "shawshank redemption the 1994");
  EXPECT_EQ(NormalizeForMatch("Schindler's  List!"), "schindlers list");
  EXPECT_EQ(NormalizeForMatch("Am\xc3\xa9lie"), "amelie");
}

TEST(TextTest, ResourceNamesDropQualifiers) {
  EXPECT_EQ(NameFromResource("John_Wood_(English_actor)"), "John Wood");
  EXPECT_EQ(LocalName("http://dbpedia.org/resource/Tom_Hanks"), "Tom_Hanks");
}

TEST(TextTest, SplitKeepsEmptyFields) {
  auto f = SplitFields("a||b", '|');
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[1], "");
}

}  // namespace
}  // namespace chatrec
