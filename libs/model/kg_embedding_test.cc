#include "libs/model/kg_embedding.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace chatrec::model {
namespace {

// 40 films, each with one of 8 directors and one of 4 genres; directors make films of
// one genre each, so the graph has structure TransE can learn.
KnowledgeGraph ToyGraph() {
  KnowledgeGraph g;
  for (int i = 0; i < 40; ++i) {
    const int director = i % 8;
    g.Add("item:" + std::to_string(i), "director", "person:" + std::to_string(director));
    g.Add("item:" + std::to_string(i), "genre", "genre:" + std::to_string(director % 4));
  }
  return g;
}

KgEmbeddingOptions ToyOptions(int threads) {
  KgEmbeddingOptions o;
  o.dim = 16;
  o.epochs = 200;
  o.batch_size = 16;
  o.learning_rate = 0.02f;
  o.threads = threads;
  o.min_improvement = 0;  // run every epoch
  o.patience = 1000;
  return o;
}

TEST(KgEmbeddingTest, LossDecreases) {
  auto e = TrainKgEmbedding(ToyGraph(), ToyOptions(2));
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->epochs, 200);
  EXPECT_LT(e->epoch_loss.back(), 0.5 * e->epoch_loss.front());
}

TEST(KgEmbeddingTest, SameSeedGivesTheSameEmbeddingsWhateverTheThreadCount) {
  auto one = TrainKgEmbedding(ToyGraph(), ToyOptions(1));
  auto two = TrainKgEmbedding(ToyGraph(), ToyOptions(2));
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(one->entity_vectors, two->entity_vectors);
  EXPECT_EQ(one->relation_vectors, two->relation_vectors);
  KgEmbeddingOptions other = ToyOptions(2);
  other.seed = 7;
  auto three = TrainKgEmbedding(ToyGraph(), other);
  ASSERT_TRUE(three.ok());
  EXPECT_NE(one->entity_vectors, three->entity_vectors);
}

TEST(KgEmbeddingTest, TrueTriplesOutrankCorruptedOnes) {
  KnowledgeGraph g = ToyGraph();
  auto e = TrainKgEmbedding(g, ToyOptions(2));
  ASSERT_TRUE(e.ok());
  // For every true triple, the true tail must score above every other tail of the
  // same kind (the other directors, the other genres).
  int correct = 0, total = 0;
  for (const Triple& t : g.triples()) {
    const std::string& tail = g.entities()[t.tail];
    const std::string prefix = tail.substr(0, tail.find(':') + 1);
    for (int32_t other = 0; other < static_cast<int32_t>(g.entities().size()); ++other) {
      if (other == t.tail || g.entities()[other].rfind(prefix, 0) != 0) continue;
      ++total;
      correct += e->Score(t.head, t.relation, t.tail) > e->Score(t.head, t.relation, other);
    }
  }
  EXPECT_GT(correct, 0.95 * total) << correct << " of " << total;
}

TEST(KgEmbeddingTest, EmptyGraphIsFailedPrecondition) {
  KnowledgeGraph g;
  EXPECT_EQ(TrainKgEmbedding(g, ToyOptions(1)).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(KgEmbeddingTest, FreebaseFilesLinkItemsToTheCatalogue) {
  std::vector<catalog::ItemRecord> items(2);
  items[0].set_id(1);
  items[1].set_id(2);
  auto catalog = catalog::Catalog::Create(items, {});
  ASSERT_TRUE(catalog.ok());
  auto dir = std::filesystem::temp_directory_path() / "chatrec_fb_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ml-100k.link") << "item_id:token\tentity_id:token\n1\tm.a\n2\tm.b\n9\tm.z\n";
  std::ofstream(dir / "ml-100k.kg") << "head_id:token\trelation_id:token\ttail_id:token\n"
                                    << "m.a\tfilm.film.directed_by\tm.p\nm.z\tfilm.film.genre\tm.g\n";
  auto g = LoadFreebaseGraph(dir.string(), **catalog);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->triples().size(), 2u);
  EXPECT_EQ(g->entities()[g->triples()[0].head], "item:1");
  EXPECT_EQ(g->entities()[g->triples()[0].tail], "fb:m.p");
  EXPECT_EQ(g->entities()[g->triples()[1].head], "fb:m.z");  // item 9 is not in the catalogue
  std::ofstream(dir / "ml-100k.kg") << "head\n" << "only-one-field\n";
  EXPECT_EQ(LoadFreebaseGraph(dir.string(), **catalog).status().code(), absl::StatusCode::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace chatrec::model
