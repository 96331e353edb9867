#include "libs/catalog/movielens.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "libs/common/data_dir.h"

namespace chatrec::catalog {
namespace {

namespace fs = std::filesystem;

TEST(MovieLensTest, TitlesLoseTrailingArticleAndYear) {
  std::string name;
  int year;
  std::vector<std::string> aliases;
  ParseMovieLensTitle("Shawshank Redemption, The (1994)", &name, &year, &aliases);
  EXPECT_EQ(name, "The Shawshank Redemption");
  EXPECT_EQ(year, 1994);
  aliases.clear();
  ParseMovieLensTitle("City of Lost Children, The (Cit\xc3\xa9 des enfants perdus, La) (1995)", &name, &year, &aliases);
  EXPECT_EQ(name, "The City of Lost Children");
  ASSERT_EQ(aliases.size(), 1u);
  EXPECT_EQ(aliases[0], "La Cit\xc3\xa9 des enfants perdus");
  ParseMovieLensTitle("Toy Story (1995)", &name, &year, nullptr);
  EXPECT_EQ(name, "Toy Story");
}

class MovieLensFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ml_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    Write("u.genre", "unknown|0\nComedy|1\nDrama|2\n");
    Write("u.item",
          "1|Toy Story (1995)|01-Jan-1995||url|0|1|0\n"
          "2|Broken line\n"
          "3|Heat (1995)|01-Jan-1995||url|0|0|1\n");
    Write("u.user", "1|24|M|technician|85711\n");
    Write("u.data", "1\t1\t5\t881250949\n1\t2\t4\t1\n1\t3\t9\t1\nx\ty\n1\t1\t3\t2\n1\t3\t4\t3\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  fs::path dir_;
};

TEST_F(MovieLensFilesTest, MalformedLinesAreSkippedWithReasons) {
  auto data = LoadMovieLens(dir_, "");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->catalog.items.size(), 2u);
  EXPECT_EQ(data->ratings.size(), 2u);  // (1,1,5) and (1,3,4)
  // u.item line 2; u.data: unknown item 2, rating 9, bad line, duplicate (1,1).
  ASSERT_EQ(data->skipped.size(), 5u);
  EXPECT_EQ(data->skipped[0].file, "u.item");
  EXPECT_EQ(data->skipped[0].line, 2);
  EXPECT_NE(data->skipped[2].reason.find("outside 1-5"), std::string::npos);
  EXPECT_EQ(data->catalog.items[0].facts(0).entity_id(), "genre:comedy");
}

TEST_F(MovieLensFilesTest, MissingDirectoryIsNotFound) {
  auto data = LoadMovieLens((dir_ / "nope").string(), "");
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
}

TEST(MovieLensRealDataTest, LoadsMl100kWithDbpedia) {
  const std::string root = DataDirFromEnvironment();
  if (!fs::exists(root + "/ml-100k/u.data")) GTEST_SKIP() << "no ml-100k under " << root;
  auto data = LoadMovieLens(root + "/ml-100k", root + "/ml-100k-kg-dbpedia");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->catalog.items.size(), 1682u);
  EXPECT_EQ(data->catalog.users.size(), 943u);
  EXPECT_EQ(data->ratings.size(), 100000u);
  EXPECT_EQ(data->kg_items_linked, 1411);
  auto c = Catalog::Create(data->catalog.items, data->catalog.entities);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE((*c)->RowsWithEntity("person:Tom_Hanks").empty());
}

}  // namespace
}  // namespace chatrec::catalog
