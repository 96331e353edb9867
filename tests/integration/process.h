// A child process started by a test and always stopped by it, by PID.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace chatrec::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Kills the process if it is still running.
  ~ChildProcess();

  // Starts argv[0] with stdout and stderr appended to `log_path`.
  bool Start(const std::vector<std::string>& argv, const std::string& log_path);
  // SIGTERM, then waits up to `timeout_ms`; returns the exit status (-1 if it had to be killed).
  int Terminate(int timeout_ms = 15000);
  // Waits for the process to exit; returns its exit code (128 + signal if killed).
  int Wait();
  // SIGKILL and reap.
  void Kill();
  bool Running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Runs a command to completion; returns its exit status, output appended to log_path.
int RunCommand(const std::vector<std::string>& argv, const std::string& log_path);

// Contents of a file ("" if missing).
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace chatrec::testing
