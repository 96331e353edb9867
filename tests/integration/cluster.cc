#include "tests/integration/cluster.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "libs/catalog/catalog_store.h"
#include "libs/common/data_dir.h"
#include "libs/server/client.h"

namespace chatrec::testing {
namespace fs = std::filesystem;

std::string Cluster::DataDir() {
  const std::string dir = DataDirFromEnvironment();
  return fs::exists(dir + "/ml-100k/u.data") ? dir : "";
}

std::unique_ptr<Cluster> Cluster::Start(std::string* error) {
  std::unique_ptr<Cluster> c(new Cluster());
  const char* bin = std::getenv("CHATREC_BIN_DIR");
  c->bin_ = bin && *bin ? bin : "build/bin";
  c->dir_ = (fs::temp_directory_path() / ("chatrec_it_" + std::to_string(getpid()))).string();
  fs::remove_all(c->dir_);
  fs::create_directories(c->dir_);
  const std::string store = c->dir_ + "/store", log = c->dir_ + "/setup.log";
  if (RunCommand({c->bin_ + "/chatrec", "import", "--store_dir", store, "--data_dir", DataDir()}, log) != 0 ||
      RunCommand({c->bin_ + "/chatrec", "train", "--store_dir", store, "--iterations", "6"}, log) != 0) {
    *error = "import/train failed:\n" + ReadFileOrEmpty(log);
    return nullptr;
  }
  auto catalog = catalog::LoadCatalog(store + "/catalog");
  if (!catalog.ok()) {
    *error = catalog.status().ToString();
    return nullptr;
  }
  c->catalog_ = std::move(*catalog);
  if (!c->StartService("feedback", {}, error) ||
      !c->StartService("retrieval", {"--feedback", c->feedback_.address(), "--trending_refresh_ms", "200"}, error) ||
      !c->StartService("scoring", {}, error) ||
      !c->StartService("dialogue",
                       {"--feedback", c->feedback_.address(), "--retrieval", c->retrieval_.address(), "--scoring",
                        c->scoring_.address()},
                       error)) {
    return nullptr;
  }
  return c;
}

ServiceProcess& Cluster::service(const std::string& name) {
  if (name == "feedback") return feedback_;
  if (name == "retrieval") return retrieval_;
  if (name == "scoring") return scoring_;
  return dialogue_;
}

bool Cluster::StartService(const std::string& name, const std::vector<std::string>& extra, std::string* error) {
  ServiceProcess& s = service(name);
  std::string ready = dir_ + "/" + name + ".ready";
  std::vector<std::string> argv = {bin_ + "/chatrec-" + name, "--store_dir", dir_ + "/store", "--host", "127.0.0.1",
                                   "--port", "0", "--metrics_port", "0", "--ready_file", ready,
                                   "--grace_period_ms", "3000"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  if (!s.process.Start(argv, dir_ + "/" + name + ".log")) {
    *error = "cannot start chatrec-" + name;
    return false;
  }
  for (int i = 0; i < 600; ++i) {
    std::istringstream in(ReadFileOrEmpty(ready));
    if (in >> s.port >> s.metrics_port) return true;
    if (!s.process.Running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *error = "chatrec-" + name + " did not become ready:\n" + ReadFileOrEmpty(dir_ + "/" + name + ".log");
  return false;
}

std::unique_ptr<v1::DialogueService::Stub> Cluster::Dialogue() const {
  return v1::DialogueService::NewStub(server::MakeChannel(dialogue_.address()));
}
std::unique_ptr<v1::FeedbackService::Stub> Cluster::Feedback() const {
  return v1::FeedbackService::NewStub(server::MakeChannel(feedback_.address()));
}
std::unique_ptr<v1::RetrievalService::Stub> Cluster::Retrieval() const {
  return v1::RetrievalService::NewStub(server::MakeChannel(retrieval_.address()));
}
std::unique_ptr<v1::ScoringService::Stub> Cluster::Scoring() const {
  return v1::ScoringService::NewStub(server::MakeChannel(scoring_.address()));
}

bool Cluster::StopAll() {
  bool clean = true;
  // Front first, so no turn is cut off half-way by a stopped dependency.
  for (auto* s : {&dialogue_, &retrieval_, &scoring_, &feedback_}) {
    if (s->process.pid() > 0) clean = (s->process.Terminate() == 0) && clean;
  }
  return clean;
}

Cluster::~Cluster() {
  StopAll();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

namespace {

Cluster* g_cluster = nullptr;
std::string* g_error = nullptr;

class ClusterEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (g_cluster) {
      EXPECT_TRUE(g_cluster->StopAll()) << "a service did not exit cleanly on SIGTERM; see " << g_cluster->dir();
      delete g_cluster;
      g_cluster = nullptr;
    }
  }
};

}  // namespace

// Registered at start-up so that gtest tears it down after the last test.
::testing::Environment* const g_environment = ::testing::AddGlobalTestEnvironment(new ClusterEnvironment());

Cluster* SharedCluster() {  if (Cluster::DataDir().empty()) return nullptr;
  if (!g_cluster && !g_error) {
    std::string error;
    g_cluster = Cluster::Start(&error).release();
    if (!g_cluster) g_error = new std::string(error);
  }
  if (!g_cluster) ADD_FAILURE() << "cluster did not start: " << *g_error;
  return g_cluster;
}

void ClusterTest::SetUp() {
  if (Cluster::DataDir().empty()) GTEST_SKIP() << "no ml-100k under $CHATREC_DATA";
  cluster_ = SharedCluster();
  ASSERT_NE(cluster_, nullptr);
}

v1::ConverseResponse ClusterTest::Turn(const std::string& session, const std::string& user, const std::string& text) {
  v1::ConverseRequest req;
  req.set_session_id(session);
  req.set_user_id(user);
  req.set_text(text);
  v1::ConverseResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status s = cluster_->Dialogue()->Converse(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << text << ": " << s.error_message();
  return resp;
}

std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  (void)!write(fd, req.data(), req.size());
  std::string out;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, n);
  close(fd);
  return out;
}

}  // namespace chatrec::testing
