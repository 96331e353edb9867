// The four real service binaries on free loopback ports over a temporary store,
// for integration tests. Imports MovieLens 100K and trains a small model first.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "chatrec/v1/dialogue.grpc.pb.h"
#include "chatrec/v1/feedback.grpc.pb.h"
#include "chatrec/v1/retrieval.grpc.pb.h"
#include "chatrec/v1/scoring.grpc.pb.h"
#include "libs/catalog/catalog.h"
#include "tests/integration/process.h"

namespace chatrec::testing {

struct ServiceProcess {
  ChildProcess process;
  int port = 0;
  int metrics_port = 0;
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
};

class Cluster {
 public:
  // Empty if the data set is missing (the caller skips), else the reason it failed.
  static std::string DataDir();
  // Builds the store under a fresh temp dir and starts every service; on failure
  // returns nullptr and sets *error.
  static std::unique_ptr<Cluster> Start(std::string* error);
  ~Cluster();

  std::unique_ptr<v1::DialogueService::Stub> Dialogue() const;
  std::unique_ptr<v1::FeedbackService::Stub> Feedback() const;
  std::unique_ptr<v1::RetrievalService::Stub> Retrieval() const;
  std::unique_ptr<v1::ScoringService::Stub> Scoring() const;
  const catalog::Catalog& catalog() const { return *catalog_; }
  ServiceProcess& service(const std::string& name);
  // Stops every service with SIGTERM; returns true if all exited with status 0.
  bool StopAll();
  const std::string& dir() const { return dir_; }

 private:
  bool StartService(const std::string& name, const std::vector<std::string>& extra, std::string* error);
  std::string dir_;
  std::string bin_;
  std::unique_ptr<catalog::Catalog> catalog_;
  ServiceProcess feedback_, retrieval_, scoring_, dialogue_;
};

// The cluster shared by every integration test of this process: started on first
// use, stopped (and checked for a clean exit) when the test program ends.
// nullptr if the data set is missing; fails the calling test if it cannot start.
Cluster* SharedCluster();

// Base fixture of the integration tests: skips when the data set is missing,
// otherwise hands out the shared cluster.
class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // One Converse turn (an empty session starts a new one); a failed call fails the test.
  v1::ConverseResponse Turn(const std::string& session, const std::string& user, const std::string& text);
  Cluster* cluster_ = nullptr;
};

// GET http://127.0.0.1:<port><path>; the whole response, headers included ("" on error).
std::string HttpGet(int port, const std::string& path);

}  // namespace chatrec::testing
