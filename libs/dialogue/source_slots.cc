#include "libs/dialogue/source_slots.h"

#include <deque>

namespace chatrec::dialogue {

std::vector<size_t> OrderWithSlots(size_t n, const std::vector<int>& every, const std::vector<std::vector<size_t>>& picks) {
  std::vector<bool> placed(n, false);
  std::vector<size_t> next_pick(every.size(), 0);
  std::deque<size_t> due;  // rules whose place has come, oldest first
  std::vector<size_t> order;
  order.reserve(n);
  size_t next = 0;  // next entry of the ranking not placed yet
  auto take = [&](size_t i) {
    placed[i] = true;
    order.push_back(i);
  };
  while (order.size() < n) {
    const size_t place = order.size() + 1;
    for (size_t r = 0; r < every.size(); ++r) {
      if (every[r] > 0 && place % static_cast<size_t>(every[r]) == 0) due.push_back(r);
    }
    bool filled = false;
    while (!due.empty() && !filled) {
      const size_t r = due.front();
      due.pop_front();
      const std::vector<size_t>& list = r < picks.size() ? picks[r] : std::vector<size_t>();
      while (next_pick[r] < list.size() && !filled) {
        const size_t i = list[next_pick[r]++];
        if (i < n && !placed[i]) take(i), filled = true;
      }
    }
    if (filled) continue;
    while (placed[next]) ++next;  // some entry is unplaced while order.size() < n
    take(next);
  }
  return order;
}

}  // namespace chatrec::dialogue
