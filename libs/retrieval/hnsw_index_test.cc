#include "libs/retrieval/hnsw_index.h"

#include <gtest/gtest.h>

#include <set>

#include "libs/kernels/synthetic.h"
#include "libs/retrieval/test_world.h"
#include "libs/retrieval/vector_index.h"

namespace chatrec::retrieval {
namespace {

double Recall(const std::vector<kernels::ScoredItem>& got, const std::vector<kernels::ScoredItem>& truth) {
  std::set<int32_t> t;
  for (const auto& s : truth) t.insert(s.row);
  int hit = 0;
  for (const auto& s : got) hit += t.count(s.row);
  return truth.empty() ? 1.0 : static_cast<double>(hit) / truth.size();
}

TEST(HnswIndexTest, Recall100AgainstExactSearchOnClusteredData) {
  kernels::SyntheticOptions so;
  so.items = 20000;
  so.dim = 32;
  so.clusters = 50;
  so.queries = 20;
  auto data = kernels::MakeClusteredData(so);
  auto items = kernels::ItemMatrix::Create(so.dim, data.rows, data.bias);
  ASSERT_TRUE(items.ok());
  HnswOptions o;
  o.threads = 2;
  auto index = HnswIndex::Build(*items, o);
  ASSERT_TRUE(index.ok()) << index.status();
  double recall = 0;
  for (const auto& q : data.queries) {
    auto got = (*index)->Search(q, 100, 200);
    got.resize(std::min<size_t>(got.size(), 100));
    recall += Recall(got, kernels::TopK(*items, q, 100)) / data.queries.size();
  }
  EXPECT_GE(recall, 0.95);
  EXPECT_GT((*index)->bytes(), so.items * so.dim * 4);
}

TEST(HnswIndexTest, TheItemBiasCountsInTheRanking) {
  // Two identical vectors: only the bias tells them apart.
  std::vector<float> rows = {1, 0, 1, 0, 0, 1};
  std::vector<float> bias = {0.0f, 0.5f, 0.0f};
  auto items = kernels::ItemMatrix::Create(2, rows, bias);
  ASSERT_TRUE(items.ok());
  auto index = HnswIndex::Build(*items, HnswOptions{});
  ASSERT_TRUE(index.ok());
  std::vector<float> w = {1, 0};
  auto got = (*index)->Search(w, 1);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0].row, 1);
  EXPECT_NEAR(got[0].score, 1.5f, 1e-5);
}

class VectorIndexTest : public ::testing::TestWithParam<AnnKind> {
 protected:
  void SetUp() override {
    testing::TestWorldOptions o;
    o.items = 8000;
    world_ = testing::MakeTestWorld(o);
    VectorIndexOptions vo;
    vo.ann_min_items = 1000;
    vo.exact_max_allowed = 100;
    vo.kind = GetParam();
    // 178 lists over 20 clusters: a cluster spans ~9 lists, so probe 16 (the default 8 is
    // tuned on the benchmark's 1M items in 2,000 lists, where it gives recall@100 0.98).
    vo.ivf.nprobe = 16;
    auto v = VectorIndex::Build(world_.model, *world_.catalog, vo);
    ASSERT_TRUE(v.ok()) << v.status();
    index_ = *v;
    w_.assign(world_.model->item(3), world_.model->item(3) + world_.model->dim);
  }
  testing::TestWorld world_;
  std::shared_ptr<const VectorIndex> index_;
  std::vector<float> w_;
};

TEST_P(VectorIndexTest, LargeCatalogueUsesTheAnnIndexAndFindsTheExactTop) {
  ASSERT_TRUE(index_->has_ann());
  auto all = AllowedSet::All(world_.catalog->size());
  auto got = index_->Search(w_, all, 50);
  EXPECT_EQ(got.path, SearchPath::kAnn);
  auto exact = kernels::TopK(index_->items().matrix(), w_, 50);
  EXPECT_GE(Recall(got.items, exact), 0.95);
  // Scores are exact, so the best item agrees when it was found.
  ASSERT_FALSE(got.items.empty());
  EXPECT_EQ(got.items[0].row, exact[0].row);
  EXPECT_FLOAT_EQ(got.items[0].score, exact[0].score);
}

TEST_P(VectorIndexTest, FilteredSearchReturnsOnlyAllowedRows) {
  std::vector<uint8_t> mask(world_.catalog->size(), 0);
  for (size_t r = 0; r < mask.size(); r += 3) mask[r] = 1;  // a third of the catalogue
  auto allowed = AllowedSet::FromMask(mask);
  auto got = index_->Search(w_, allowed, 50);
  ASSERT_EQ(got.items.size(), 50u);
  EXPECT_TRUE(got.path == SearchPath::kAnn || got.path == SearchPath::kAnnThenExact) << SearchPathName(got.path);
  for (const auto& s : got.items) EXPECT_TRUE(allowed.Contains(s.row)) << s.row;
  auto exact = *kernels::TopKSubset(index_->items().matrix(), w_, allowed.Rows(), 50);
  EXPECT_GE(Recall(got.items, exact), 0.9);
}

TEST_P(VectorIndexTest, VerySelectiveFiltersFallBackToTheExactSubset) {
  std::vector<uint8_t> mask(world_.catalog->size(), 0);
  for (int r = 7000; r < 7040; ++r) mask[r] = 1;
  auto allowed = AllowedSet::FromMask(mask);
  auto got = index_->Search(w_, allowed, 10);
  EXPECT_EQ(got.path, SearchPath::kExactSubset);
  auto exact = *kernels::TopKSubset(index_->items().matrix(), w_, allowed.Rows(), 10);
  ASSERT_EQ(got.items.size(), exact.size());
  for (size_t i = 0; i < exact.size(); ++i) EXPECT_EQ(got.items[i].row, exact[i].row);
}

TEST_P(VectorIndexTest, SmallCataloguesAreSearchedExactly) {
  testing::TestWorldOptions o;
  o.items = 500;
  auto small = testing::MakeTestWorld(o);
  auto v = VectorIndex::Build(small.model, *small.catalog, VectorIndexOptions{});
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE((*v)->has_ann());
  std::vector<float> w(small.model->item(0), small.model->item(0) + small.model->dim);
  auto got = (*v)->Search(w, AllowedSet::All(small.catalog->size()), 20);
  EXPECT_EQ(got.path, SearchPath::kExact);
  EXPECT_EQ(got.items.size(), 20u);
}

TEST_P(VectorIndexTest, ColdItemsAreFoundThroughTheirContentVector) {
  ASSERT_GT(index_->cold_items(), 0);
  // Row 99 is cold (every 100th item); ask with its director's embedding.
  const int32_t cold = 99;
  ASSERT_EQ(world_.catalog->item(cold).popularity(), 0);
  std::string director;
  for (const auto& f : world_.catalog->item(cold).facts()) {
    if (f.relation() == "director") director = f.entity_id();
  }
  const float* e = world_.model->entity(director);
  ASSERT_NE(e, nullptr);
  std::vector<float> w(e, e + world_.model->dim);
  auto got = index_->ColdStart(w, AllowedSet::All(world_.catalog->size()), 100);
  ASSERT_FALSE(got.empty());
  bool found = false;
  for (const auto& s : got) {
    EXPECT_EQ(world_.catalog->item(s.row).popularity(), 0);
    found |= s.row == cold;
  }
  EXPECT_TRUE(found);
  // And an exclusion removes it.
  std::vector<uint8_t> mask(world_.catalog->size(), 1);
  mask[cold] = 0;
  for (const auto& s : index_->ColdStart(w, AllowedSet::FromMask(mask), 100)) EXPECT_NE(s.row, cold);
}

INSTANTIATE_TEST_SUITE_P(BothIndexes, VectorIndexTest, ::testing::Values(AnnKind::kIvf, AnnKind::kHnsw),
                         [](const auto& info) { return info.param == AnnKind::kIvf ? "Ivf" : "Hnsw"; });

TEST(IvfIndexTest, Recall100AgainstExactSearchForQueriesMixingClusters) {
  kernels::SyntheticOptions so;
  so.items = 20000;
  so.dim = 32;
  so.clusters = 50;
  so.queries = 20;
  auto data = kernels::MakeClusteredData(so);
  auto items = kernels::ItemMatrix::Create(so.dim, data.rows, data.bias);
  ASSERT_TRUE(items.ok());
  IvfOptions o;
  o.threads = 2;
  auto index = IvfIndex::Build(*items, o);
  ASSERT_TRUE(index.ok()) << index.status();
  double recall = 0;
  for (size_t i = 0; i < data.queries.size(); ++i) {
    // Two tastes at once: the kind of query a folded w = Aᵀu + Bᵀq + Cᵀh is.
    std::vector<float> q(so.dim);
    const auto& other = data.queries[(i + 7) % data.queries.size()];
    for (int j = 0; j < so.dim; ++j) q[j] = data.queries[i][j] + other[j];
    auto got = (*index)->Search(q, 100, 32);
    auto exact = kernels::TopK(*items, q, 100);
    recall += Recall(got, exact) / data.queries.size();
    ASSERT_FALSE(got.empty());
    EXPECT_FLOAT_EQ(got[0].score, exact[0].score) << "scores are exact";
  }
  EXPECT_GE(recall, 0.95);
}

}  // namespace
}  // namespace chatrec::retrieval
