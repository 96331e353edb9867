#include "libs/dialogue/policy.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/container/flat_hash_set.h"
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

// The attribute values by how many films have them, most common first (ties by value).
std::vector<std::string> MostCommon(const std::map<std::string, int>& counts, size_t limit) {
  std::vector<std::pair<int, std::string>> by_count;
  for (const auto& [v, n] : counts) by_count.emplace_back(-n, v);
  std::sort(by_count.begin(), by_count.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < by_count.size() && i < limit; ++i) out.push_back(by_count[i].second);
  return out;
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
  v1::Question q;
  q.set_attribute(best);
  std::vector<std::string> names;
  for (const auto& value : MostCommon(Histogram(c, s, best), 5)) {
    std::string name = best == "genre" ? c.EntityName(value) : value;
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

namespace {

// The values of a film for a follow-up attribute (empty: the film has none).
std::vector<std::string> ValuesOf(const catalog::Catalog& c, int32_t row, const std::string& attribute) {
  const auto& item = c.item(row);
  std::vector<std::string> out;
  if (attribute == "decade") {
    if (item.year()) out.push_back(absl::StrCat(item.year() / 10 * 10, "s"));
    return out;
  }
  const size_t cap = attribute == "starring" ? 3 : 1000;
  for (const auto& f : item.facts()) {
    if (f.relation() == attribute && out.size() < cap &&
        std::find(out.begin(), out.end(), f.entity_id()) == out.end()) {
      out.push_back(f.entity_id());
    }
  }
  return out;
}

bool Constrained(const v1::SessionState& s, const std::string& attribute) {
  const auto& f = s.constraints();
  if (attribute == "decade") return f.years().min_year() || f.years().max_year();
  for (const auto& id : f.must_entities()) {
    const bool genre = id.rfind("genre:", 0) == 0;
    if (attribute == "genre" ? genre : !genre) return true;  // one person wish at a time
  }
  return false;
}

}  // namespace

double ExpectedInformationGain(const catalog::Catalog& c, const std::vector<int32_t>& rows,
                               const std::string& attribute) {
  if (rows.empty()) return 0;
  std::map<std::string, double> p;  // answer -> probability
  double h_given_film = 0;
  const double w = 1.0 / rows.size();
  for (int32_t r : rows) {
    std::vector<std::string> v = ValuesOf(c, r, attribute);
    if (v.empty()) v.push_back("");  // "I don't mind"
    for (const auto& a : v) p[a] += w / v.size();
    h_given_film += w * std::log2(static_cast<double>(v.size()));
  }
  double h = 0;
  for (const auto& [a, q] : p) {
    if (q > 0) h -= q * std::log2(q);
  }
  return h - h_given_film;
}

std::vector<int32_t> RowsInPlay(const catalog::Catalog& c, const v1::SessionState& s) {
  absl::flat_hash_set<int64_t> gone(s.rejected_item_ids().begin(), s.rejected_item_ids().end());
  gone.insert(s.accepted_item_ids().begin(), s.accepted_item_ids().end());
  gone.insert(s.shown_item_ids().begin(), s.shown_item_ids().end());
  std::vector<int32_t> rows;
  for (int32_t r = 0; r < c.size(); ++r) {
    if (Allowed(c, s, r) && !gone.contains(c.item(r).id())) rows.push_back(r);
  }
  return rows;
}

std::optional<v1::Question> ChooseFollowUpQuestion(const catalog::Catalog& c, const v1::SessionState& s,
                                                   int min_candidates, const std::vector<std::string>& attributes) {
  const std::vector<int32_t> rows = RowsInPlay(c, s);
  if (static_cast<int>(rows.size()) < std::max(min_candidates, 2)) return std::nullopt;
  std::string best;
  double best_gain = 0.5;  // below this, the answer would hardly narrow anything
  const std::vector<std::string> all(std::begin(kFollowUpAttributes), std::end(kFollowUpAttributes));
  for (const std::string& a : attributes.empty() ? all : attributes) {
    if (std::find(all.begin(), all.end(), a) == all.end()) continue;
    if (std::find(s.asked_attributes().begin(), s.asked_attributes().end(), a) != s.asked_attributes().end()) continue;
    if (Constrained(s, a)) continue;
    const double gain = ExpectedInformationGain(c, rows, a);
    if (gain > best_gain) {
      best_gain = gain;
      best = a;
    }
  }
  if (best.empty()) return std::nullopt;
  std::map<std::string, int> counts;
  for (int32_t r : rows) {
    for (const auto& v : ValuesOf(c, r, best)) ++counts[v];
  }
  v1::Question q;
  q.set_attribute(best);
  std::vector<std::string> names;
  for (const auto& value : MostCommon(counts, best == "genre" || best == "decade" ? 5 : 3)) {
    std::string name = best == "decade" ? value : c.EntityName(value);
    if (best == "genre") std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    names.push_back(name);
    q.add_options(name);
  }
  const std::string say = names.size() > 1 ? absl::StrCat(absl::StrJoin(names.begin(), names.end() - 1, ", "), " or ",
                                                          names.back())
                                           : names.empty() ? "" : names[0];
  if (best == "genre") {
    q.set_text(absl::StrCat("To narrow it down: what kind of movie, say ", say, "?"));
  } else if (best == "decade") {
    q.set_text(absl::StrCat("To narrow it down: any period you prefer, say the ", say, "?"));
  } else if (best == "starring") {
    q.set_text(absl::StrCat("To narrow it down: an actor you'd like to see, say ", say, "?"));
  } else {
    q.set_text(absl::StrCat("To narrow it down: a director you like, say ", say, "?"));
  }
  return q;
}

}  // namespace chatrec::dialogue
