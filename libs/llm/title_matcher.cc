#include "libs/llm/title_matcher.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/text.h"

namespace chatrec::llm {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsArticle(std::string_view w) { return w == "the" || w == "a" || w == "an"; }

bool IsYear(std::string_view w) {
  if (w.size() != 4 || !std::all_of(w.begin(), w.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return false;
  }
  int y = std::stoi(std::string(w));
  return y >= 1880 && y <= 2039;
}

std::vector<std::string> Words(std::string_view text) {
  std::string amp;
  amp.reserve(text.size());
  for (char c : text) {
    if (c == '&') {
      amp += " and ";
    } else {
      amp += c;
    }
  }
  return absl::StrSplit(NormalizeForMatch(amp), ' ', absl::SkipEmpty());
}

// "1.", "2)", "#3", "- ", "* ", "•", "**Title**", quotes: what an answer line wraps a title in.
std::string_view StripDecoration(std::string_view line) {
  auto strip_front = [&] {
    bool changed = true;
    while (changed) {
      changed = false;
      line = Trim(line);
      size_t digits = 0;
      while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
      if (digits > 0 && digits <= 3 && digits < line.size() && (line[digits] == '.' || line[digits] == ')' || line[digits] == ':')) {
        line.remove_prefix(digits + 1);
        changed = true;
      }
      for (std::string_view p : {"-", "*", "#", "\xe2\x80\xa2", "\xe2\x80\x93", "\"", "'", "`", "\xe2\x80\x9c", "_"}) {
        if (line.substr(0, p.size()) == p) {
          line.remove_prefix(p.size());
          changed = true;
        }
      }
    }
  };
  strip_front();
  return line;
}

}  // namespace

std::string TitleKey(std::string_view title, int* year) {
  std::vector<std::string> w = Words(title);
  if (year) *year = 0;
  if (!w.empty() && IsYear(w.back()) && w.size() > 1) {
    if (year) *year = std::stoi(w.back());
    w.pop_back();
  }
  if (w.size() > 1 && IsArticle(w.back())) w.pop_back();    // "Godfather, The"
  if (w.size() > 1 && IsArticle(w.front())) w.erase(w.begin());  // "The Godfather"
  return absl::StrJoin(w, " ");
}

TitleMatcher::TitleMatcher(const catalog::Catalog& catalog) {
  for (int32_t row = 0; row < catalog.size(); ++row) {
    const auto& item = catalog.item(row);
    std::vector<std::string> keys;
    for (const std::string& t : {item.title(), item.name()}) keys.push_back(TitleKey(t));
    for (const auto& a : item.aliases()) keys.push_back(TitleKey(a));
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const auto& k : keys) {
      if (k.empty()) continue;
      by_key_[k].push_back({item.id(), item.year(), item.popularity()});
      keys_by_id_[item.id()].push_back(k);
      max_words_ = std::max<size_t>(max_words_, std::count(k.begin(), k.end(), ' ') + 1);
    }
  }
}

const std::vector<TitleMatcher::Target>* TitleMatcher::Find(const std::string& key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &it->second;
}

int64_t TitleMatcher::Pick(const std::vector<Target>& targets, int year, const absl::flat_hash_set<int64_t>* prefer) const {
  if (prefer) {
    for (const auto& t : targets) {
      if (prefer->contains(t.id) && (year == 0 || t.year == year)) return t.id;
    }
    for (const auto& t : targets) {
      if (prefer->contains(t.id)) return t.id;
    }
  }
  if (year) {
    for (const auto& t : targets) {
      if (t.year == year) return t.id;
    }
  }
  return std::max_element(targets.begin(), targets.end(),
                          [](const Target& a, const Target& b) { return a.popularity < b.popularity; })
      ->id;
}

int64_t TitleMatcher::MatchLine(std::string_view raw, const absl::flat_hash_set<int64_t>* prefer) const {
  std::string_view line = StripDecoration(raw);
  if (line.empty()) return -1;
  // The whole line, then the part before a year in parentheses or a separator that starts an explanation.
  std::vector<std::string_view> tries = {line};
  size_t paren = line.find(" (");
  if (paren != std::string_view::npos && paren + 6 < line.size() + 1) {
    size_t close = line.find(')', paren);
    if (close != std::string_view::npos) tries.push_back(line.substr(0, close + 1));
    tries.push_back(line.substr(0, paren));
  }
  for (std::string_view sep : {" - ", " \xe2\x80\x93 ", " \xe2\x80\x94 ", ": ", " because ", ", a ", ", an ", " by ", "**"}) {
    size_t at = line.find(sep);
    if (at != std::string_view::npos && at > 0) tries.push_back(line.substr(0, at));
  }
  for (std::string_view t : tries) {
    int year = 0;
    std::string key = TitleKey(StripDecoration(t), &year);
    if (key.empty()) continue;
    if (const auto* targets = Find(key)) return Pick(*targets, year, prefer);
  }
  return -1;
}

std::vector<int64_t> TitleMatcher::MatchLines(std::string_view answer, const absl::flat_hash_set<int64_t>* allowed) const {
  std::vector<int64_t> out;
  absl::flat_hash_set<int64_t> seen;
  while (!answer.empty()) {
    size_t end = answer.find_first_of("\n;");
    std::string_view line = answer.substr(0, end);
    answer.remove_prefix(end == std::string_view::npos ? answer.size() : end + 1);
    int64_t id = MatchLine(line, allowed);
    if (id < 0 || (allowed && !allowed->contains(id)) || !seen.insert(id).second) continue;
    out.push_back(id);
  }
  return out;
}

absl::flat_hash_set<int64_t> TitleMatcher::TitlesInText(std::string_view text) const {
  absl::flat_hash_set<int64_t> found;
  std::vector<std::string> w = Words(text);
  size_t i = 0;
  while (i < w.size()) {
    size_t matched = 0;
    for (size_t n = std::min(max_words_, w.size() - i); n >= 1; --n) {
      std::string key = absl::StrJoin(w.begin() + i, w.begin() + i + n, " ");
      if (n == 1 && key.size() < 8) break;
      const auto* targets = Find(key);
      if (!targets) continue;
      int year = i + n < w.size() && IsYear(w[i + n]) ? std::stoi(w[i + n]) : 0;
      found.insert(Pick(*targets, year, nullptr));
      matched = n;
      break;
    }
    i += matched ? matched : 1;
  }
  return found;
}

bool TitleMatcher::TextMentions(std::string_view text, int64_t item_id) const {
  auto it = keys_by_id_.find(item_id);
  if (it == keys_by_id_.end()) return false;
  std::string padded = " " + absl::StrJoin(Words(text), " ") + " ";
  for (const auto& key : it->second) {
    if (padded.find(" " + key + " ") != std::string::npos) return true;
  }
  return false;
}

}  // namespace chatrec::llm
