#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/container/flat_hash_set.h"
#include "libs/eval/baselines.h"
#include "libs/eval/metrics.h"
#include "libs/eval/rating.h"
#include "libs/eval/recommender.h"
#include "libs/eval/split.h"

namespace chatrec::eval {
namespace {

// Ratings with a user offset, an item offset and a two-group taste effect.
std::vector<RatingEvent> StructuredRatings() {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<RatingEvent> out;
  for (int32_t a = 0; a < 80; ++a) {
    for (int32_t i = 0; i < 50; ++i) {
      if (u(rng) > 0.5f) continue;
      float r = 3.f + (a % 3 == 0 ? 0.5f : -0.3f) + (i % 5 == 0 ? 0.7f : 0.f) + ((a % 2) == (i % 2) ? 0.8f : -0.8f);
      out.push_back({a, i, std::clamp(std::round(r + (u(rng) - 0.5f)), 1.f, 5.f), a * 100 + i});
    }
  }
  return out;
}

TEST(RatingEvalTest, SeededSplitHoldsOutAShareOfEveryUsersRatings) {
  auto ratings = StructuredRatings();
  RatingSplit a = MakeRatingSplit(ratings, 80, 0.2, 42), b = MakeRatingSplit(ratings, 80, 0.2, 42);
  EXPECT_EQ(a.train.size() + a.test.size(), ratings.size());
  EXPECT_NEAR(static_cast<double>(a.test.size()) / ratings.size(), 0.2, 0.02);
  ASSERT_EQ(a.test.size(), b.test.size());
  for (size_t i = 0; i < a.test.size(); ++i) EXPECT_EQ(a.test[i].item, b.test[i].item);
}

TEST(RatingEvalTest, ModelsThatSeeTheStructureBeatTheGlobalMean) {
  auto ratings = StructuredRatings();
  RatingSplit split = MakeRatingSplit(ratings, 80, 0.2, 42);
  auto result = EvaluateRatings(split, 80, 50, {});
  for (const char* name : {"global-mean", "baseline", "itemknn", "ours-mf"}) {
    ASSERT_TRUE(result.count(name)) << name;
    EXPECT_GT(result[name]["rmse"], 0);
    EXPECT_LE(result[name]["mae"], result[name]["rmse"] + 1e-12);
  }
  EXPECT_LT(result["itemknn"]["rmse"], result["global-mean"]["rmse"]);
  EXPECT_LT(result["ours-mf"]["rmse"], result["baseline"]["rmse"]);  // the taste groups are in the factors
}

TEST(MetricsTest, HandComputedCase) {
  // Ranked 7, 3, 9, 1, 4; positives {1, 3, 8}: hits at ranks 2 and 4.
  std::vector<int32_t> ranked = {7, 3, 9, 1, 4};
  std::vector<int32_t> positives = {1, 3, 8};
  EXPECT_DOUBLE_EQ(PrecisionAt(ranked, positives, 5), 2.0 / 5);
  EXPECT_DOUBLE_EQ(RecallAt(ranked, positives, 5), 2.0 / 3);
  EXPECT_DOUBLE_EQ(PrecisionAt(ranked, positives, 1), 0.0);
  EXPECT_DOUBLE_EQ(HitAt(ranked, positives, 1), 0.0);
  EXPECT_DOUBLE_EQ(HitAt(ranked, positives, 2), 1.0);
  double dcg = 1 / std::log2(3.0) + 1 / std::log2(5.0);
  double idcg = 1 + 1 / std::log2(3.0) + 1 / std::log2(4.0);
  EXPECT_NEAR(NdcgAt(ranked, positives, 5), dcg / idcg, 1e-12);
  // The ideal DCG stops at min(k, |P|): one positive ranked first is a perfect list.
  EXPECT_DOUBLE_EQ(NdcgAt({4, 1, 2}, {4}, 3), 1.0);
  EXPECT_DOUBLE_EQ(NdcgAt({1, 2, 3}, {}, 3), 0.0);
}

TEST(MetricsTest, AccumulatorAveragesOverUsersWithPositivesAndCountsCoverage) {
  MetricsAccumulator acc(10, {1, 2});
  acc.Add(std::vector<int32_t>{0, 1}, std::vector<int32_t>{0});  // P@1 = 1
  acc.Add(std::vector<int32_t>{2, 0}, std::vector<int32_t>{3});  // P@1 = 0
  acc.Add(std::vector<int32_t>{5, 6}, std::vector<int32_t>{});   // no positives: ignored
  auto r = acc.Result();
  EXPECT_EQ(r["users"], 2);
  EXPECT_DOUBLE_EQ(r["precision@1"], 0.5);
  EXPECT_DOUBLE_EQ(r["hr@2"], 0.5);
  EXPECT_DOUBLE_EQ(r["coverage@1"], 2.0 / 10);  // items 0 and 2
  EXPECT_DOUBLE_EQ(r["coverage@2"], 3.0 / 10);  // items 0, 1, 2
}

std::vector<RatingEvent> RandomRatings(int32_t users, int32_t items, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<RatingEvent> out;
  for (int32_t u = 0; u < users; ++u) {
    for (int32_t i = 0; i < items; ++i) {
      if (rng() % 3 == 0) out.push_back({u, i, static_cast<float>(1 + rng() % 5), static_cast<int64_t>(rng() % 1000)});
    }
  }
  return out;
}

TEST(SplitTest, ChatRecSplitIsSeededAndHoldsOutOnlyPositivesWithoutLeakage) {
  auto ratings = RandomRatings(30, 60, 1);
  SplitOptions o;
  Split a = MakeSplit(ratings, 30, 60, o), b = MakeSplit(ratings, 30, 60, o);
  EXPECT_EQ(a.test, b.test);
  EXPECT_EQ(a.train.size(), b.train.size());
  // Input order does not matter.
  std::reverse(ratings.begin(), ratings.end());
  EXPECT_EQ(MakeSplit(ratings, 30, 60, o).test, a.test);
  o.seed = 7;
  EXPECT_NE(MakeSplit(ratings, 30, 60, o).test, a.test);

  absl::flat_hash_set<std::pair<int32_t, int32_t>> train_pairs;
  for (const auto& r : a.train) train_pairs.insert({r.user, r.item});
  EXPECT_EQ(a.train.size() + a.test_positives(), ratings.size());
  for (int32_t u = 0; u < 30; ++u) {
    int positives = 0;
    for (const auto& r : ratings) positives += r.user == u && r.rating >= 4;
    EXPECT_EQ(static_cast<int>(a.test[u].size()), static_cast<int>(std::llround(0.2 * positives)));
    for (int32_t item : a.test[u]) {
      EXPECT_FALSE(train_pairs.contains({u, item})) << "user " << u << " item " << item;
      bool positive = false;
      for (const auto& r : ratings) positive |= r.user == u && r.item == item && r.rating >= 4;
      EXPECT_TRUE(positive);
    }
  }
}

TEST(SplitTest, LeaveLastOutHoldsOutTheLatestRating) {
  std::vector<RatingEvent> ratings = {{0, 1, 5, 10}, {0, 2, 1, 30}, {0, 3, 4, 20}, {1, 4, 3, 5}};
  SplitOptions o;
  o.protocol = Protocol::kLeaveLastOut;
  Split s = MakeSplit(ratings, 2, 5, o);
  EXPECT_EQ(s.test[0], std::vector<int32_t>{2});  // latest, whatever its rating
  EXPECT_TRUE(s.test[1].empty());                  // a single rating stays in training
  EXPECT_EQ(s.train.size(), 3u);
}

TEST(SplitTest, FilesInUDataFormatBuildASplitAndDropPairsSeenInTraining) {
  auto dir = std::filesystem::temp_directory_path() / ("eval_split_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "train") << "1\t10\t5\t100\n1\t11\t2\t101\n2\t10\t4\t102\n";
  std::ofstream(dir / "test") << "1\t12\t4\t200\n1 13 3 201\n1\t10\t5\t202\n2\t99\t5\t203\n2\t11\t5\t204\r\n";
  IdMaps maps;
  maps.item_row = {{10, 0}, {11, 1}, {12, 2}, {13, 3}};
  maps.num_items = 4;
  int64_t unknown = 0;
  auto train = ReadUDataFile((dir / "train").string(), &maps, &unknown);
  auto test = ReadUDataFile((dir / "test").string(), &maps, &unknown);
  ASSERT_TRUE(train.ok() && test.ok());
  EXPECT_EQ(unknown, 1);  // item 99
  Split s = SplitFromLists(*train, *test, static_cast<int32_t>(maps.user_index.size()), 4, SplitOptions{});
  const int32_t u1 = maps.user_index.at("1"), u2 = maps.user_index.at("2");
  EXPECT_EQ(s.test[u1], std::vector<int32_t>{2});  // item 12; 13 is rated 3, 10 is in training
  EXPECT_EQ(s.test[u2], std::vector<int32_t>{1});
  EXPECT_EQ(s.dropped_test_pairs, 1);
  EXPECT_EQ(ReadUDataFile((dir / "missing").string(), &maps).status().code(), absl::StatusCode::kNotFound);
  IdMaps bad = maps;
  EXPECT_EQ(ParseUData("1\tten\t5\t1\n", "x", &bad).status().code(), absl::StatusCode::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

// Two blocks: users 0-5 watch items 0-3, users 6-11 items 4-7; item 8 is watched by everyone
// in block A once more, so it is the most popular item.
Split BlockSplit() {
  std::vector<RatingEvent> train;
  for (int32_t u = 0; u < 12; ++u) {
    const int32_t base = u < 6 ? 0 : 4;
    for (int32_t k = 0; k < 4; ++k) {
      if ((u + k) % 4 != 0) train.push_back({u, base + k, 5, k});
    }
    if (u < 6 || u == 6) train.push_back({u, 8, 5, 9});
  }
  std::vector<RatingEvent> none;
  Split s = SplitFromLists(train, none, 12, 9, SplitOptions{});
  // Each user's left-out block item is their test positive.
  for (int32_t u = 0; u < 12; ++u) {
    const int32_t base = u < 6 ? 0 : 4;
    for (int32_t k = 0; k < 4; ++k) {
      if ((u + k) % 4 == 0) s.test[u].push_back(base + k);
    }
  }
  return s;
}

void ExpectRecoversBlocks(Recommender* rec) {
  Split s = BlockSplit();
  TrainData data = TrainData::From(s);
  ASSERT_TRUE(rec->Fit(data).ok());
  std::vector<float> scores(9);
  for (int32_t u : {0, 7}) {
    rec->Score(u, absl::MakeSpan(scores));
    auto top = TopUnseen(scores, data.items_of[u], 1);
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(top[0], s.test[u][0]) << rec->name() << " user " << u;
  }
  auto m = Evaluate(*rec, s, data, EvalOptions{{1}, 2});
  EXPECT_DOUBLE_EQ(m["hr@1"], 1.0) << rec->name();
}

TEST(BaselinesTest, EaseRecoversTheBlockStructure) {
  Ease ease(1.0);
  ExpectRecoversBlocks(&ease);
  // Zero diagonal: an item never recommends itself.
  for (int32_t i = 0; i < 9; ++i) EXPECT_EQ(ease.weights()[i * 9 + i], 0.f);
}

TEST(BaselinesTest, ItemKnnRecoversTheBlockStructureAndIsCosine) {
  ItemKnn knn(8);
  ExpectRecoversBlocks(&knn);
  // W[j][i] is the cosine of the two items' user sets.
  Split s = BlockSplit();
  TrainData d = TrainData::From(s);
  auto users = [&](int32_t i) { return absl::flat_hash_set<int32_t>(d.users_of[i].begin(), d.users_of[i].end()); };
  auto a = users(1), b = users(2);
  int common = 0;
  for (int32_t u : a) common += b.contains(u);
  EXPECT_NEAR(knn.weights()[1 * 9 + 2], common / std::sqrt(double(a.size()) * b.size()), 1e-6);
}

TEST(BaselinesTest, MostPopularRanksByTrainingCount) {
  Split s = BlockSplit();
  TrainData d = TrainData::From(s);
  MostPopular pop;
  ASSERT_TRUE(pop.Fit(d).ok());
  std::vector<float> scores(9);
  pop.Score(0, absl::MakeSpan(scores));
  EXPECT_EQ(std::max_element(scores.begin(), scores.end()) - scores.begin(), 8);
}

TEST(BaselinesTest, BprIsDeterministicForASeed) {
  Split s = BlockSplit();
  TrainData d = TrainData::From(s);
  BprOptions o;
  o.dim = 4;
  o.epochs = 20;
  BprMf a(o), b(o);
  ASSERT_TRUE(a.Fit(d).ok());
  ASSERT_TRUE(b.Fit(d).ok());
  std::vector<float> sa(9), sb(9);
  a.Score(3, absl::MakeSpan(sa));
  b.Score(3, absl::MakeSpan(sb));
  EXPECT_EQ(sa, sb);
}

}  // namespace
}  // namespace chatrec::eval
