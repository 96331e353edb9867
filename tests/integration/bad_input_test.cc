// Bad input at every service boundary gets INVALID_ARGUMENT or NOT_FOUND with a
// message a client developer can act on, and nothing is written.
#include <gtest/gtest.h>

#include "tests/integration/cluster.h"

namespace chatrec::testing {
namespace {

class BadInputTest : public ClusterTest {
 protected:
  grpc::Status Converse(const v1::ConverseRequest& req, v1::ConverseResponse* resp = nullptr) {
    v1::ConverseResponse ignored;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return cluster_->Dialogue()->Converse(&ctx, req, resp ? resp : &ignored);
  }
  grpc::Status Record(const v1::RecordRequest& req) {
    v1::RecordResponse resp;
    grpc::ClientContext ctx;
    return cluster_->Feedback()->Record(&ctx, req, &resp);
  }
  int HistorySize(const std::string& user) {
    v1::GetHistoryRequest req;
    req.set_user_id(user);
    v1::GetHistoryResponse resp;
    grpc::ClientContext ctx;
    EXPECT_TRUE(cluster_->Feedback()->GetHistory(&ctx, req, &resp).ok());
    return resp.events_size();
  }
};

v1::ConverseRequest Request(const std::string& text) {
  v1::ConverseRequest req;
  req.set_user_id("bad-input-user");
  req.set_text(text);
  return req;
}

TEST_F(BadInputTest, EmptyAndOversizedTextAreInvalidArgument) {
  auto s = Converse(Request(""));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("text is empty"), std::string::npos) << s.error_message();
  s = Converse(Request(std::string(5000, 'a')));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("at most 2000"), std::string::npos) << s.error_message();
}

TEST_F(BadInputTest, UnknownSessionIsNotFoundAndMissingUserIsInvalid) {
  auto req = Request("a comedy");
  req.set_session_id("s-does-not-exist");
  auto s = Converse(req);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(s.error_message().find("leave session_id empty"), std::string::npos) << s.error_message();
  req.clear_session_id();
  req.clear_user_id();
  EXPECT_EQ(Converse(req).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(BadInputTest, OutOfRangeKIsInvalidArgumentAndNothingIsWritten) {
  for (int k : {0, 100000, -1}) {
    auto req = Request("a comedy");
    req.set_user_id("k-user-" + std::to_string(k));
    req.set_k(k);
    auto s = Converse(req);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << k;
    EXPECT_NE(s.error_message().find("k must be 1..20"), std::string::npos) << s.error_message();
    EXPECT_EQ(HistorySize(req.user_id()), 0);
  }
  v1::RetrieveRequest rreq;
  rreq.set_k(0);
  v1::RetrieveResponse rresp;
  grpc::ClientContext rctx;
  EXPECT_EQ(cluster_->Retrieval()->Retrieve(&rctx, rreq, &rresp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ScoreRequest sreq;
  sreq.set_k(100000);
  v1::ScoreResponse sresp;
  grpc::ClientContext sctx;
  EXPECT_EQ(cluster_->Scoring()->Score(&sctx, sreq, &sresp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(BadInputTest, MalformedEventRejectsTheWholeBatch) {
  v1::RecordRequest req;
  auto* good = req.add_events();
  good->set_event_id("good-1");
  good->set_user_id("batch-user");
  good->set_item_id(50);
  good->set_type(v1::EVENT_TYPE_LIKE);
  auto* bad = req.add_events();
  *bad = *good;
  bad->set_event_id("bad-1");
  bad->set_type(static_cast<v1::EventType>(99));
  auto s = Record(req);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("events[1].type"), std::string::npos) << s.error_message();
  EXPECT_EQ(HistorySize("batch-user"), 0);

  bad->set_type(v1::EVENT_TYPE_LIKE);
  bad->set_item_id(999999);
  s = Record(req);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("not in the catalogue"), std::string::npos) << s.error_message();
  EXPECT_EQ(HistorySize("batch-user"), 0);

  bad->set_item_id(51);
  ASSERT_TRUE(Record(req).ok());
  EXPECT_EQ(HistorySize("batch-user"), 2);
}

TEST_F(BadInputTest, UnknownCandidateIdIsInvalidArgument) {
  v1::ScoreRequest req;
  req.set_k(5);
  req.add_candidate_ids(50);
  req.add_candidate_ids(987654);
  v1::ScoreResponse resp;
  grpc::ClientContext ctx;
  auto s = cluster_->Scoring()->Score(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("987654"), std::string::npos);
  v1::RetrieveRequest rreq;
  rreq.set_k(10);
  rreq.mutable_filters()->add_must_entities("genre:nonsense");
  v1::RetrieveResponse rresp;
  grpc::ClientContext rctx;
  EXPECT_EQ(cluster_->Retrieval()->Retrieve(&rctx, rreq, &rresp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(BadInputTest, NeverSeenUserIsAColdStartNotAnError) {
  v1::GetUserStateRequest req;
  req.set_user_id("brand-new-user-xyz");
  v1::UserState state;
  grpc::ClientContext ctx;
  ASSERT_TRUE(cluster_->Feedback()->GetUserState(&ctx, req, &state).ok());
  EXPECT_TRUE(state.cold_start());
  v1::ConverseResponse resp;
  auto r = Request("a western");
  r.set_user_id("brand-new-user-xyz");
  ASSERT_TRUE(Converse(r, &resp).ok());
  EXPECT_GT(resp.items_size(), 0);
}

}  // namespace
}  // namespace chatrec::testing
