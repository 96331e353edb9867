#include "libs/common/progress.h"

#include <unistd.h>

#include <algorithm>

namespace chatrec {

Progress::Progress(std::string label, int64_t total, FILE* out)
    : label_(std::move(label)), total_(std::max<int64_t>(total, 1)), out_(out), tty_(isatty(fileno(out))) {}

Progress::~Progress() {
  if (!finished_) Finish();
}

void Progress::Update(int64_t done) {
  int permille = static_cast<int>(std::min<int64_t>(1000, done * 1000 / total_));
  if (tty_) {
    if (permille / 5 == last_permille_ / 5) return;
    constexpr int kWidth = 30;
    int filled = permille * kWidth / 1000;
    std::fprintf(out_, "\r%-18s [%.*s%*s] %5.1f%%", label_.c_str(), filled,
                 "##############################", kWidth - filled, "", permille / 10.0);
    std::fflush(out_);
  } else if (permille / 100 != last_permille_ / 100) {
    std::fprintf(out_, "%s: %d%%\n", label_.c_str(), permille / 10);
  }
  last_permille_ = permille;
}

void Progress::Finish(const std::string& summary) {
  if (finished_) return;
  finished_ = true;
  Update(total_);
  if (tty_) std::fprintf(out_, "\n");
  if (!summary.empty()) std::fprintf(out_, "%s: %s\n", label_.c_str(), summary.c_str());
}

}  // namespace chatrec
