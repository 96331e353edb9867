// A fixed pool of worker threads for handlers that block (the dialogue service
// waits on three downstream calls per turn and must not hold gRPC's callback threads).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace chatrec {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  // Runs the queued tasks, then joins the workers.
  ~ThreadPool();
  void Schedule(std::function<void()> task);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace chatrec
