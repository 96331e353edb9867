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

}  // namespace
}  // namespace chatrec::testing
