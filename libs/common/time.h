// Clock access that tests can replace.
#pragma once

#include <cstdint>

namespace chatrec {

// Milliseconds since the Unix epoch, from the system clock.
int64_t NowMs();

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
  static const Clock& System();
};

}  // namespace chatrec
