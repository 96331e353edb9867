// A multi-turn conversation through the four real binaries on loopback.
#include <gtest/gtest.h>

#include <set>

#include "tests/integration/cluster.h"

namespace chatrec::testing {
namespace {

class ConversationTest : public ClusterTest {
 protected:
  const catalog::ItemRecord& Item(int64_t id) {
    int32_t row = cluster_->catalog().RowOf(id);
    EXPECT_GE(row, 0);
    return cluster_->catalog().item(row);
  }
};

TEST_F(ConversationTest, ComedyFromThe90sThenTomHanksThenRejection) {
  const catalog::Catalog& c = cluster_->catalog();
  auto r1 = Turn("", "it-user-1", "I'd like a comedy from the 90s");
  ASSERT_FALSE(r1.session_id().empty());
  ASSERT_EQ(r1.items_size(), 5) << r1.text();
  EXPECT_EQ(r1.path(), v1::SERVING_PATH_FULL) << r1.text();
  for (const auto& it : r1.items()) {
    const auto& item = Item(it.item().id());
    EXPECT_TRUE(c.HasEntity(c.RowOf(item.id()), "genre:comedy")) << item.title();
    EXPECT_GE(item.year(), 1990) << item.title();
    EXPECT_LE(item.year(), 1999) << item.title();
    EXPECT_FALSE(it.reason().empty());
    EXPECT_EQ(it.item().title(), item.name());
  }

  // Narrowing: still 90s comedies, now all with Tom Hanks.
  auto r2 = Turn(r1.session_id(), "", "something with Tom Hanks");
  ASSERT_GT(r2.items_size(), 0) << r2.text();
  for (const auto& it : r2.items()) {
    int32_t row = c.RowOf(it.item().id());
    EXPECT_TRUE(c.HasEntity(row, "genre:comedy")) << it.item().title();
    EXPECT_TRUE(c.HasEntity(row, "person:Tom_Hanks")) << it.item().title();
    EXPECT_GE(it.item().year(), 1990);
    EXPECT_LE(it.item().year(), 1999);
  }

  // A rejected item never comes back in this session.
  const int64_t rejected = r2.items(0).item().id();
  auto r3 = Turn(r1.session_id(), "", "I've already seen " + r2.items(0).item().title());
  EXPECT_EQ(r3.understanding().intent(), v1::INTENT_REJECT);
  for (const auto& it : r3.items()) EXPECT_NE(it.item().id(), rejected);
  auto r4 = Turn(r1.session_id(), "", "a comedy from the 90s please");
  ASSERT_GT(r4.items_size(), 0);
  for (const auto& it : r4.items()) EXPECT_NE(it.item().id(), rejected);

  // The session remembers it, and feedback recorded the rejection and the impressions.
  v1::GetSessionRequest greq;
  greq.set_session_id(r1.session_id());
  v1::Session session;
  grpc::ClientContext ctx;
  ASSERT_TRUE(cluster_->Dialogue()->GetSession(&ctx, greq, &session).ok());
  EXPECT_EQ(session.turns(), 4);
  EXPECT_EQ(session.state().rejected_item_ids(0), rejected);
  v1::GetHistoryRequest hreq;
  hreq.set_user_id("it-user-1");
  v1::GetHistoryResponse history;
  grpc::ClientContext hctx;
  ASSERT_TRUE(cluster_->Feedback()->GetHistory(&hctx, hreq, &history).ok());
  std::set<v1::EventType> types;
  for (const auto& e : history.events()) types.insert(e.type());
  EXPECT_TRUE(types.count(v1::EVENT_TYPE_IMPRESSION));
  EXPECT_TRUE(types.count(v1::EVENT_TYPE_REJECT));
}

TEST_F(ConversationTest, VagueOpeningGetsOneQuestionThenRecommendations) {
  auto r1 = Turn("", "it-user-2", "hello");
  EXPECT_EQ(r1.items_size(), 0);
  EXPECT_FALSE(r1.question().text().empty());
  EXPECT_EQ(r1.path(), v1::SERVING_PATH_NO_RECOMMENDATION);
  auto r2 = Turn(r1.session_id(), "", "something scary");
  ASSERT_GT(r2.items_size(), 0);
  for (const auto& it : r2.items()) {
    EXPECT_TRUE(cluster_->catalog().HasEntity(cluster_->catalog().RowOf(it.item().id()), "genre:horror"));
  }
}

TEST_F(ConversationTest, LikedTitleDrivesKnowledgeGraphReasons) {
  auto r = Turn("", "it-user-3", "I loved Fargo");
  ASSERT_GT(r.items_size(), 0) << r.text();
  bool kg_reason = false;
  for (const auto& it : r.items()) {
    EXPECT_NE(it.item().title(), "Fargo");
    for (const auto& reason : it.reasons()) kg_reason |= reason.kind() == v1::REASON_KIND_KG_PATH;
  }
  EXPECT_TRUE(kg_reason) << "no recommendation explained by a KG path to Fargo";
}

TEST_F(ConversationTest, KnownUserIsServedFromHistoryWithoutQuestions) {
  // User 196 rated 39 movies in ML-100K.
  auto r = Turn("", "196", "what should I watch tonight?");
  EXPECT_TRUE(r.question().text().empty());
  ASSERT_EQ(r.items_size(), 5);
  EXPECT_GT(r.items(0).breakdown().user(), 0.f);
}

TEST_F(ConversationTest, EveryServiceReportsPerMethodMetrics) {
  Turn("", "it-user-4", "a thriller");
  std::string out = HttpGet(cluster_->service("dialogue").metrics_port, "/metrics");
  EXPECT_NE(out.find("chatrec_rpc_requests_total{code=\"OK\",method=\"Converse\",service=\"dialogue\"}"),
            std::string::npos)
      << out.substr(0, 2000);
  EXPECT_NE(out.find("chatrec_rpc_duration_seconds_bucket{method=\"Converse\""), std::string::npos);
  for (const char* name : {"feedback", "retrieval", "scoring"}) {
    std::string m = HttpGet(cluster_->service(name).metrics_port, "/metrics");
    EXPECT_NE(m.find(std::string("service=\"") + name + "\""), std::string::npos) << name;
  }
  std::string retrieval = HttpGet(cluster_->service("retrieval").metrics_port, "/metrics");
  EXPECT_NE(retrieval.find("chatrec_retrieval_candidates_count"), std::string::npos);
  EXPECT_NE(retrieval.find("chatrec_model_info{version=\"v"), std::string::npos);
  // Every turn records its impressions.
  std::string feedback = HttpGet(cluster_->service("feedback").metrics_port, "/metrics");
  EXPECT_NE(feedback.find("chatrec_feedback_events_total{result=\"recorded\"}"), std::string::npos);
}

}  // namespace
}  // namespace chatrec::testing
