#include "libs/catalog/catalog.h"

#include <gtest/gtest.h>

namespace chatrec::catalog {
namespace {

ItemRecord Item(int64_t id, const std::string& name, std::vector<std::string> entities) {
  ItemRecord r;
  r.set_id(id);
  r.set_name(name);
  for (auto& e : entities) {
    auto* f = r.add_facts();
    f->set_relation("genre");
    f->set_entity_id(e);
  }
  return r;
}

EntityRecord Entity(const std::string& id, const std::string& name) {
  EntityRecord e;
  e.set_id(id);
  e.set_name(name);
  return e;
}

TEST(CatalogTest, RowsFollowIdOrderAndIndexEntities) {
  auto c = Catalog::Create({Item(20, "B", {"genre:comedy"}), Item(10, "A", {"genre:comedy", "genre:drama"})},
                           {Entity("genre:comedy", "Comedy"), Entity("genre:drama", "Drama")});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->RowOf(10), 0);
  EXPECT_EQ((*c)->RowOf(20), 1);
  EXPECT_EQ((*c)->RowOf(30), -1);
  EXPECT_EQ((*c)->RowsWithEntity("genre:comedy"), (std::vector<int32_t>{0, 1}));
  EXPECT_TRUE((*c)->HasEntity(0, "genre:drama"));
  EXPECT_FALSE((*c)->HasEntity(1, "genre:drama"));
  EXPECT_EQ((*c)->EntityName("item:20"), "B");
  EXPECT_EQ((*c)->EntityName("genre:drama"), "Drama");
}

TEST(CatalogTest, UnknownEntityInFactIsRejected) {
  auto c = Catalog::Create({Item(1, "A", {"genre:nope"})}, {});
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CatalogTest, ItemEntityIdsRoundTrip) {
  EXPECT_EQ(ItemIdFromEntity(ItemEntityId(1234)), 1234);
  EXPECT_EQ(ItemIdFromEntity("genre:comedy"), -1);
  EXPECT_EQ(ItemIdFromEntity("item:12x"), -1);
}

}  // namespace
}  // namespace chatrec::catalog
