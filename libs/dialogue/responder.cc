#include "libs/dialogue/responder.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace chatrec::dialogue {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::vector<std::string> FactEntities(const catalog::ItemRecord& item, const std::string& relation, size_t max) {
  std::vector<std::string> out;
  for (const auto& f : item.facts()) {
    if (f.relation() == relation && out.size() < max) out.push_back(f.entity_id());
  }
  return out;
}

std::string Names(const catalog::Catalog& c, const std::vector<std::string>& ids) {
  std::vector<std::string> names;
  for (const auto& id : ids) names.push_back(c.EntityName(id));
  if (names.size() <= 1) return absl::StrJoin(names, "");
  std::string last = names.back();
  names.pop_back();
  return absl::StrCat(absl::StrJoin(names, ", "), " and ", last);
}

// How a shared KG relation reads in a sentence.
std::string PathPhrase(const std::string& relation, const std::string& who, const std::string& liked) {
  if (relation == "director") return absl::StrCat("directed by ", who, ", like ", liked);
  if (relation == "starring") return absl::StrCat("with ", who, ", as in ", liked);
  if (relation == "writer") return absl::StrCat("written by ", who, ", like ", liked);
  if (relation == "producer") return absl::StrCat("produced by ", who, ", like ", liked);
  if (relation == "cinematography") return absl::StrCat("shot by ", who, ", like ", liked);
  if (relation == "subject") return absl::StrCat("also one of the ", who, ", like ", liked);
  if (relation == "genre") return absl::StrCat("also a ", Lower(who), ", like ", liked);
  return absl::StrCat("linked to ", liked, " through ", who);
}

// "a comedy", "an action film": the indefinite article for a word.
std::string WithArticle(const std::string& words) {
  bool vowel = !words.empty() && std::string("aeiouAEIOU").find(words[0]) != std::string::npos;
  return absl::StrCat(vowel ? "an " : "a ", words);
}

// "comedy / romance / war", or "" when the KG has no genre for the item.
std::string GenreWords(const catalog::Catalog& c, const catalog::ItemRecord& item) {
  std::vector<std::string> genres;
  for (const auto& g : FactEntities(item, "genre", 5)) genres.push_back(Lower(c.EntityName(g)));
  return absl::StrJoin(genres, " / ");
}

}  // namespace

v1::Item ItemCard(const catalog::Catalog& c, int32_t row) {
  const auto& item = c.item(row);
  v1::Item card;
  card.set_id(item.id());
  card.set_title(item.name());
  card.set_year(item.year());
  for (const auto& f : item.facts()) {
    if (f.relation() == "genre") card.add_genres(c.EntityName(f.entity_id()));
  }
  for (const char* rel : {"director", "starring"}) {
    for (const auto& id : FactEntities(item, rel, rel == std::string("director") ? 1 : 3)) {
      auto* p = card.add_people();
      p->set_id(id);
      p->set_name(c.EntityName(id));
      p->set_type(v1::ENTITY_TYPE_PERSON);
    }
  }
  return card;
}

std::string DescribeConstraints(const catalog::Catalog& c, const v1::Filters& f) {
  std::vector<std::string> genres, people;
  for (const auto& id : f.must_entities()) {
    (id.rfind("genre:", 0) == 0 ? genres : people).push_back(id);
  }
  std::string out;
  const int lo = f.years().min_year(), hi = f.years().max_year();
  if (lo && hi && lo % 10 == 0 && hi == lo + 9) {
    out = absl::StrCat(lo, "s ");
  } else if (lo && hi && lo == hi) {
    out = absl::StrCat(lo, " ");
  }
  std::vector<std::string> genre_names;
  for (const auto& g : genres) genre_names.push_back(Lower(c.EntityName(g)));
  absl::StrAppend(&out, genre_names.empty() ? "movies" : absl::StrCat(absl::StrJoin(genre_names, " "), " movies"));
  if (!people.empty()) absl::StrAppend(&out, " with ", Names(c, people));
  if (lo && hi && !(lo % 10 == 0 && hi == lo + 9) && lo != hi) absl::StrAppend(&out, " from ", lo, " to ", hi);
  if (lo && !hi) absl::StrAppend(&out, " from ", lo, " on");
  if (!lo && hi) absl::StrAppend(&out, " up to ", hi);
  if (!f.must_not_entities().empty()) {
    std::vector<std::string> no;
    for (const auto& id : f.must_not_entities()) no.push_back(id.rfind("genre:", 0) == 0 ? Lower(c.EntityName(id)) : c.EntityName(id));
    absl::StrAppend(&out, " (no ", absl::StrJoin(no, " or "), ")");
  }
  return out;
}

std::vector<v1::Reason> ReasonsFor(const catalog::Catalog& c, const v1::SessionState& state, int32_t row,
                                   const v1::ScoreBreakdown& b, const std::vector<int64_t>& history_likes) {
  std::vector<v1::Reason> reasons;
  const auto& item = c.item(row);

  // 1. KG paths to titles liked in this session, then to titles rated highly before.
  struct Liked {
    int64_t id;
    bool in_session;
  };
  std::vector<Liked> liked;
  for (const auto& p : state.preferences()) {
    int64_t id = catalog::ItemIdFromEntity(p.entity_id());
    if (id >= 0 && p.weight() > 0) liked.push_back({id, true});
  }
  for (int64_t id : history_likes) liked.push_back({id, false});
  static const std::vector<std::string> kRelations = {"director", "writer", "starring", "producer"};
  for (const auto& rel : kRelations) {
    if (!reasons.empty()) break;
    for (const auto& l : liked) {
      int32_t lrow = c.RowOf(l.id);
      if (lrow < 0 || lrow == row) continue;
      for (const auto& f : item.facts()) {
        if (f.relation() != rel || !c.HasEntity(lrow, f.entity_id())) continue;
        // A person the request already required is said by the request reason.
        const auto& must = state.constraints().must_entities();
        if (std::find(must.begin(), must.end(), f.entity_id()) != must.end()) continue;
        v1::Reason r;
        r.set_kind(v1::REASON_KIND_KG_PATH);
        std::string liked_name = c.item(lrow).name();
        std::string suffix = l.in_session ? ", which you loved" : ", which you liked before";
        r.set_text(PathPhrase(rel, c.EntityName(f.entity_id()), liked_name + suffix));
        *r.add_entity_ids() = catalog::ItemEntityId(item.id());
        *r.add_entity_ids() = f.entity_id();
        *r.add_entity_ids() = catalog::ItemEntityId(l.id);
        r.set_weight(b.kg());
        reasons.push_back(r);
        break;
      }
      if (!reasons.empty()) break;
    }
  }

  // 2. What the request asked for.
  const auto& f = state.constraints();
  std::vector<std::string> matched;
  for (const auto& id : f.must_entities()) {
    if (c.HasEntity(row, id)) matched.push_back(id);
  }
  if (!matched.empty() || f.years().min_year() || f.years().max_year()) {
    std::vector<std::string> genres, people;
    for (const auto& id : matched) (id.rfind("genre:", 0) == 0 ? genres : people).push_back(id);
    std::vector<std::string> genre_names;
    for (const auto& g : genres) genre_names.push_back(Lower(c.EntityName(g)));
    std::string text = absl::StrCat("a ", item.year() ? absl::StrCat(item.year(), " ") : "",
                                    genre_names.empty() ? "film" : absl::StrJoin(genre_names, " "));
    if (!people.empty()) absl::StrAppend(&text, " with ", Names(c, people));
    v1::Reason r;
    r.set_kind(v1::REASON_KIND_MATCHES_REQUEST);
    r.set_text(text);
    for (const auto& id : matched) *r.add_entity_ids() = id;
    r.set_weight(b.need());
    reasons.push_back(r);
  }

  // 3. The strongest score term.
  float strongest = std::max({b.user(), b.need(), b.kg(), b.bias()});
  v1::Reason r;
  if (strongest == b.user() && b.user() > 0) {
    r.set_kind(v1::REASON_KIND_USER_HISTORY);
    r.set_text("it fits the films you have rated highly");
    r.set_weight(b.user());
  } else if (strongest == b.bias()) {
    r.set_kind(v1::REASON_KIND_POPULAR);
    r.set_text("a crowd favourite");
    r.set_weight(b.bias());
  } else if (!liked.empty()) {
    r.set_kind(v1::REASON_KIND_SIMILAR_TO_LIKED);
    r.set_text("it ranks high for the films you told me you like");
    r.set_weight(std::max(b.need(), b.kg()));
  } else if (strongest == b.need()) {
    r.set_kind(v1::REASON_KIND_MATCHES_REQUEST);
    r.set_text("one of the closest matches to what you asked for");
    r.set_weight(b.need());
  } else {
    r.set_kind(v1::REASON_KIND_POPULAR);
    r.set_text("well liked by many viewers");
    r.set_weight(strongest);
  }
  reasons.push_back(r);
  // Director as a fact worth knowing when nothing else names a person.
  return reasons;
}

std::string ReasonSentence(const std::vector<v1::Reason>& reasons) {
  if (reasons.empty()) return "";
  std::string s = reasons[0].text();
  if (reasons.size() > 1 && reasons[0].kind() != v1::REASON_KIND_MATCHES_REQUEST &&
      reasons[1].kind() == v1::REASON_KIND_MATCHES_REQUEST) {
    s = absl::StrCat(reasons[1].text(), ", ", s);
  } else if (reasons.size() > 1 && reasons[0].kind() == v1::REASON_KIND_MATCHES_REQUEST) {
    s = absl::StrCat(s, "; ", reasons[1].text());
  }
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s + ".";
}

std::string RecommendationIntro(const catalog::Catalog& c, const v1::SessionState& state, const StateChange& change,
                                uint64_t variant) {
  std::string what = DescribeConstraints(c, state.constraints());
  std::vector<std::string> liked;
  for (int64_t id : change.liked_items) liked.push_back(c.EntityName(catalog::ItemEntityId(id)));
  if (!liked.empty() && what == "movies") {
    static const char* kForms[] = {"Since you liked %s, you might enjoy these:", "If you loved %s, try these:",
                                   "Fans of %s tend to like these:"};
    std::string form = kForms[variant % 3];
    return form.replace(form.find("%s"), 2, absl::StrJoin(liked, " and "));
  }
  if (!change.rejected_items.empty() || change.wants_new_items) {
    static const char* kForms[] = {"No problem, here are some other %s:", "Fair enough. How about these %s?",
                                   "Got it. Some different %s:"};
    std::string form = kForms[variant % 3];
    return form.replace(form.find("%s"), 2, what);
  }
  static const char* kForms[] = {"Here are some %s you might like:", "How about these %s?", "I picked these %s for you:",
                                 "Some %s worth a look:"};
  std::string form = kForms[variant % 4];
  return form.replace(form.find("%s"), 2, what);
}

std::string AnswerAbout(const catalog::Catalog& c, int32_t row, const std::string& attribute) {
  const auto& item = c.item(row);
  const std::string& name = item.name();
  auto people = [&](const char* rel, size_t max) { return Names(c, FactEntities(item, rel, max)); };
  if (attribute == "director") {
    std::string d = people("director", 3);
    return d.empty() ? absl::StrCat("I don't know who directed ", name, ".") : absl::StrCat(name, " was directed by ", d, ".");
  }
  if (attribute == "cast") {
    std::string s = people("starring", 4);
    return s.empty() ? absl::StrCat("I don't have the cast of ", name, ".") : absl::StrCat(name, " stars ", s, ".");
  }
  if (attribute == "writer") {
    std::string w = people("writer", 3);
    return w.empty() ? absl::StrCat("I don't know who wrote ", name, ".") : absl::StrCat(name, " was written by ", w, ".");
  }
  if (attribute == "year") {
    return item.year() ? absl::StrCat(name, " came out in ", item.year(), ".") : absl::StrCat("I don't know when ", name, " came out.");
  }
  if (attribute == "genre" || attribute == "scary" || attribute == "funny") {
    std::string genres = GenreWords(c, item);
    return genres.empty() ? absl::StrCat("I don't know what kind of film ", name, " is.")
                          : absl::StrCat(name, " is ", WithArticle(genres), ".");
  }
  // Plot: the abstract's first two sentences.
  std::string a = StripHatnote(item.abstract(), name);
  if (!a.empty()) {
    size_t end = a.find(". ");
    if (end != std::string::npos) end = a.find(". ", end + 2);
    return end == std::string::npos ? a : a.substr(0, end + 1);
  }
  std::string genres = GenreWords(c, item);
  return genres.empty() ? absl::StrCat("I don't have a summary of ", name, ".")
                        : absl::StrCat("I don't have a summary of ", name, ", but it is ", WithArticle(genres), ".");
}

std::string AnswerIsGenre(const catalog::Catalog& c, int32_t row, const std::string& genre_id) {
  const auto& item = c.item(row);
  const std::string asked = Lower(c.EntityName(genre_id));
  std::string genres = GenreWords(c, item);
  if (genres.empty()) {
    return absl::StrCat("I don't know whether ", item.name(), " is ", WithArticle(asked), " film: I have no genre for it.");
  }
  if (c.HasEntity(row, genre_id)) return absl::StrCat("Yes, ", item.name(), " is ", WithArticle(genres), " film.");
  return absl::StrCat("No, ", item.name(), " is not ", WithArticle(asked), " film; it is ", WithArticle(genres), ".");
}

std::string WhyText(const catalog::Catalog& c, int32_t row, const std::vector<v1::Reason>& reasons, bool recommended) {
  const std::string& name = c.item(row).name();
  std::string sentence = ReasonSentence(reasons);
  if (!sentence.empty() && sentence.back() == '.') sentence.pop_back();
  std::string lead = recommended ? absl::StrCat("I suggested ", name, " because ") : absl::StrCat(name, " would fit because ");
  if (sentence.empty()) return absl::StrCat(lead, "it fits what you asked for.");
  sentence[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(sentence[0])));
  // Reasons read either as a description ("a 1994 comedy", "directed by X") or as a clause ("it fits ...").
  bool clause = sentence.rfind("it ", 0) == 0;
  return absl::StrCat(lead, clause ? "" : "it is ", sentence, ".");
}

std::string StripHatnote(const std::string& abstract, const std::string& name) {
  std::string_view a = abstract;
  while (!a.empty() && a.front() == ' ') a.remove_prefix(1);
  auto is_hatnote = [](std::string_view s) {
    return s.find("see ") != std::string_view::npos || s.find("redirects here") != std::string_view::npos ||
           s.find("article is about") != std::string_view::npos || s.find("confused with") != std::string_view::npos;
  };
  if (!a.empty() && a.front() == '(') {
    int depth = 0;
    size_t i = 0;
    for (; i < a.size(); ++i) {
      if (a[i] == '(') ++depth;
      if (a[i] == ')' && --depth == 0) break;
    }
    if (i < a.size() && is_hatnote(a.substr(0, i))) {
      a.remove_prefix(i + 1);
      while (!a.empty() && a.front() == ' ') a.remove_prefix(1);
    }
  } else if (a.rfind("For ", 0) == 0 || a.rfind("This article", 0) == 0) {
    // Unbracketed: skip to where the article proper starts with the film's name.
    // The last mention of the name before the first " is a" ("... see The Leading Man (comics) The Leading Man is a").
    size_t is_a = a.find(" is a");
    size_t start = name.empty() || is_a == std::string_view::npos ? std::string_view::npos : a.rfind(name, is_a);
    if (start != std::string_view::npos && is_hatnote(a.substr(0, start))) a.remove_prefix(start);
  }
  return std::string(a);
}

}  // namespace chatrec::dialogue
