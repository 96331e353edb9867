// Year expressions in user text: years, decades, ranges, comparisons, and the vague
// "old"/"recent" (see Understander for the definitions callers rely on).
#pragma once

#include <cstddef>
#include <vector>

#include "libs/nlu/tokenizer.h"

namespace chatrec::nlu {

// "old", "classic": films up to this year.
inline constexpr int kOldMaxYear = 1979;
// "recent", "new": films from the catalogue's newest year minus this many years.
inline constexpr int kRecentYears = 3;

struct YearExpression {
  size_t first = 0, last = 0;     // token range [first, last)
  int min_year = 0, max_year = 0; // 0 = open
  float confidence = 0;
  // A comparative ("newer", "more recent": +1; "older": -1) is relative to a film the user has in
  // mind when there is one ("I loved Dirty Dancing, something more recent"); the range above is for
  // when there is none.
  int relative = 0;
};

// Every year expression in `tokens`, left to right, not overlapping. `newest_year`
// anchors "recent" (0: "recent" is not recognised).
std::vector<YearExpression> FindYearExpressions(const std::vector<Token>& tokens, int newest_year);

}  // namespace chatrec::nlu
