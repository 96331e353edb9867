// `chatrec bench feedback`: acknowledged durable events per second and latency of
// the real feedback server over gRPC on loopback, next to what RocksDB itself
// does on this machine in the same run (the anchor), so the ratio is the figure
// to trust on a noisy machine.
//
// Without --feedback it builds a temporary store (`chatrec import --kg_dir none`
// and `chatrec train --iterations 2`, run as child processes of this binary),
// starts build/bin/chatrec-feedback on it on a free port, and removes it at the end.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "chatrec/v1/feedback.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "libs/server/client.h"
#include "libs/storage/kv_store.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"

ABSL_FLAG(int, clients, 8, "bench feedback: concurrent clients, each one blocking Record call at a time");
ABSL_FLAG(double, seconds, 5, "bench feedback: how long the Record phase runs");
ABSL_FLAG(int, batch, 32, "bench feedback: events per Record call (1: one event per call)");
ABSL_FLAG(std::string, feedback, "", "bench feedback: HOST:PORT of a running server (default: start one)");
ABSL_FLAG(bool, sync, true, "bench feedback: start the server with --sync (acks wait for the synced WAL)");
ABSL_FLAG(int, state_clients, 1, "bench feedback: concurrent clients of the GetUserState phase");

namespace chatrec::cli {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

std::string SelfDir() { return fs::read_symlink("/proc/self/exe").parent_path().string(); }

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

int RunToEnd(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = Spawn(argv, log);
  if (pid < 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Same-run RocksDB anchor: synced single puts, and synced batches of 100 records
// of about an event's size, straight through KvStore in a temp dir.
struct Anchor {
  double single_puts_per_s = 0;
  double batch100_records_per_s = 0;
};

Anchor MeasureAnchor(const std::string& dir, double seconds) {
  Anchor a;
  auto kv = storage::KvStore::Open({.path = dir, .column_families = {"events"}, .sync = true});
  if (!kv.ok()) return a;
  const std::string value(64, 'e');
  int64_t n = 0;
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  auto start = Clock::now();
  while (Clock::now() < end) {
    if (!(*kv)->Put("events", absl::StrCat("single-", n), value).ok()) break;
    ++n;
  }
  a.single_puts_per_s = static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
  n = 0;
  start = Clock::now();
  end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    storage::KvStore::Batch batch;
    for (int i = 0; i < 100; ++i) batch.Put("events", absl::StrCat("batch-", n + i), value);
    if (!(*kv)->Write(batch).ok()) break;
    n += 100;
  }
  a.batch100_records_per_s = static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
  return a;
}

// CPU time and bytes written to disk by a process so far (Linux /proc; zeros elsewhere),
// to tell the cost of one event apart from the machine's speed.
struct ProcessUsage {
  double cpu_s = 0;
  double disk_write_bytes = 0;
};

ProcessUsage UsageOf(pid_t pid) {
  ProcessUsage u;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (std::getline(stat, line)) {
    // Fields after the command name, which is in parentheses and may hold spaces.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    u.cpu_s = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream io("/proc/" + std::to_string(pid) + "/io");
  std::string key;
  double value;
  while (io >> key >> value) {
    if (key == "write_bytes:") u.disk_write_bytes = value;
  }
  return u;
}

// A chatrec-feedback started on a temporary store, stopped with SIGTERM.
class LocalServer {
 public:
  ~LocalServer() { Stop(); }
  // Builds the store and starts the server; returns "HOST:PORT" or "" (reason on stderr).
  std::string Start(const std::string& dir, bool sync) {
    const std::string bin = SelfDir(), store = dir + "/store", log = dir + "/bench.log";
    std::fprintf(stderr, "building a temporary store in %s (import + train)...\n", dir.c_str());
    if (RunToEnd({bin + "/chatrec", "import", "--store_dir", store, "--data_dir", DataDir(), "--kg_dir", "none"},
                 log) != 0 ||
        RunToEnd({bin + "/chatrec", "train", "--store_dir", store, "--iterations", "2"}, log) != 0) {
      std::fprintf(stderr, "import/train failed; see %s\n", log.c_str());
      return "";
    }
    const std::string ready = dir + "/feedback.ready";
    pid_ = Spawn({bin + "/chatrec-feedback", "--store_dir", store, "--host", "127.0.0.1", "--port", "0",
                  "--metrics_port", "0", "--ready_file", ready, "--model_poll_ms", "0",
                  std::string("--sync=") + (sync ? "true" : "false")},
                 log);
    for (int i = 0; pid_ > 0 && i < 600; ++i) {
      std::ifstream in(ready);
      int port, metrics_port;
      if (in >> port >> metrics_port) return "127.0.0.1:" + std::to_string(port);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::fprintf(stderr, "chatrec-feedback did not start; see %s\n", log.c_str());
    return "";
  }
  pid_t pid() const { return pid_; }
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

struct RecordPhase {
  int64_t events = 0, calls = 0, errors = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::string first_error;
};

RecordPhase RunRecords(const std::string& target, int clients, double seconds, int batch) {
  RecordPhase out;
  std::mutex mu;
  const std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = v1::FeedbackService::NewStub(server::MakeChannel(target));
      std::mt19937_64 rng(c);
      std::vector<double> lat;
      int64_t events = 0, calls = 0, errors = 0, seq = 0;
      std::string first_error;
      while (!stop.load(std::memory_order_relaxed)) {
        v1::RecordRequest req;
        for (int i = 0; i < batch; ++i) {
          v1::Event* e = req.add_events();
          e->set_event_id(absl::StrCat("bench-", run, "-", c, "-", seq++));
          e->set_user_id(absl::StrCat("bench-c", c, "-u", rng() % 50));
          e->set_item_id(1 + static_cast<int64_t>(rng() % 1682));
          // Mostly impressions, as in the dialogue; a share of reactions that move u.
          const uint64_t r = rng() % 100;
          e->set_type(r < 70 ? v1::EVENT_TYPE_IMPRESSION : r < 85 ? v1::EVENT_TYPE_CLICK
                                                        : r < 95 ? v1::EVENT_TYPE_RATING
                                                                 : v1::EVENT_TYPE_LIKE);
          if (e->type() == v1::EVENT_TYPE_RATING) e->set_rating(static_cast<float>(1 + rng() % 5));
          e->set_source("bench");
        }
        v1::RecordResponse resp;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
        auto t0 = Clock::now();
        grpc::Status s = stub->Record(&ctx, req, &resp);
        auto t1 = Clock::now();
        ++calls;
        if (!s.ok()) {
          ++errors;
          if (first_error.empty()) first_error = s.error_message();
          continue;
        }
        lat.push_back(Ms(t1 - t0));
        events += resp.recorded() + resp.duplicates();
      }
      std::lock_guard<std::mutex> lock(mu);
      out.events += events;
      out.calls += calls;
      out.errors += errors;
      if (out.first_error.empty()) out.first_error = first_error;
      out.latencies_ms.insert(out.latencies_ms.end(), lat.begin(), lat.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return out;
}

// GetUserState latency for the users the Record phase wrote to and for imported
// users (whose statistics are rebuilt once per model version on first read:
// measured separately as `first_read`).
struct StatePhase {
  std::vector<double> first_read_ms, steady_ms;
  // The transport floor in the same run: a health Check on the same channel after every
  // 4th GetUserState (the cheapest RPC the server has).
  std::vector<double> floor_ms;
  int64_t errors = 0;
};

StatePhase RunStates(const std::string& target, int clients, int writer_clients, double seconds) {
  StatePhase out;
  auto stub = v1::FeedbackService::NewStub(server::MakeChannel(target));
  auto call = [&](v1::FeedbackService::Stub* st, const std::string& user, std::vector<double>* lat) {
    v1::GetUserStateRequest req;
    req.set_user_id(user);
    v1::UserState state;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto t0 = Clock::now();
    grpc::Status s = st->GetUserState(&ctx, req, &state);
    if (s.ok()) lat->push_back(Ms(Clock::now() - t0));
    return s.ok();
  };
  // First reads of 100 imported MovieLens users (if the store has them).
  for (int u = 1; u <= 100; ++u) {
    if (!call(stub.get(), std::to_string(u), &out.first_read_ms)) ++out.errors;
  }
  std::mutex mu;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto channel = server::MakeChannel(target);
      auto st = v1::FeedbackService::NewStub(channel);
      auto health = grpc::health::v1::Health::NewStub(channel);
      std::mt19937_64 rng(1000 + c);
      std::vector<double> lat, floor;
      int64_t errors = 0;
      for (int64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        if (n % 4 == 3) {
          grpc::health::v1::HealthCheckRequest hreq;
          grpc::health::v1::HealthCheckResponse hresp;
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
          auto t0 = Clock::now();
          if (health->Check(&ctx, hreq, &hresp).ok()) floor.push_back(Ms(Clock::now() - t0));
        }
        std::string user = rng() % 2 == 0 ? std::to_string(1 + rng() % 100)
                                          : absl::StrCat("bench-c", rng() % std::max(1, writer_clients), "-u",
                                                         rng() % 50);
        if (!call(st.get(), user, &lat)) ++errors;
      }
      std::lock_guard<std::mutex> lock(mu);
      out.steady_ms.insert(out.steady_ms.end(), lat.begin(), lat.end());
      out.floor_ms.insert(out.floor_ms.end(), floor.begin(), floor.end());
      out.errors += errors;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace

int BenchCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "feedback") {
    std::fprintf(stderr, "usage: chatrec bench feedback [--clients C] [--seconds S] [--batch B] [--feedback HOST:PORT] "
                         "[--sync=false] [--json]\n");
    return 2;
  }
  const int clients = absl::GetFlag(FLAGS_clients), batch = absl::GetFlag(FLAGS_batch);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  if (clients < 1 || clients > 1024 || batch < 1 || batch > 10000 || !(seconds > 0)) {
    std::fprintf(stderr, "--clients must be 1..1024, --batch 1..10000, --seconds > 0\n");
    return 2;
  }
  const fs::path dir = fs::temp_directory_path() / ("chatrec_bench_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);

  const Anchor anchor = MeasureAnchor((dir / "anchor").string(), std::min(2.0, seconds));
  fs::remove_all(dir / "anchor");

  LocalServer local;
  std::string target = absl::GetFlag(FLAGS_feedback);
  const bool external = !target.empty();
  if (!external) target = local.Start(dir.string(), absl::GetFlag(FLAGS_sync));
  if (target.empty()) return 1;

  const ProcessUsage server_before = external ? ProcessUsage{} : UsageOf(local.pid()), self_before = UsageOf(getpid());
  const RecordPhase rec = RunRecords(target, clients, seconds, batch);
  const ProcessUsage server_after = external ? ProcessUsage{} : UsageOf(local.pid()), self_after = UsageOf(getpid());
  const StatePhase st = RunStates(target, std::max(1, absl::GetFlag(FLAGS_state_clients)), clients,
                                  std::min(3.0, seconds));
  local.Stop();
  std::error_code ec;
  fs::remove_all(dir, ec);

  const double eps = static_cast<double>(rec.events) / rec.seconds;
  nlohmann::json j;
  j["clients"] = clients;
  j["seconds"] = rec.seconds;
  j["batch"] = batch;
  j["server"] = external ? target : "local";
  j["sync"] = absl::GetFlag(FLAGS_sync);  // with --feedback: what the caller says the server does
  j["durable"] = absl::GetFlag(FLAGS_sync);
  j["events_per_s"] = eps;
  j["acked_events_per_s"] = eps;
  j["calls_per_s"] = static_cast<double>(rec.calls - rec.errors) / rec.seconds;
  j["p50_ms"] = Percentile(rec.latencies_ms, 0.50);
  j["p99_ms"] = Percentile(rec.latencies_ms, 0.99);
  j["errors"] = rec.errors;
  if (!rec.first_error.empty()) j["first_error"] = rec.first_error;
  j["get_user_state_clients"] = std::max(1, absl::GetFlag(FLAGS_state_clients));
  j["get_user_state_calls"] = st.steady_ms.size();
  j["get_user_state_p50_ms"] = Percentile(st.steady_ms, 0.50);
  j["get_user_state_p99_ms"] = Percentile(st.steady_ms, 0.99);
  j["get_user_state_first_read_p50_ms"] = Percentile(st.first_read_ms, 0.50);
  j["get_user_state_first_read_p99_ms"] = Percentile(st.first_read_ms, 0.99);
  j["get_user_state_errors"] = st.errors;
  j["grpc_floor_p50_ms"] = Percentile(st.floor_ms, 0.50);  // health Check, same channel, same phase
  j["grpc_floor_p99_ms"] = Percentile(st.floor_ms, 0.99);
  // What one recorded event cost during the Record phase: the server's CPU and disk writes
  // (WAL, flushes, compactions; only for the server this command started) and this client's CPU.
  const double recorded = static_cast<double>(std::max<int64_t>(1, rec.events));
  if (!external) {
    j["server_cpu_us_per_event"] = (server_after.cpu_s - server_before.cpu_s) * 1e6 / recorded;
    j["server_disk_bytes_per_event"] = (server_after.disk_write_bytes - server_before.disk_write_bytes) / recorded;
  }
  j["client_cpu_us_per_event"] = (self_after.cpu_s - self_before.cpu_s) * 1e6 / recorded;
  j["anchor_rocksdb_synced_puts_per_s"] = anchor.single_puts_per_s;
  j["anchor_rocksdb_synced_batch100_records_per_s"] = anchor.batch100_records_per_s;
  j["ratio_to_synced_puts"] = anchor.single_puts_per_s > 0 ? eps / anchor.single_puts_per_s : 0;
  j["ratio_to_synced_batch100"] = anchor.batch100_records_per_s > 0 ? eps / anchor.batch100_records_per_s : 0;
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s\n", j.dump(2).c_str());
  }
  return rec.events > 0 ? 0 : 1;
}

}  // namespace chatrec::cli
