#include "libs/dialogue/reranker.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "chatrec/v1/retrieval.pb.h"

namespace chatrec::dialogue {
namespace {

// Groups of 20 items with 4 features; the relevant items are the 2 with the highest hidden utility
// 2·x0 − x2 (x1 and x3 are noise), so a learner that recovers the ranking puts them first.
std::vector<RerankGroup> SyntheticGroups(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0, 1);
  std::vector<RerankGroup> groups(n);
  for (auto& group : groups) {
    std::vector<std::pair<float, size_t>> utility;
    for (size_t i = 0; i < 20; ++i) {
      std::vector<float> x = {g(rng), 10.f + 5.f * g(rng), 0.001f * g(rng), g(rng)};
      utility.push_back({2 * x[0] - 1000 * x[2], i});
      group.features.push_back(x);
    }
    std::sort(utility.rbegin(), utility.rend());
    group.relevant.assign(20, 0);
    group.relevant[utility[0].second] = group.relevant[utility[1].second] = 1;
  }
  return groups;
}

// Share of the relevant items ranked in the first two places by `ranker`.
double TopTwoRecall(const LinearRanker& ranker, const std::vector<RerankGroup>& groups) {
  double hit = 0, all = 0;
  for (const auto& group : groups) {
    std::vector<std::pair<float, size_t>> s;
    for (size_t i = 0; i < group.features.size(); ++i) s.push_back({ranker.Score(group.features[i]), i});
    std::sort(s.rbegin(), s.rend());
    for (size_t i = 0; i < 2; ++i) hit += group.relevant[s[i].second];
    all += 2;
  }
  return hit / all;
}

TEST(PairwiseLearnerTest, RecoversAKnownRankingOnSyntheticData) {
  const auto train = SyntheticGroups(400, 1), test = SyntheticGroups(200, 2);
  auto ranker = TrainPairwise(train, {.epochs = 10, .learning_rate = 0.1f, .l2 = 1e-4f});
  ASSERT_TRUE(ranker.ok()) << ranker.status();
  // The informative features get the signs of the hidden utility; the noise gets little weight.
  EXPECT_GT(ranker->weights[0], 0.5f);
  EXPECT_LT(ranker->weights[2], -0.2f);
  EXPECT_LT(std::abs(ranker->weights[1]), 0.2f * ranker->weights[0]);
  EXPECT_LT(std::abs(ranker->weights[3]), 0.2f * ranker->weights[0]);
  // Held-out groups: most relevant items come first (chance is 0.1), and the loss fell from log 2.
  EXPECT_GT(TopTwoRecall(*ranker, test), 0.75);
  EXPECT_LT(PairwiseLoss(*ranker, test), 0.3);
  LinearRanker zero{ranker->mean, ranker->scale, std::vector<float>(4, 0.f)};
  EXPECT_NEAR(PairwiseLoss(zero, test), std::log(2.0), 1e-6);
}

TEST(PairwiseLearnerTest, RankDiscountWeightingRecoversTheRankingToo) {
  const auto train = SyntheticGroups(400, 1), test = SyntheticGroups(200, 2);
  PairwiseOptions options{.epochs = 10, .learning_rate = 0.1f, .l2 = 1e-4f};
  options.weighting = PairwiseOptions::Weighting::kRankDiscount;
  auto ranker = TrainPairwise(train, options);
  ASSERT_TRUE(ranker.ok()) << ranker.status();
  EXPECT_GT(ranker->weights[0], 0.f);
  EXPECT_LT(ranker->weights[2], 0.f);
  EXPECT_GT(TopTwoRecall(*ranker, test), 0.75);
}

TEST(PairwiseLearnerTest, IsDeterministicForASeed) {
  const auto train = SyntheticGroups(50, 3);
  auto a = TrainPairwise(train, {.epochs = 3});
  auto b = TrainPairwise(train, {.epochs = 3});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->weights, b->weights);
}

TEST(PairwiseLearnerTest, RefusesDataItCannotLearnFrom) {
  EXPECT_FALSE(TrainPairwise({}, {}).ok());
  RerankGroup all_relevant{{{1.f}, {2.f}}, {1, 1}};
  EXPECT_EQ(TrainPairwise({all_relevant}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  RerankGroup ragged{{{1.f}, {2.f, 3.f}}, {1, 0}};
  EXPECT_EQ(TrainPairwise({ragged}, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

class RerankerFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("reranker_test_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json"))
                .string();
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void Write(const std::string& text) { std::ofstream(path_) << text; }
  // A re-ranker whose only weight is on one feature.
  static Reranker WeightOn(const std::string& feature, float weight) {
    const auto& names = Reranker::FeatureNames();
    LinearRanker r{std::vector<float>(names.size(), 0.f), std::vector<float>(names.size(), 1.f),
                   std::vector<float>(names.size(), 0.f)};
    r.weights[std::find(names.begin(), names.end(), feature) - names.begin()] = weight;
    return Reranker(r, 3, {{7, 4}, {8, 1}}, R"({"note": "test"})");
  }
  std::string path_;
};

TEST_F(RerankerFileTest, OrdersTheFirstDepthCandidatesByItsWeights) {
  // The engine ranked 1, 2, 3, 4; the weights prefer films recommenders named often, within the depth (3).
  std::vector<RerankCandidate> c(4);
  for (int i = 0; i < 4; ++i) c[i].item_id = i + 6, c[i].position = i;  // ids 6, 7, 8, 9
  const Reranker r = WeightOn("recommended", 1.f);
  EXPECT_EQ(r.Order({}, c), (std::vector<size_t>{1, 2, 0, 3}));  // 7 (4 times), 8 (once), 6, then 9 kept last
  // A negative weight on the engine's place keeps the engine's order; nothing else moves it.
  EXPECT_EQ(WeightOn("log_position", -1.f).Order({}, c), (std::vector<size_t>{0, 1, 2, 3}));
  // Products with the turn features: the weight applies only in turns without a title.
  c[2].breakdown.set_bias(1.f);
  const Reranker no_title = WeightOn("no_title*bias", 1.f);
  EXPECT_EQ(no_title.Order({.titles = 0}, c), (std::vector<size_t>{2, 0, 1, 3}));
  EXPECT_EQ(no_title.Order({.titles = 2}, c), (std::vector<size_t>{0, 1, 2, 3}));
}

TEST_F(RerankerFileTest, SavedFileLoadsWithTheSameScores) {
  const Reranker r = WeightOn("wished_share", 2.f);
  ASSERT_TRUE(r.Save(path_).ok());
  auto loaded = Reranker::Load(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->depth(), 3);
  EXPECT_EQ(loaded->recommended().at(7), 4);
  RerankCandidate c;
  c.wished_share = 0.5f;
  EXPECT_FLOAT_EQ(loaded->Score({}, c), 1.f);
  EXPECT_NE(loaded->info_json().find("test"), std::string::npos);
}

TEST_F(RerankerFileTest, MalformedFilesGiveAClearError) {
  EXPECT_EQ(Reranker::Load(path_ + ".missing").status().code(), absl::StatusCode::kNotFound);
  auto error_of = [&](const std::string& text) {
    Write(text);
    auto r = Reranker::Load(path_);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << text;
    return std::string(r.status().message());
  };
  EXPECT_NE(error_of("not json").find("not a JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"format": "something else", "version": 1})").find("format"), std::string::npos);
  EXPECT_NE(error_of(R"({"format": "chatrec-reranker", "version": 2})").find("version 2"), std::string::npos);
  EXPECT_NE(error_of(R"({"format": "chatrec-reranker", "version": 1, "features": ["score"]})").find("mean"),
            std::string::npos);
  ASSERT_TRUE(WeightOn("score", 1.f).Save(path_).ok());
  std::string good;
  {
    std::ifstream in(path_);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  // A truncated file, a missing field, a non-positive scale.
  EXPECT_NE(error_of(good.substr(0, good.size() / 2)).find(path_), std::string::npos);
  std::string no_depth = good;
  no_depth.replace(no_depth.find("\"depth\""), 7, "\"deep\"");
  EXPECT_NE(error_of(no_depth).find("depth"), std::string::npos);
  std::string zero_scale = good;
  zero_scale.replace(zero_scale.find("\"scale\": [") + 10, 0, "0.0,");
  error_of(zero_scale);  // one number too many: refused, whatever the message
}

// Features are matched by name: a file written before a feature existed still loads, the missing
// feature weighing nothing (so it ranks as it did); a feature the build does not compute, or one
// listed twice, is refused by name.
TEST_F(RerankerFileTest, FilesAreReadByFeatureNameSoOlderFilesStillLoad) {
  ASSERT_TRUE(WeightOn("wished_share", 2.f).Save(path_).ok());
  nlohmann::json j = nlohmann::json::parse(std::ifstream(path_));
  auto drop = [](nlohmann::json* file, const std::string& feature) {
    auto& names = (*file)["features"];
    const size_t at = std::find(names.begin(), names.end(), feature) - names.begin();
    ASSERT_LT(at, names.size()) << feature;
    for (const char* key : {"features", "mean", "scale", "weights"}) (*file)[key].erase(at);
  };
  nlohmann::json older = j;
  for (const char* f : {"kg_rank_recip", "kg_top10", "item_item_rank_recip", "item_item_top10"}) drop(&older, f);
  Write(older.dump());
  auto loaded = Reranker::Load(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  RerankCandidate c;
  c.wished_share = 0.5f;
  c.kg_rank = 0;
  EXPECT_FLOAT_EQ(loaded->Score({}, c), 1.f) << "the features the file lacks weigh nothing";

  nlohmann::json unknown = j;
  unknown["features"][0] = "no_such_feature";
  Write(unknown.dump());
  auto refused = Reranker::Load(path_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("feature \"no_such_feature\" is not one this build computes"),
            std::string::npos)
      << refused.status();
  nlohmann::json twice = j;
  twice["features"][1] = twice["features"][0];
  Write(twice.dump());
  refused = Reranker::Load(path_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("is listed twice"), std::string::npos) << refused.status();
}

// With source_top, the sources' first films join the films it reorders wherever the engine placed
// them; the file keeps the setting.
TEST_F(RerankerFileTest, SourceTopFilmsJoinTheReorderedPlaces) {
  const auto& names = Reranker::FeatureNames();
  LinearRanker kg_first{std::vector<float>(names.size(), 0.f), std::vector<float>(names.size(), 1.f),
                        std::vector<float>(names.size(), 0.f)};
  kg_first.weights[std::find(names.begin(), names.end(), "kg_rank_recip") - names.begin()] = 1.f;
  const Reranker r(kg_first, 2, {}, "{}", /*source_top=*/3);
  ASSERT_TRUE(r.Save(path_).ok());
  auto loaded = Reranker::Load(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->source_top(), 3);
  // The engine placed 5 films; the KG source's first film is the engine's 5th, its 4th the engine's 4th.
  std::vector<RerankCandidate> c(5);
  for (int i = 0; i < 5; ++i) c[i].item_id = 10 + i, c[i].position = i;
  c[4].kg_rank = 0;  // within source_top: reordered although below the depth (2)
  c[3].kg_rank = 3;  // not within source_top: stays in the engine's order
  c[1].kg_rank = 1;
  EXPECT_EQ(loaded->Order({}, c), (std::vector<size_t>{4, 1, 0, 2, 3}));
  EXPECT_EQ(WeightOn("kg_rank_recip", 1.f).Order({}, c), (std::vector<size_t>{1, 0, 2, 3, 4}))
      << "without source_top only the first depth (3) places move";
}

}  // namespace
// What a --reranker flag means, as the dialogue service and `eval redial` resolve it.
TEST(RerankerPathTest, NoneAFileOrTheStoresWhenItHasOne) {
  const std::filesystem::path store =
      std::filesystem::temp_directory_path() / ("reranker_path_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(store);
  std::filesystem::create_directories(store);
  EXPECT_EQ(Reranker::PathFor("", store.string()), "");  // the store has none
  EXPECT_EQ(Reranker::PathFor("none", store.string()), "");
  EXPECT_EQ(Reranker::PathFor("/some/file.json", store.string()), "/some/file.json");
  std::ofstream(store / Reranker::kStoreFile) << "{}";
  EXPECT_EQ(Reranker::PathFor("", store.string()), (store / Reranker::kStoreFile).string());
  EXPECT_EQ(Reranker::PathFor("none", store.string()), "");
  std::filesystem::remove_all(store);
}

}  // namespace chatrec::dialogue
