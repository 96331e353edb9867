#include "libs/nlu/years.h"

#include <charconv>
#include <string>
#include <string_view>

#include "libs/nlu/word_lists.h"

namespace chatrec::nlu {
namespace {

struct Point {
  size_t first = 0, last = 0;
  int lo = 0, hi = 0;
  bool decade = false;
};

int ToInt(std::string_view s) {
  int v = -1;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return (ec == std::errc() && p == s.data() + s.size()) ? v : -1;
}

// 1990 for "1990s", "90s", "nineties"; -1 otherwise.
int DecadeStart(std::string_view w) {
  static constexpr std::pair<std::string_view, int> kWords[] = {
      {"twenties", 1920}, {"thirties", 1930}, {"forties", 1940}, {"fifties", 1950},
      {"sixties", 1960},  {"seventies", 1970}, {"eighties", 1980}, {"nineties", 1990}};
  for (const auto& [word, year] : kWords) {
    if (w == word) return year;
  }
  if (w.size() < 3 || w.back() != 's') return -1;
  int v = ToInt(w.substr(0, w.size() - 1));
  if (v < 0 || v % 10 != 0) return -1;
  if (w.size() == 5 && v >= 1900 && v <= 2030) return v;
  if (w.size() == 3) return v >= 20 ? 1900 + v : 2000 + v;
  return -1;
}

bool Is(const std::vector<Token>& t, size_t i, std::string_view w) { return i < t.size() && t[i].norm == w; }
bool IsBefore(const std::vector<Token>& t, size_t i, size_t back, std::string_view w) {
  return i >= back && t[i - back].norm == w;
}

// A year or a decade at `i` ("1994", "the 90s", "early eighties").
bool ParsePoint(const std::vector<Token>& t, size_t i, Point* p) {
  if (i >= t.size()) return false;
  const Token& tok = t[i];
  p->first = i;
  p->last = i + 1;
  int decade = DecadeStart(tok.norm);
  if (decade > 0) {
    // "in my 20s" is an age.
    for (std::string_view pron : {"my", "our", "your", "his", "her", "their"}) {
      if (IsBefore(t, i, 1, pron)) return false;
    }
    p->lo = decade;
    p->hi = decade + 9;
    p->decade = true;
    if (i >= 1) {
      const std::string& m = t[i - 1].norm;
      if (m == "early") p->hi = decade + 3;
      if (m == "mid" || m == "middle") p->lo = decade + 3, p->hi = decade + 6;
      if (m == "late") p->lo = decade + 6;
      if (m == "early" || m == "mid" || m == "middle" || m == "late") p->first = i - 1;
    }
    if (IsBefore(t, p->first, 1, "the")) --p->first;
    return true;
  }
  if (!tok.is_number || tok.norm.size() != 4 || tok.after_hash) return false;
  int y = ToInt(tok.norm);
  if (y < 1900 || y > 2039) return false;
  if (IsBefore(t, i, 1, "number") || IsBefore(t, i, 1, "top") || IsBefore(t, i, 1, "no")) return false;
  p->lo = p->hi = y;
  return true;
}

// Whether the vague age word at i describes something already named rather than a wish: a
// predicate after a copula or a pronoun in the same clause ("it's a bit old", "oh that's a classic",
// "those are classic too"), a film singled out by "the" ("the new one", "the latest Insidious", "the
// more recent ones"), a person's age ("18 months old") or a greeting ("happy new year"), or a word
// standing alone as a reply ("Classic, loved it."). A wish frame in the same clause before it keeps
// it a wish: "something a bit older", "anything modern", "I'm more into classics", "I prefer modern ones".
bool DescribesSomethingNamed(const std::vector<Token>& t, size_t i) {
  if (Is(t, i + 1, "year") || Is(t, i + 1, "years")) return true;  // "happy new year", "new years eve"
  const std::string& w = t[i].norm;
  if ((w == "old" || w == "older") && i > 0) {
    const std::string& unit = t[i - 1].norm;
    if (t[i - 1].is_number || unit == "months" || unit == "month" || unit == "weeks" || unit == "week" ||
        unit == "years" || unit == "year" || unit == "yr" || unit == "yrs") {
      return true;  // "18 months old"
    }
  }
  // "the new one", "the more recent ones": a film singled out.
  if (IsBefore(t, i, 1, "the") ||
      ((IsBefore(t, i, 1, "more") || IsBefore(t, i, 1, "most")) && IsBefore(t, i, 2, "the"))) {
    return true;
  }
  if (DescribesAFilmNamed(t, i, /*copulas_count=*/true)) return true;
  // Alone in the first clause of a longer reply: "Classic, loved it." (a reply of the word alone,
  // "newer", answers a question and stays a wish).
  return i == 0 && i + 1 < t.size() && t[i + 1].clause_break_before;
}

}  // namespace

std::vector<YearExpression> FindYearExpressions(const std::vector<Token>& t, int newest_year) {
  std::vector<YearExpression> out;
  size_t i = 0;
  while (i < t.size()) {
    Point p;
    if (!ParsePoint(t, i, &p)) {
      // Vague ages: "something older", "a classic", "recent films".
      const std::string& w = t[i].norm;
      bool than = Is(t, i + 1, "than");
      bool age = IsBefore(t, i, 1, "year") || IsBefore(t, i, 1, "years") || IsBefore(t, i, 1, "yr");
      YearExpression e{i, i + 1, 0, 0, 0};
      const bool vague = w == "old" || w == "older" || w == "oldie" || w == "oldies" || w == "classic" ||
                         w == "classics" || w == "vintage" || w == "recent" || w == "newer" || w == "newest" ||
                         w == "latest" || w == "modern" || w == "contemporary" || w == "new";
      if (vague && DescribesSomethingNamed(t, i)) {
        ++i;
        continue;
      }
      if ((w == "old" || w == "older" || w == "oldie" || w == "oldies" || w == "classic" || w == "classics" ||
           w == "vintage") && !than && !age) {
        e.max_year = kOldMaxYear;
        e.confidence = w == "classic" || w == "classics" ? 0.6f : 0.7f;
        if (w == "older") e.relative = -1;
      } else if (newest_year > 0 && !than &&
                 (w == "recent" || w == "newer" || w == "newest" || w == "latest" || w == "modern" ||
                  w == "contemporary" || (w == "new" && !Is(t, i + 1, "york") && !Is(t, i + 1, "to")))) {
        e.min_year = newest_year - kRecentYears;
        e.confidence = w == "new" ? 0.5f : 0.7f;
        if (w == "newer" || ((w == "recent" || w == "modern") && IsBefore(t, i, 1, "more"))) e.relative = 1;
      }
      if (e.confidence > 0) out.push_back(e);
      ++i;
      continue;
    }
    YearExpression e{p.first, p.last, p.lo, p.hi, 0.95f};
    // Ranges: "between 1990 and 1995", "from 1990 to 1995", "1990-1995", "80s to 90s".
    Point q;
    size_t j = p.last;
    bool between = IsBefore(t, p.first, 1, "between");
    if ((Is(t, j, "to") || Is(t, j, "through") || Is(t, j, "thru") || Is(t, j, "till") || Is(t, j, "until") ||
         (between && Is(t, j, "and"))) &&
        (ParsePoint(t, j + 1, &q) || (Is(t, j + 1, "the") && ParsePoint(t, j + 2, &q))) && q.hi >= p.lo) {
      e.max_year = q.hi;
      e.last = q.last;
    } else if (!p.decade && ParsePoint(t, j, &q) && !q.decade && q.lo > p.lo && !t[j].clause_break_before) {
      e.max_year = q.hi;  // "1990-1995": the hyphen is a separator
      e.last = q.last;
    } else {
      // Comparisons before the point.
      size_t b = e.first;
      auto before = [&](std::string_view w) { return IsBefore(t, b, 1, w); };
      auto than = [&](std::initializer_list<std::string_view> words) {
        if (!before("than")) return false;
        for (auto w : words) {
          if (IsBefore(t, b, 2, w)) return true;
        }
        return false;
      };
      if (before("after") || before("post") || than({"newer", "later", "recent", "younger"})) {
        e.min_year = p.hi + 1, e.max_year = 0;
      } else if (before("since")) {
        e.min_year = p.lo, e.max_year = 0;
      } else if (before("before") || before("pre") || than({"older", "earlier"}) ||
                 (before("to") && IsBefore(t, b, 2, "prior"))) {
        e.min_year = 0, e.max_year = p.lo - 1;
      } else if (before("until") || before("till") || (before("to") && IsBefore(t, b, 2, "up"))) {
        e.min_year = 0, e.max_year = p.hi;
      }
      // ... or after it: "1995 or later", "1995 onwards", "1980 or earlier".
      size_t a = e.last;
      bool or_and = Is(t, a, "or") || Is(t, a, "and");
      if (Is(t, a, "onwards") || Is(t, a, "onward") ||
          (or_and && (Is(t, a + 1, "later") || Is(t, a + 1, "newer") || Is(t, a + 1, "after") ||
                      Is(t, a + 1, "up")))) {
        e.min_year = p.lo, e.max_year = 0;
        e.last = Is(t, a, "onwards") || Is(t, a, "onward") ? a + 1 : a + 2;
      } else if (or_and && (Is(t, a + 1, "earlier") || Is(t, a + 1, "older") || Is(t, a + 1, "before"))) {
        e.min_year = 0, e.max_year = p.hi;
        e.last = a + 2;
      }
    }
    out.push_back(e);
    i = e.last;
  }
  return out;
}

}  // namespace chatrec::nlu
