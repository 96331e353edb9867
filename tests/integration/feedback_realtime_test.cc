// Real-time proof: what a user does, recorded through feedback.Record, changes the
// very next Converse turn of the same session (no retraining, no restart).
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

#include "tests/integration/cluster.h"

namespace chatrec::testing {
namespace {

class FeedbackRealtimeTest : public ClusterTest {
 protected:

  void Record(const std::string& user, const std::string& session, int64_t item, v1::EventType type, float rating) {
    v1::RecordRequest req;
    v1::Event* e = req.add_events();
    e->set_event_id("rt-" + std::to_string(++next_event_) + "-" + std::to_string(getpid()));
    e->set_user_id(user);
    e->set_item_id(item);
    e->set_type(type);
    e->set_rating(rating);
    e->set_session_id(session);
    e->set_source("web");
    v1::RecordResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = cluster_->Feedback()->Record(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.recorded(), 1);
  }

  v1::UserState State(const std::string& user) {
    v1::GetUserStateRequest req;
    req.set_user_id(user);
    v1::UserState state;
    grpc::ClientContext ctx;
    EXPECT_TRUE(cluster_->Feedback()->GetUserState(&ctx, req, &state).ok());
    return state;
  }

  static std::map<int64_t, float> UserTerms(const v1::ConverseResponse& r) {
    std::map<int64_t, float> out;
    for (const auto& it : r.items()) out[it.item().id()] = it.breakdown().user();
    return out;
  }

  int next_event_ = 0;
};

TEST_F(FeedbackRealtimeTest, FiveStarRatingAndRejectionChangeTheNextTurn) {
  const std::string user = "rt-user-" + std::to_string(getpid());
  const std::string text = "I'd like a comedy from the 90s";
  auto r1 = Turn("", user, text);
  ASSERT_FALSE(r1.session_id().empty());
  ASSERT_GE(r1.items_size(), 3) << r1.text();
  // A new user: nothing in the history yet, so the behaviour term plays no part.
  for (const auto& it : r1.items()) EXPECT_EQ(it.breakdown().user(), 0.f) << it.item().title();
  const v1::UserState before = State(user);

  // Five stars for the first recommendation, from another client of the feedback service.
  const int64_t rated = r1.items(0).item().id();
  Record(user, r1.session_id(), rated, v1::EVENT_TYPE_RATING, 5);
  const v1::UserState after = State(user);
  EXPECT_EQ(after.event_count(), before.event_count() + 1);
  ASSERT_FALSE(after.vector().empty());
  EXPECT_NE(std::vector<float>(after.vector().begin(), after.vector().end()),
            std::vector<float>(before.vector().begin(), before.vector().end()))
      << "u did not change";

  auto r2 = Turn(r1.session_id(), "", text);
  ASSERT_GE(r2.items_size(), 3) << r2.text();
  bool history_counts = false;
  for (const auto& it : r2.items()) {
    EXPECT_NE(it.item().id(), rated) << "a title the user has just rated is recommended again";
    if (it.breakdown().user() != 0.f) history_counts = true;
  }
  EXPECT_TRUE(history_counts) << "the rating did not reach the behaviour term of the next turn";
  EXPECT_NE(UserTerms(r1), UserTerms(r2));

  // A rejection recorded outside the dialogue removes the item from the next turn.
  const int64_t rejected = r2.items(0).item().id();
  Record(user, r1.session_id(), rejected, v1::EVENT_TYPE_REJECT, 0);
  auto r3 = Turn(r1.session_id(), "", text);
  ASSERT_GT(r3.items_size(), 0) << r3.text();
  for (const auto& it : r3.items()) {
    EXPECT_NE(it.item().id(), rejected) << "a rejected title came back";
    EXPECT_NE(it.item().id(), rated);
  }
}

// The feedback service's online counters reach retrieval: items liked right now are
// TRENDING, and items liked after a seed item are CO_OCCURRENCE candidates for it.
TEST_F(FeedbackRealtimeTest, FreshLikesFeedTheTrendingAndCoOccurrenceSources) {
  const std::string tag = std::to_string(getpid());
  // The imported MovieLens events are decades old, so nothing trends before this.
  const int64_t hit = 1300, seed = 1310, follow = 1320;
  for (int u = 0; u < 3; ++u) Record("trend-" + tag + "-" + std::to_string(u), "", hit, v1::EVENT_TYPE_LIKE, 0);
  {
    v1::GetTrendingRequest req;
    req.set_k(10);
    v1::GetTrendingResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(cluster_->Feedback()->GetTrending(&ctx, req, &resp).ok());
    ASSERT_GE(resp.items_size(), 1);
    EXPECT_EQ(resp.items(0).item_id(), hit);
    EXPECT_NEAR(resp.items(0).decayed_popularity(), 3.0, 0.01);
  }
  v1::ItemNeighbor top;  // the seed's strongest neighbour, as the feedback service counts it
  auto co_count = [&]() -> int64_t {
    v1::GetCoOccurringRequest req;
    req.add_item_ids(seed);
    req.set_k(1000);
    v1::GetCoOccurringResponse resp;
    grpc::ClientContext ctx;
    EXPECT_TRUE(cluster_->Feedback()->GetCoOccurring(&ctx, req, &resp).ok());
    if (resp.items_size() > 0) top = resp.items(0);
    for (const auto& n : resp.items()) {
      if (n.item_id() == follow) return n.count();
    }
    return 0;
  };
  const int64_t before = co_count();
  Record("co-" + tag, "", seed, v1::EVENT_TYPE_LIKE, 0);
  Record("co-" + tag, "", follow, v1::EVENT_TYPE_LIKE, 0);
  const int64_t after = co_count();
  EXPECT_EQ(after, before + 1);

  // Retrieval: the trending list is refreshed in the background (every 200 ms here).
  v1::RetrieveRequest req;
  req.set_k(500);
  auto* liked = req.add_kg_context();
  liked->set_entity_id("item:" + std::to_string(seed));
  liked->set_weight(1);
  std::map<v1::CandidateSource, std::map<int64_t, float>> by_source;
  for (int attempt = 0; attempt < 50; ++attempt) {
    v1::RetrieveResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(cluster_->Retrieval()->Retrieve(&ctx, req, &resp).ok());
    by_source.clear();
    for (const auto& c : resp.candidates()) {
      for (const auto& s : c.sources()) by_source[s.source()][c.item_id()] = s.raw_score();
    }
    // The background refresh may have run between the three Records: wait until it saw all three.
    auto& trending = by_source[v1::CANDIDATE_SOURCE_TRENDING];
    if (trending.contains(hit) && trending[hit] > 2.99f) break;
    usleep(100'000);
  }
  ASSERT_TRUE(by_source[v1::CANDIDATE_SOURCE_TRENDING].contains(hit)) << "the liked item never became a TRENDING candidate";
  EXPECT_NEAR(by_source[v1::CANDIDATE_SOURCE_TRENDING][hit], 3.0, 0.01);
  const auto& co = by_source[v1::CANDIDATE_SOURCE_CO_OCCURRENCE];
  ASSERT_TRUE(co.contains(top.item_id())) << "the seed's strongest neighbour is not a CO_OCCURRENCE candidate";
  EXPECT_EQ(co.at(top.item_id()), static_cast<float>(top.count()));
  if (co.contains(follow)) EXPECT_EQ(co.at(follow), static_cast<float>(after));
  EXPECT_FALSE(by_source[v1::CANDIDATE_SOURCE_CO_OCCURRENCE].contains(seed)) << "a seed is its own neighbour";
}

// RecordStream: events sent one by one are committed in chunks of 1,000, the next chunk read only
// once the previous one is durable; the single response counts every event of the stream, a
// retry within the stream included, and all of them are in the history when it arrives.
TEST_F(FeedbackRealtimeTest, RecordStreamCommitsEveryEventOnceAndAnswersWhenAllAreDurable) {
  const std::string user = "stream-user-" + std::to_string(getpid());
  v1::RecordResponse resp;
  grpc::ClientContext ctx;
  auto writer = cluster_->Feedback()->RecordStream(&ctx, &resp);
  constexpr int kEvents = 2'500;  // two whole chunks and a part
  for (int i = 0; i < kEvents; ++i) {
    v1::Event e;
    e.set_event_id("s-" + std::to_string(i));
    e.set_user_id(user);
    e.set_item_id(1 + i % 100);
    e.set_type(v1::EVENT_TYPE_IMPRESSION);
    e.set_timestamp_ms(1'000 + i);
    ASSERT_TRUE(writer->Write(e));
    if (i % 1'000 == 10) ASSERT_TRUE(writer->Write(e));  // a retry
  }
  ASSERT_TRUE(writer->WritesDone());
  grpc::Status s = writer->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.recorded(), kEvents);
  EXPECT_EQ(resp.duplicates(), 3);
  EXPECT_EQ(State(user).event_count(), kEvents);

  // A bad event is refused with its chunk (nothing of that chunk is written); chunks acknowledged
  // before it stay.
  v1::RecordResponse bad_resp;
  grpc::ClientContext bad_ctx;
  auto bad = cluster_->Feedback()->RecordStream(&bad_ctx, &bad_resp);
  for (int i = 0; i < 1'500; ++i) {
    v1::Event e;
    e.set_event_id("b-" + std::to_string(i));
    e.set_user_id(user);
    e.set_item_id(i == 1'200 ? 999'999 : 1 + i % 100);  // not in the catalogue
    e.set_type(v1::EVENT_TYPE_IMPRESSION);
    if (!bad->Write(e)) break;  // the server may finish the call early
  }
  bad->WritesDone();
  s = bad->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("is not in the catalogue"), std::string::npos) << s.error_message();
  EXPECT_EQ(State(user).event_count(), kEvents + 1'000);
}

TEST_F(FeedbackRealtimeTest, SignalRequestsAreValidated) {
  grpc::ClientContext c1, c2, c3;
  v1::GetTrendingRequest t;
  v1::GetTrendingResponse tr;
  EXPECT_EQ(cluster_->Feedback()->GetTrending(&c1, t, &tr).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::GetCoOccurringRequest co;
  co.set_k(10);
  v1::GetCoOccurringResponse cr;
  EXPECT_EQ(cluster_->Feedback()->GetCoOccurring(&c2, co, &cr).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  co.add_item_ids(99999999);
  auto s = cluster_->Feedback()->GetCoOccurring(&c3, co, &cr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("99999999"), std::string::npos) << s.error_message();
}

}  // namespace
}  // namespace chatrec::testing
