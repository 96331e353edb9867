#include "libs/storage/engine_settings.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace chatrec::storage {
namespace {

class EngineSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("engine_settings_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(EngineSettingsTest, AStoreWithoutTheFileHasNoSettings) {
  auto s = LoadEngineSettings(StoreLayout(root_.string()));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->empty());
}

TEST_F(EngineSettingsTest, ReDialsChosenSettingsSurviveASaveAndLoad) {
  const EngineSettings redial = DefaultEngineSettings("redial");
  EXPECT_EQ(redial.kg_score, "adamic_adar");
  EXPECT_EQ(redial.source_slots, "kg:7,item_item:5");
  EXPECT_EQ(redial.hard_genre_people_top, 20);
  EXPECT_EQ(redial.years_filter_top_only, true);
  EXPECT_FALSE(redial.kg_quota.has_value());  // not chosen: the program's default stays
  EXPECT_TRUE(DefaultEngineSettings("ml-100k").empty());

  const StoreLayout layout(root_.string());
  ASSERT_TRUE(SaveEngineSettings(layout, redial).ok());
  auto loaded = LoadEngineSettings(layout);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*loaded, redial);
  // Empty settings remove the file.
  ASSERT_TRUE(SaveEngineSettings(layout, EngineSettings{}).ok());
  EXPECT_FALSE(std::filesystem::exists(EngineSettingsPath(layout)));
}

TEST_F(EngineSettingsTest, OnlyTheNamedSettingsAreSet) {
  auto s = ParseEngineSettings(R"({"kg_quota": 0.4, "hard_genre_people": false})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->kg_quota, 0.4);
  EXPECT_EQ(s->hard_genre_people, false);
  EXPECT_FALSE(s->kg_score.has_value());
  EXPECT_FALSE(s->bias_scale.has_value());
}

TEST_F(EngineSettingsTest, BadFilesAreRefusedNamingTheKeyAndTheFile) {
  struct Case {
    const char* json;
    const char* names;
  };
  for (const Case& c : {Case{R"({"kg_quota": 1.5})", "\"kg_quota\": must be within 0..1"},
                        Case{R"({"bias_scale": -1})", "\"bias_scale\""},
                        Case{R"({"hard_genre_people_top": 2.5})", "\"hard_genre_people_top\": must be a whole number"},
                        Case{R"({"hard_genre_people": "yes"})", "\"hard_genre_people\": must be true or false"},
                        Case{R"({"kg_score": 3})", "\"kg_score\": must be a string"},
                        Case{R"({"kg_scroe": "spread"})", "\"kg_scroe\": is not an engine setting"},
                        Case{R"([1, 2])", "must be a JSON object"}, Case{"{not json", "not valid JSON"}}) {
    auto s = ParseEngineSettings(c.json);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find(c.names), std::string_view::npos) << s.status();
  }
  std::ofstream(root_ / kEngineSettingsFile) << R"({"vector_quota": "half"})";
  auto loaded = LoadEngineSettings(StoreLayout(root_.string()));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find((root_ / kEngineSettingsFile).string()), std::string_view::npos);
  EXPECT_NE(loaded.status().message().find("\"vector_quota\""), std::string_view::npos);
}

}  // namespace
}  // namespace chatrec::storage
