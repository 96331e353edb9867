#include "libs/common/time.h"

#include <chrono>

namespace chatrec {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override { return chatrec::NowMs(); }
};
}  // namespace

const Clock& Clock::System() {
  static const SystemClock clock;
  return clock;
}

}  // namespace chatrec
