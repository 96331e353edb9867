// Crash safety of chatrec-feedback: the real binary under concurrent writers is
// killed with SIGKILL at random moments and restarted on the same store, round
// after round. At the end every acknowledged event must be stored exactly once,
// no event more than once, and the derived state (counters, the user vector u,
// per-item counters, co-occurrence counts) must be what the stored history implies.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "chatrec/v1/feedback.grpc.pb.h"
#include "libs/model/model_store.h"
#include "libs/model/user_encoder.h"
#include "libs/server/client.h"
#include "libs/events/event_store.h"
#include "tests/integration/cluster.h"
#include "tests/integration/process.h"

namespace chatrec::testing {
namespace {
namespace fs = std::filesystem;

constexpr int kRounds = 22;
constexpr int kWriters = 4;
constexpr int kUsersPerWriter = 3;
// Catalogue items the writers use (all in ML-100K).
const std::vector<int64_t> kItems = {1, 50, 56, 98, 100, 127, 174, 181, 258, 286};

std::string BinDir() {
  const char* bin = std::getenv("CHATREC_BIN_DIR");
  return bin && *bin ? bin : "build/bin";
}

// User k of writer w. Writer w's user 0 is the imported MovieLens user w+1, whose
// long history exercises the rebuild of model statistics under load.
std::string UserOf(int writer, int k) {
  return k == 0 ? std::to_string(writer + 1) : "crash-w" + std::to_string(writer) + "-u" + std::to_string(k);
}

// One writer's view of what it sent and what was acknowledged, across rounds.
struct Writer {
  int id = 0;
  std::mt19937_64 rng;
  int64_t next_seq = 0;
  std::optional<v1::RecordRequest> pending;       // sent, outcome unknown: re-sent first
  std::vector<v1::RecordRequest> acked_batches;   // re-sent now and then: must be all duplicates
  std::set<std::string> acked, attempted;         // event ids
  int64_t retries_of_acked = 0;
  std::vector<std::string> violations;

  v1::RecordRequest NewBatch() {
    v1::RecordRequest req;
    const int n = rng() % 4 == 0 ? 1 : 1 + static_cast<int>(rng() % 25);
    for (int i = 0; i < n; ++i) {
      v1::Event* e = req.add_events();
      e->set_event_id("crash-w" + std::to_string(id) + "-" + std::to_string(next_seq++));
      e->set_user_id(UserOf(id, static_cast<int>(rng() % kUsersPerWriter)));
      e->set_item_id(kItems[rng() % kItems.size()]);
      e->set_type(static_cast<v1::EventType>(1 + rng() % 8));
      if (e->type() == v1::EVENT_TYPE_RATING) e->set_rating(static_cast<float>(1 + rng() % 5));
      // Half with the server's clock, so a retry after a crash gets another timestamp
      // and only the event id can tell that it is the same event.
      if (rng() % 2 == 0) e->set_timestamp_ms(1700000000000 + next_seq);
      e->set_session_id("crash");
      e->set_source("crash-test");
      attempted.insert(e->event_id());
    }
    return req;
  }

  // Sends one batch: the pending one, an acknowledged one again, or a new one.
  // An error means the server is gone (or going): the batch stays pending.
  void SendOnce(v1::FeedbackService::Stub* stub) {
    v1::RecordRequest req;
    bool retry_of_acked = false;
    if (pending) {
      req = *pending;
    } else if (!acked_batches.empty() && rng() % 6 == 0) {
      req = acked_batches[rng() % acked_batches.size()];
      retry_of_acked = true;
    } else {
      req = NewBatch();
      pending = req;
    }
    v1::RecordResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status s = stub->Record(&ctx, req, &resp);
    if (!s.ok()) {
      if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT) violations.push_back("rejected: " + s.error_message());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      return;
    }
    if (resp.recorded() + resp.duplicates() != req.events_size()) {
      violations.push_back("recorded + duplicates != batch size");
    }
    if (retry_of_acked) {
      ++retries_of_acked;
      if (resp.recorded() != 0) violations.push_back("an acknowledged batch was recorded again: events were lost");
      return;
    }
    for (const auto& e : req.events()) acked.insert(e.event_id());
    acked_batches.push_back(req);
    pending.reset();
  }

  void Run(v1::FeedbackService::Stub* stub, const std::atomic<bool>& stop) {
    while (!stop.load()) SendOnce(stub);
  }
};

class FeedbackServer {
 public:
  explicit FeedbackServer(std::string dir) : dir_(std::move(dir)) {}
  // Starts chatrec-feedback on the store and waits until it serves; false if it does not.
  bool Start() {
    const std::string ready = dir_ + "/feedback.ready";
    fs::remove(ready);  // a killed server leaves the old one behind
    port_ = 0;
    // Every other run checkpoints every 25 events, so kills land before, during and after
    // checkpoints; the others never checkpoint, so a restart replays everything since.
    const std::string checkpoint_events = starts_++ % 2 == 0 ? "1000000" : "25";
    if (!process_.Start({BinDir() + "/chatrec-feedback", "--store_dir", dir_ + "/store", "--host", "127.0.0.1",
                         "--port", "0", "--metrics_port", "0", "--ready_file", ready, "--model_poll_ms", "0",
                         "--grace_period_ms", "1000", "--checkpoint_events", checkpoint_events},
                        dir_ + "/feedback.log")) {
      return false;
    }
    for (int i = 0; i < 400; ++i) {
      std::istringstream in(ReadFileOrEmpty(ready));
      int metrics_port;
      if (in >> port_ >> metrics_port) {
        stub_ = v1::FeedbackService::NewStub(server::MakeChannel("127.0.0.1:" + std::to_string(port_)));
        return true;
      }
      if (!process_.Running()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }
  void Kill() { process_.Kill(); }
  int Terminate() { return process_.Terminate(); }
  v1::FeedbackService::Stub* stub() { return stub_.get(); }

 private:
  std::string dir_;
  ChildProcess process_;
  int port_ = 0;
  int starts_ = 0;
  std::unique_ptr<v1::FeedbackService::Stub> stub_;
};

std::vector<v1::Event> FullHistory(v1::FeedbackService::Stub* stub, const std::string& user) {
  std::vector<v1::Event> out;
  std::string token;
  do {
    v1::GetHistoryRequest req;
    req.set_user_id(user);
    req.set_page_size(97);
    req.set_page_token(token);
    v1::GetHistoryResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status s = stub->GetHistory(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) break;
    out.insert(out.end(), resp.events().begin(), resp.events().end());
    token = resp.next_page_token();
  } while (!token.empty());
  return out;
}

v1::ItemSignals Signals(v1::FeedbackService::Stub* stub, int64_t item) {
  v1::GetItemSignalsRequest req;
  req.set_item_id(item);
  v1::ItemSignals resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status s = stub->GetItemSignals(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

using CoCounts = std::map<int64_t, std::map<int64_t, int64_t>>;  // item -> neighbour -> count

// The co-occurrence counts of kItems in the store, opened read-only while no server runs.
CoCounts StoredCoOccurrences(const std::string& store_dir) {
  CoCounts out;
  auto store = events::EventStore::Open({.path = store_dir + "/feedback", .read_only = true});
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return out;
  for (int64_t item : kItems) {
    auto co = (*store)->GetCoOccurrences(item, -1);
    EXPECT_TRUE(co.ok()) << co.status();
    for (const events::CoOccurrence& c : co.ok() ? *co : std::vector<events::CoOccurrence>{}) {
      out[item][c.item_id] = c.count;
    }
  }
  return out;
}

// The writer's sequence number in an event id "crash-w<w>-<seq>": a user's events arrive in this
// order (a writer sends one batch at a time and re-sends an unsettled one before any new one).
int64_t SeqOf(const std::string& event_id) { return std::stoll(event_id.substr(event_id.rfind('-') + 1)); }

TEST(FeedbackCrashTest, AcknowledgedEventsSurviveSigkillExactlyOnce) {
  if (Cluster::DataDir().empty()) GTEST_SKIP() << "no ml-100k under $CHATREC_DATA";
  const std::string dir = (fs::temp_directory_path() / ("chatrec_crash_" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string log = dir + "/setup.log";
  ASSERT_EQ(RunCommand({BinDir() + "/chatrec", "import", "--store_dir", dir + "/store", "--data_dir",
                        Cluster::DataDir(), "--kg_dir", "none"},
                       log),
            0)
      << ReadFileOrEmpty(log);
  ASSERT_EQ(RunCommand({BinDir() + "/chatrec", "train", "--store_dir", dir + "/store", "--iterations", "2"}, log), 0)
      << ReadFileOrEmpty(log);

  std::random_device seed_source;
  const uint64_t seed = seed_source();
  SCOPED_TRACE("seed " + std::to_string(seed));  // to replay a failure's schedule
  std::mt19937_64 rng(seed);
  std::vector<Writer> writers(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers[w].id = w;
    writers[w].rng.seed(seed + 1 + w);
  }

  const CoCounts co_before = StoredCoOccurrences(dir + "/store");
  FeedbackServer server(dir);
  std::map<int64_t, v1::ItemSignals> before;
  std::map<std::string, std::vector<int64_t>> liked_before;  // user -> liked items, most recent first
  for (int round = 0; round < kRounds; ++round) {
    ASSERT_TRUE(server.Start()) << "round " << round << ":\n" << ReadFileOrEmpty(dir + "/feedback.log");
    if (round == 0) {
      for (int64_t item : kItems) before[item] = Signals(server.stub(), item);
      for (const auto& w : writers) {
        for (int k = 0; k < kUsersPerWriter; ++k) {
          v1::GetUserStateRequest req;
          req.set_user_id(UserOf(w.id, k));
          v1::UserState state;
          grpc::ClientContext ctx;
          ASSERT_TRUE(server.stub()->GetUserState(&ctx, req, &state).ok());
          liked_before[req.user_id()].assign(state.liked_item_ids().begin(), state.liked_item_ids().end());
        }
      }
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (auto& w : writers) threads.emplace_back([&w, &server, &stop] { w.Run(server.stub(), stop); });
    // A reader too, so that rebuilding the imported users' statistics races with appends and kills.
    threads.emplace_back([&server, &stop, round] {
      for (int i = 0; !stop.load(); ++i) {
        v1::GetUserStateRequest req;
        req.set_user_id(UserOf((round + i) % kWriters, 0));
        v1::UserState state;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        if (!server.stub()->GetUserState(&ctx, req, &state).ok()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 300));
    server.Kill();  // SIGKILL: no drain, no flush
    stop = true;
    for (auto& t : threads) t.join();
  }

  // One last clean run to read everything back.
  ASSERT_TRUE(server.Start()) << ReadFileOrEmpty(dir + "/feedback.log");
  for (auto& w : writers) {
    // Whatever was in flight at the last kill is settled now.
    for (int attempt = 0; w.pending && attempt < 100; ++attempt) w.SendOnce(server.stub());
    EXPECT_FALSE(w.pending) << "writer " << w.id << " could not settle its last batch";
  }

  int64_t total_acked = 0, total_retries = 0;
  std::map<int64_t, std::pair<int64_t, int64_t>> item_counts;  // item -> (events, positives) by the test
  std::map<std::string, std::vector<v1::Event>> histories;
  std::map<std::string, v1::UserState> states;
  for (auto& w : writers) {
    for (const auto& v : w.violations) ADD_FAILURE() << "writer " << w.id << ": " << v;
    total_acked += static_cast<int64_t>(w.acked.size());
    total_retries += w.retries_of_acked;
    std::map<std::string, int> seen;
    for (int k = 0; k < kUsersPerWriter; ++k) {
      const std::string user = UserOf(w.id, k);
      histories[user] = FullHistory(server.stub(), user);
      for (const auto& e : histories[user]) {
        if (e.source() != "crash-test") continue;  // the imported ratings of ML users
        ++seen[e.event_id()];
        EXPECT_TRUE(w.attempted.count(e.event_id())) << e.event_id() << " was never sent";
        item_counts[e.item_id()].first += 1;
        item_counts[e.item_id()].second += events::IsPositiveEvent(e) ? 1 : 0;
      }
      v1::GetUserStateRequest req;
      req.set_user_id(user);
      grpc::ClientContext ctx;
      ASSERT_TRUE(server.stub()->GetUserState(&ctx, req, &states[user]).ok());
    }
    for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id << " is stored " << n << " times";
    for (const auto& id : w.acked) EXPECT_EQ(seen.count(id), 1u) << "acknowledged event " << id << " is missing";
  }
  std::printf("%d rounds, %lld events acknowledged, %lld acknowledged batches re-sent, seed %llu\n", kRounds,
              static_cast<long long>(total_acked), static_cast<long long>(total_retries),
              static_cast<unsigned long long>(seed));
  EXPECT_GT(total_acked, kRounds) << "too little load to prove anything";
  EXPECT_GT(total_retries, 0);

  // Per-item counters moved by exactly the stored events.
  for (int64_t item : kItems) {
    v1::ItemSignals after = Signals(server.stub(), item);
    EXPECT_EQ(after.events() - before[item].events(), item_counts[item].first) << "item " << item;
    EXPECT_EQ(after.positives() - before[item].positives(), item_counts[item].second) << "item " << item;
  }
  EXPECT_EQ(server.Terminate(), 0);

  // Co-occurrence counts moved by exactly the pairs the stored events made, in the order they
  // arrived: each positive event with its user's latest kCoWindow other liked items.
  CoCounts expected;
  for (const auto& [user, history] : histories) {
    std::vector<v1::Event> ours;
    for (const auto& e : history) {
      if (e.source() == "crash-test") ours.push_back(e);
    }
    std::sort(ours.begin(), ours.end(),
              [](const v1::Event& a, const v1::Event& b) { return SeqOf(a.event_id()) < SeqOf(b.event_id()); });
    google::protobuf::RepeatedField<int64_t> liked(liked_before[user].begin(), liked_before[user].end());
    for (const auto& e : ours) {
      if (!events::IsPositiveEvent(e)) continue;
      int n = 0;
      for (int64_t other : liked) {
        if (n == events::EventStore::kCoWindow) break;
        if (other == e.item_id()) continue;
        ++n;
        expected[e.item_id()][other] += 1;
        expected[other][e.item_id()] += 1;
      }
      events::PushRecent(&liked, e.item_id(), 50);
    }
  }
  const CoCounts co_after = StoredCoOccurrences(dir + "/store");
  for (int64_t item : kItems) {
    std::set<int64_t> neighbours;
    for (const CoCounts* counts : std::initializer_list<const CoCounts*>{&co_before, &co_after, &expected}) {
      if (auto it = counts->find(item); it != counts->end()) {
        for (const auto& [neighbour, n] : it->second) neighbours.insert(neighbour);
      }
    }
    auto count = [](const CoCounts& counts, int64_t a, int64_t b) -> int64_t {
      auto it = counts.find(a);
      if (it == counts.end()) return 0;
      auto jt = it->second.find(b);
      return jt == it->second.end() ? 0 : jt->second;
    };
    for (int64_t neighbour : neighbours) {
      EXPECT_EQ(count(co_after, item, neighbour) - count(co_before, item, neighbour), count(expected, item, neighbour))
          << "co-occurrences of items " << item << " and " << neighbour;
    }
  }

  // Per-user counters and u are what the stored history implies.
  auto model = model::LoadModel(dir + "/store/model");
  ASSERT_TRUE(model.ok()) << model.status();
  for (const auto& [user, history] : histories) {
    const v1::UserState& state = states[user];
    EXPECT_EQ(state.event_count(), static_cast<int64_t>(history.size())) << user;
    std::map<std::string, int64_t> by_type;
    internal::UserSummary stats;
    model::ResetStatistics(**model, &stats);
    for (const auto& e : history) {
      by_type[v1::EventType_Name(e.type())] += 1;
      auto signal = model::SignalOf(e.type(), e.rating());
      int32_t row = (*model)->RowOf(e.item_id());
      if (signal && row >= 0) model::Accumulate(**model, row, *signal, &stats);
    }
    const std::map<std::string, int64_t> stored(state.counts_by_type().begin(), state.counts_by_type().end());
    EXPECT_EQ(stored, by_type) << user;
    std::vector<float> u = model::EncodeUser(**model, stats);
    ASSERT_EQ(state.vector_size(), static_cast<int>(u.size())) << user;
    float scale = 1;
    for (float x : u) scale = std::max(scale, std::abs(x));
    for (size_t i = 0; i < u.size(); ++i) {
      EXPECT_NEAR(state.vector(static_cast<int>(i)), u[i], 2e-3f * scale) << user << " u[" << i << "]";
    }
  }
  if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace chatrec::testing
