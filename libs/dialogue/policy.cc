#include "libs/dialogue/policy.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace chatrec::dialogue {
namespace {

constexpr const char* kAttributes[] = {"genre", "decade"};

bool Allowed(const catalog::Catalog& c, const v1::SessionState& s, int32_t row) {
  const auto& f = s.constraints();
  for (const auto& id : f.must_entities()) {
    if (!c.HasEntity(row, id)) return false;
  }
  for (const auto& id : f.must_not_entities()) {
    if (c.HasEntity(row, id)) return false;
  }
  int year = c.item(row).year();
  if (f.years().min_year() && year < f.years().min_year()) return false;
  if (f.years().max_year() && year > f.years().max_year()) return false;
  return true;
}

// The value of an attribute for an item: its first genre, or its decade.
std::string ValueOf(const catalog::Catalog& c, int32_t row, const std::string& attribute) {
  const auto& item = c.item(row);
  if (attribute == "decade") return item.year() ? absl::StrCat(item.year() / 10 * 10, "s") : "";
  for (const auto& f : item.facts()) {
    if (f.relation() == "genre") return f.entity_id();
  }
  return "";
}

std::map<std::string, int> Histogram(const catalog::Catalog& c, const v1::SessionState& s, const std::string& attribute) {
  std::map<std::string, int> counts;
  for (int32_t r = 0; r < c.size(); ++r) {
    if (!Allowed(c, s, r)) continue;
    std::string v = ValueOf(c, r, attribute);
    if (!v.empty()) counts[v] += 1;
  }
  return counts;
}

}  // namespace

double AttributeEntropy(const catalog::Catalog& c, const v1::SessionState& s, const std::string& attribute) {
  auto counts = Histogram(c, s, attribute);
  double total = 0, h = 0;
  for (const auto& [v, n] : counts) total += n;
  for (const auto& [v, n] : counts) {
    double p = n / total;
    h -= p * std::log2(p);
  }
  return h;
}

std::optional<v1::Question> ChooseQuestion(const catalog::Catalog& c, const v1::SessionState& s,
                                           bool user_has_history) {
  const auto& f = s.constraints();
  bool knows_something = f.must_entities_size() > 0 || f.must_not_entities_size() > 0 || f.years().min_year() ||
                         f.years().max_year() || s.preferences_size() > 0 || s.accepted_item_ids_size() > 0;
  if (knows_something || user_has_history) return std::nullopt;
  std::string best;
  double best_h = 0.5;  // below this, the answer would hardly narrow anything
  for (const char* a : kAttributes) {
    if (std::find(s.asked_attributes().begin(), s.asked_attributes().end(), a) != s.asked_attributes().end()) continue;
    double h = AttributeEntropy(c, s, a);
    if (h > best_h) {
      best_h = h;
      best = a;
    }
  }
  if (best.empty()) return std::nullopt;
  auto counts = Histogram(c, s, best);
  std::vector<std::pair<int, std::string>> by_count;
  for (const auto& [v, n] : counts) by_count.emplace_back(-n, v);
  std::sort(by_count.begin(), by_count.end());
  v1::Question q;
  q.set_attribute(best);
  std::vector<std::string> names;
  for (size_t i = 0; i < by_count.size() && i < 5; ++i) {
    std::string name = best == "genre" ? c.EntityName(by_count[i].second) : by_count[i].second;
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    names.push_back(name);
    q.add_options(name);
  }
  q.set_text(best == "genre"
                 ? absl::StrCat("What kind of movie are you in the mood for: ", absl::StrJoin(names, ", "),
                                ", or something else? A film you loved helps too.")
                 : absl::StrCat("Any period you prefer, say the ", absl::StrJoin(names, ", the "), "?"));
  return q;
}

}  // namespace chatrec::dialogue
