#include "libs/dialogue/source_slots.h"

#include <deque>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace chatrec::dialogue {
namespace {

constexpr absl::string_view kPrefix = "CANDIDATE_SOURCE_";

std::string SourceName(v1::CandidateSource s) {
  return absl::AsciiStrToLower(absl::StripPrefix(v1::CandidateSource_Name(s), kPrefix));
}

}  // namespace

absl::StatusOr<std::vector<SourceSlots>> ParseSourceSlots(absl::string_view spec) {
  std::vector<SourceSlots> out;
  if (absl::StripAsciiWhitespace(spec).empty()) return out;
  for (absl::string_view part : absl::StrSplit(spec, ',')) {
    part = absl::StripAsciiWhitespace(part);
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(part, absl::MaxSplits(':', 1));
    v1::CandidateSource source;
    const std::string upper = absl::StrCat(kPrefix, absl::AsciiStrToUpper(absl::StripAsciiWhitespace(kv.first)));
    if (!v1::CandidateSource_Parse(upper, &source) || source == v1::CANDIDATE_SOURCE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat("source slots '", spec, "': unknown source '", kv.first,
                                                     "' (kg, item_item, vector, co_occurrence, popular, attribute, "
                                                     "trending, cold_start)"));
    }
    int every = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(kv.second), &every) || every < 1 || every > 1000) {
      return absl::InvalidArgumentError(
          absl::StrCat("source slots '", spec, "': '", part, "' needs places per slot 1..1000, as in kg:7"));
    }
    for (const SourceSlots& s : out) {
      if (s.source == source) {
        return absl::InvalidArgumentError(absl::StrCat("source slots '", spec, "': ", kv.first, " named twice"));
      }
    }
    out.push_back({source, every});
  }
  return out;
}

std::string SourceSlotsSpec(const std::vector<SourceSlots>& slots) {
  return absl::StrJoin(slots, ",", [](std::string* out, const SourceSlots& s) {
    absl::StrAppend(out, SourceName(s.source), ":", s.every);
  });
}

std::vector<size_t> OrderWithSlots(size_t n, const std::vector<int>& every,
                                   const std::vector<std::vector<size_t>>& picks) {
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
