// The real chatrec-dialogue binary with the optional LLM backend on (--llm_* flags), against a
// small OpenAI-compatible server in this process: the LLM's ranking is served, and its failure
// falls back. A second dialogue process over a copy of the shared cluster's catalogue uses the
// cluster's feedback, retrieval and scoring services.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "libs/llm/fake_llm_server.h"
#include "libs/server/client.h"
#include "tests/integration/cluster.h"

namespace chatrec::testing {
namespace {

namespace fs = std::filesystem;

class LlmDialogueTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (cluster_ == nullptr || HasFatalFailure() || IsSkipped()) return;
    llm_ = llm::FakeLlmServer::Shared();
    ASSERT_NE(llm_, nullptr);
    llm_->Reset();
    dir_ = cluster_->dir() + "/llm-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_ + "/store");
    fs::copy(cluster_->dir() + "/store/catalog", dir_ + "/store/catalog", fs::copy_options::recursive);
  }
  void TearDown() override {
    if (dialogue_.Running()) EXPECT_EQ(dialogue_.Terminate(), 0);
  }
  std::vector<std::string> Argv(const std::vector<std::string>& extra) {
    const char* bin = std::getenv("CHATREC_BIN_DIR");
    std::vector<std::string> argv = {std::string(bin && *bin ? bin : "build/bin") + "/chatrec-dialogue",
                                     "--store_dir", dir_ + "/store", "--host", "127.0.0.1", "--port", "0",
                                     "--metrics_port", "0", "--ready_file", dir_ + "/ready",
                                     "--feedback", cluster_->service("feedback").address(),
                                     "--retrieval", cluster_->service("retrieval").address(),
                                     "--scoring", cluster_->service("scoring").address()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  // Starts the LLM-enabled dialogue service; its port, or 0.
  int Start(const std::vector<std::string>& extra) {
    if (!dialogue_.Start(Argv(extra), dir_ + "/dialogue.log")) return 0;
    for (int i = 0; i < 600; ++i) {
      std::istringstream in(ReadFileOrEmpty(dir_ + "/ready"));
      int port = 0, metrics = 0;
      if (in >> port >> metrics) return port;
      if (!dialogue_.Running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }
  v1::ConverseResponse Converse(int port, const std::string& user, const std::string& text) {
    auto stub = v1::DialogueService::NewStub(server::MakeChannel("127.0.0.1:" + std::to_string(port)));
    v1::ConverseRequest req;
    req.set_user_id(user);
    req.set_text(text);
    req.set_k(3);
    v1::ConverseResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Status s = stub->Converse(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  llm::FakeLlmServer* llm_ = nullptr;
  std::string dir_;
  ChildProcess dialogue_;
};

TEST_F(LlmDialogueTest, TheLlmsRankingIsServedAndItsFailureFallsBack) {
  // Our own order first, from the cluster's dialogue service (no LLM).
  v1::ConverseResponse ours = Turn("", "llm-ours", "I'd like a comedy from the 90s");
  ASSERT_EQ(ours.items_size(), 5);
  int port = Start({"--llm_endpoint", llm_->endpoint(), "--llm_model", "test", "--llm_timeout_ms", "1000"});
  ASSERT_NE(port, 0) << ReadFileOrEmpty(dir_ + "/dialogue.log");
  // The LLM puts our third first, in MovieLens's own title form.
  llm_->SetContent("1. " + ours.items(2).item().title() + " (" + std::to_string(ours.items(2).item().year()) + ")");
  auto r = Converse(port, "llm-user", "I'd like a comedy from the 90s");
  ASSERT_EQ(r.items_size(), 3);
  EXPECT_EQ(r.items(0).item().id(), ours.items(2).item().id());
  EXPECT_EQ(r.items(1).item().id(), ours.items(0).item().id());
  EXPECT_TRUE(r.llm().reranked());
  ASSERT_FALSE(llm_->requests().empty());
  EXPECT_NE(llm_->requests().back().find("\"model\":\"test\""), std::string::npos);

  llm_->SetReply({500, "overloaded"});
  auto fallback = Converse(port, "llm-user-2", "I'd like a comedy from the 90s");
  ASSERT_EQ(fallback.items_size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fallback.items(i).item().id(), ours.items(i).item().id());
  EXPECT_FALSE(fallback.llm().used());
  EXPECT_NE(fallback.llm().fallback().find("HTTP 500"), std::string::npos) << fallback.llm().fallback();
}

TEST_F(LlmDialogueTest, BadLlmFlagsStopTheServiceWithAMessage) {
  ChildProcess p;
  ASSERT_TRUE(p.Start(Argv({"--llm_endpoint", "127.0.0.1:8080"}), dir_ + "/bad.log"));
  EXPECT_NE(p.Wait(), 0);
  EXPECT_NE(ReadFileOrEmpty(dir_ + "/bad.log").find("must start with http:// or https://"), std::string::npos);
  ChildProcess q;
  ASSERT_TRUE(q.Start(Argv({"--llm_endpoint", "http://127.0.0.1:1", "--llm_api_key_env", "CHATREC_NO_SUCH_KEY_VAR"}),
                      dir_ + "/bad2.log"));
  EXPECT_NE(q.Wait(), 0);
  EXPECT_NE(ReadFileOrEmpty(dir_ + "/bad2.log").find("CHATREC_NO_SUCH_KEY_VAR"), std::string::npos);
}

}  // namespace
}  // namespace chatrec::testing
