// A progress bar for long command-line steps (import, train). Draws in place on a
// terminal, prints a line every 10% otherwise (logs, CI).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace chatrec {

class Progress {
 public:
  Progress(std::string label, int64_t total, FILE* out = stderr);
  ~Progress();
  void Update(int64_t done);
  void Finish(const std::string& summary = "");

 private:
  std::string label_;
  int64_t total_;
  FILE* out_;
  bool tty_;
  int last_permille_ = -1;
  bool finished_ = false;
};

}  // namespace chatrec
