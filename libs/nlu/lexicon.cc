// Matching the lexicon against tokenised input.
#include "libs/nlu/lexicon.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "libs/nlu/word_lists.h"

namespace chatrec::nlu {
namespace {

// Debian's Abseil has its own string_view; hash lookups need it.
absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Words before a title that make an everyday-word title likely: "seen Heat", "like Big".
bool IsTitleCue(std::string_view w) {
  static const auto* cues = new absl::flat_hash_set<std::string>{
      "seen",  "saw",   "watched", "watching", "watch",  "rewatch",  "rewatched", "loved", "love",
      "loves", "liked", "like",    "likes",    "enjoyed", "enjoy",   "hated",     "hate",  "disliked",
      "adored", "about", "than",   "as",       "recommended", "see", "movie", "film", "called", "titled"};
  return cues->contains(Av(w));
}

// Words a title may leave in lower case ("Silence of the Lambs").
bool IsMinorWord(std::string_view w) {
  static const auto* minor = new absl::flat_hash_set<std::string>{
      "the", "a", "an", "of", "and", "in", "on", "at", "to", "for", "with", "from", "or", "by", "de", "la", "le"};
  return minor->contains(Av(w));
}

int ParseYear(const Token& t) {
  if (!t.is_number || t.norm.size() != 4) return 0;
  int y = 0;
  std::from_chars(t.norm.data(), t.norm.data() + 4, y);
  return y;
}

struct Evidence {
  bool quoted = false, capitalized = false, cue = false;
  bool called_a_film = false;  // "Juno is a great one", "Elf was a funny movie"
};

// A capitalised span followed by "is/was ... movie/film/one" within a few words: the span names a film
// even at the start of a sentence. Pronouns ("It is a great movie") are not names.
bool CalledAFilm(const std::vector<Token>& tokens, size_t first, size_t last) {
  if (!tokens[first].capitalized || last >= tokens.size() || tokens[last].clause_break_before) return false;
  if (last - first == 1) {
    static const auto* pronouns = new absl::flat_hash_set<std::string>{"it", "this", "that", "he", "she", "they", "there"};
    if (pronouns->contains(Av(tokens[first].norm))) return false;
  }
  if (tokens[last].norm != "is" && tokens[last].norm != "was") return false;
  static const auto* nouns = new absl::flat_hash_set<std::string>{
      "movie", "film", "one", "classic", "favorite", "favourite", "flick", "movies", "films"};
  for (size_t i = last + 1; i < tokens.size() && i <= last + 5; ++i) {
    if (tokens[i].clause_break_before) break;
    if (nouns->contains(Av(tokens[i].norm))) return true;
  }
  return false;
}

}  // namespace

bool WithinOneEdit(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (i == a.size()) return true;  // equal, or one letter appended
  if (a.size() == b.size()) {
    if (a.substr(i + 1) == b.substr(i + 1)) return true;  // substitution
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
  }
  return a.substr(i) == b.substr(i + 1);  // one letter inserted in b
}

bool Lexicon::IsCommon(std::string_view norm) const {
  return IsCommonWord(norm) || IsEnglishWord(norm) || lower_case_words_.contains(Av(norm));
}

int32_t Lexicon::WordId(std::string_view word) const {
  auto it = word_ids_.find(Av(word));
  return it == word_ids_.end() ? -1 : it->second;
}

int32_t Lexicon::Child(int32_t node, int32_t word) const {
  auto it = edges_.find((static_cast<uint64_t>(node) << 32) | static_cast<uint32_t>(word));
  return it == edges_.end() ? -1 : it->second;
}

void Lexicon::WordChoices(const Token& token, std::vector<std::pair<int32_t, bool>>* ids) const {
  ids->clear();
  int32_t id = WordId(token.norm);
  if (id >= 0) ids->push_back({id, false});
  if (token.possessive) {
    int32_t base = WordId(std::string_view(token.norm).substr(0, token.norm.size() - 1));
    if (base >= 0) ids->push_back({base, false});
  }
  // Typos: only for longer words that are not words in their own right.
  const std::string& w = token.norm;
  if (id >= 0 || w.size() < 5 || w.size() > 24 || token.is_number || IsCommon(w) || known_words_.contains(w)) return;
  auto consider = [&](const std::string& key) {
    auto it = deletions_.find(key);
    if (it == deletions_.end()) return;
    for (int32_t cand : it->second) {
      if (WithinOneEdit(w, words_[cand]) &&
          std::none_of(ids->begin(), ids->end(), [&](const auto& p) { return p.first == cand; })) {
        ids->push_back({cand, true});
      }
    }
  };
  consider(w);
  for (size_t i = 0; i < w.size(); ++i) consider(w.substr(0, i) + w.substr(i + 1));
}

void Lexicon::FindEntities(std::string_view text, const std::vector<Token>& tokens,
                           std::vector<Candidate>* out) const {
  std::vector<std::vector<std::pair<int32_t, bool>>> choices(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) WordChoices(tokens[i], &choices[i]);
  struct State {
    int32_t node;
    size_t next;
    int fuzzy;
  };
  std::vector<State> stack;
  for (size_t first = 0; first < tokens.size(); ++first) {
    stack.assign(1, {0, first, 0});
    while (!stack.empty()) {
      State s = stack.back();
      stack.pop_back();
      if (s.next >= tokens.size() || s.next - first >= max_depth_) continue;
      for (const auto& [word, fuzzy] : choices[s.next]) {
        int32_t child = Child(s.node, word);
        if (child < 0) continue;
        State n{child, s.next + 1, s.fuzzy + (fuzzy ? 1 : 0)};
        auto it = node_entries_.find(child);
        if (it != node_entries_.end()) Evaluate(text, tokens, first, n.next, n.fuzzy, it->second, out);
        stack.push_back(n);
      }
    }
  }
}

void Lexicon::Evaluate(std::string_view text, const std::vector<Token>& tokens, size_t first, size_t last,
                       int fuzzy_words, const std::vector<int32_t>& entries,
                       std::vector<Candidate>* out) const {
  // Capitals say little when the whole input is upper case or Title Case.
  size_t caps = 0, all_caps = 0;
  for (const Token& t : tokens) {
    caps += t.capitalized && !t.is_number;
    all_caps += t.all_caps && t.norm.size() > 1;
  }
  bool caps_informative = all_caps * 2 <= tokens.size() && !(tokens.size() >= 4 && caps * 4 >= tokens.size() * 3);
  Evidence ev;
  ev.quoted = std::all_of(tokens.begin() + first, tokens.begin() + last, [](const Token& t) { return t.quoted; });
  size_t content = 0, capitalized = 0;
  for (size_t i = first; i < last; ++i) {
    if (IsMinorWord(tokens[i].norm) && i != first) continue;
    ++content;
    capitalized += tokens[i].capitalized;
  }
  bool whole_input = first == 0 && last == tokens.size();
  // A capital at the start of a sentence is evidence only for a whole input of more than an everyday
  // word: a reply of just "Yes", "Awesome" or "Lol" names no film.
  const bool lone_everyday_word = last - first == 1 && IsCommonWord(tokens[first].norm);
  ev.capitalized = caps_informative && capitalized == content &&
                   (!tokens[first].sentence_start || content >= 2 || (whole_input && !lone_everyday_word));
  // One everyday word shouted ("Dunkirk was AWESOME!", "I LOVE it") is emphasis, not a title.
  if (last - first == 1 && tokens[first].all_caps && tokens[first].norm.size() > 1 && IsCommon(tokens[first].norm)) {
    ev.capitalized = false;
  }
  size_t before = first;
  if (before >= 2 && IsMinorWord(tokens[before - 1].norm)) --before;  // "seen the ..."
  ev.cue = before >= 1 && IsTitleCue(tokens[before - 1].norm);
  ev.called_a_film = CalledAFilm(tokens, first, last);
  ev.cue = ev.cue || ev.called_a_film;
  int year_after = last < tokens.size() ? ParseYear(tokens[last]) : 0;

  Candidate genres;
  const Entry* best = nullptr;
  float best_conf = 0;
  bool best_has_year = false;
  std::vector<float> item_confs;
  for (int32_t e : entries) {
    const Entry& entry = entries_[e];
    const Target& target = targets_[entry.target];
    if (entry.kind == Kind::kGenre) {
      Mention m;
      m.entity_id = target.entity_id;
      m.type = target.type;
      m.confidence = entry.confidence * std::pow(0.8f, fuzzy_words);
      genres.mentions.push_back(std::move(m));
      continue;
    }
    bool year = target.year > 0 && year_after == target.year;
    float conf = entry.confidence;
    switch (entry.need) {
      case Need::kNothing:
        break;
      case Need::kCue:
        // Capitals do not make "Seattle" stand for "Sleepless in Seattle"; a cue does.
        if (!(ev.quoted || year || ev.cue || (entry.capitals_not_enough ? whole_input : ev.capitalized))) {
          continue;
        }
        if (!ev.quoted && !year && entry.kind != Kind::kHeadWord) conf *= 0.85f;
        break;
      case Need::kStrong:
        if (!(ev.quoted || year || ev.capitalized || ev.called_a_film)) continue;
        if (!ev.quoted && !year) conf *= 0.85f;
        break;
      case Need::kQuotes:
        if (!(ev.quoted || year)) continue;
        break;
    }
    if (fuzzy_words > 0 && entry.need != Need::kNothing && entry.kind != Kind::kHeadWord) continue;
    // One misspelt word ("skater" for Slater) is too weak alone: it needs capitals or a cue.
    if (fuzzy_words > 0 && last - first == 1 && !(ev.capitalized || ev.cue || ev.quoted || whole_input)) continue;
    conf *= std::pow(0.8f, fuzzy_words);
    if (year) conf = std::max(conf, 0.97f) + 0.02f;
    if (ev.quoted) conf = std::min(1.0f, conf + 0.05f);
    if (target.type == chatrec::v1::ENTITY_TYPE_ITEM) item_confs.push_back(conf);
    const Target* bt = best ? &targets_[best->target] : nullptr;
    if (best == nullptr || conf > best_conf + 1e-6f ||
        (std::fabs(conf - best_conf) <= 1e-6f && target.weight > bt->weight)) {
      best = &entry;
      best_conf = conf;
      best_has_year = year;
    }
  }
  auto span_text = [&](size_t end_byte) {
    return std::string(text.substr(tokens[first].begin, end_byte - tokens[first].begin));
  };
  if (!genres.mentions.empty()) {
    genres.first = first;
    genres.last = last;
    for (auto& m : genres.mentions) {
      m.begin = tokens[first].begin;
      m.end = tokens[last - 1].end;
      m.text = span_text(m.end);
      genres.confidence = std::max(genres.confidence, m.confidence);
    }
    out->push_back(std::move(genres));
  }
  if (best == nullptr) return;
  const Target& target = targets_[best->target];
  // Several films share this name (two "Sabrina"s) and no year told them apart.
  int rivals = static_cast<int>(std::count_if(item_confs.begin(), item_confs.end(),
                                              [&](float c) { return c >= best_conf - 0.05f; }));
  if (rivals > 1 && !best_has_year) best_conf *= 0.9f;
  Candidate c;
  c.first = first;
  c.last = best_has_year ? last + 1 : last;
  Mention m;
  m.entity_id = target.entity_id;
  m.type = target.type;
  m.confidence = std::min(1.0f, best_conf);
  m.begin = tokens[first].begin;
  m.end = tokens[c.last - 1].end;
  if (best_has_year && m.end < text.size() && text[m.end] == ')') ++m.end;  // "Fargo (1996)"
  m.text = span_text(m.end);
  c.confidence = m.confidence;
  c.mentions.push_back(std::move(m));
  out->push_back(std::move(c));
}

}  // namespace chatrec::nlu
