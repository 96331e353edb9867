// Building the lexicon from the catalogue: title forms, people, genres, and the
// word statistics that decide which forms need evidence.
#include <algorithm>
#include <string>

#include "absl/strings/str_join.h"
#include "libs/nlu/lexicon.h"
#include "libs/nlu/word_lists.h"

namespace chatrec::nlu {
namespace {

using Words = std::vector<std::string>;

bool IsArticle(std::string_view w) { return w == "the" || w == "a" || w == "an"; }

// 2..10 as digits and roman numerals: sequel numbers.
int SequelNumber(std::string_view w) {
  static const char* kRoman[] = {"", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"};
  for (int n = 2; n <= 10; ++n) {
    if (w == kRoman[n] || w == std::to_string(n)) return n;
  }
  return 0;
}
std::string Roman(int n) {
  static const char* kRoman[] = {"", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"};
  return kRoman[n];
}

}  // namespace

class LexiconBuilder {
 public:
  explicit LexiconBuilder(Lexicon* lex) : lex_(lex) {}

  void LearnWords(const catalog::Catalog& catalog) {
    absl::flat_hash_map<std::string, int> lower;
    for (int32_t row = 0; row < catalog.size(); ++row) {
      const auto& item = catalog.item(row);
      lex_->max_year_ = std::max(lex_->max_year_, item.year());
      absl::flat_hash_set<std::string> in_this;
      for (const Token& t : Tokenize(item.abstract())) {
        lex_->known_words_.insert(t.norm);
        if (!t.capitalized && !t.is_number) ++lower[t.norm], lower_once_.insert(t.norm);
        if (in_this.insert(t.norm).second) ++abstracts_with_word_[t.norm];
      }
    }
    for (const auto& [word, count] : lower) {
      if (count >= 2) lex_->lower_case_words_.insert(word);
    }
  }

  void AddTitles(const catalog::Catalog& catalog) {
    // How many items use each word in a name: a head word ("Shawshank") must be unique.
    absl::flat_hash_map<std::string, int> items_with_word;
    for (int32_t row = 0; row < catalog.size(); ++row) {
      absl::flat_hash_set<std::string> seen;
      for (const std::string& name : Names(catalog.item(row))) {
        for (auto& w : NormalizedWords(name)) seen.insert(std::move(w));
      }
      for (const auto& w : seen) ++items_with_word[w];
    }
    absl::flat_hash_map<std::string, std::vector<int32_t>> parts;  // "star trek" -> targets
    for (int32_t row = 0; row < catalog.size(); ++row) {
      const auto& item = catalog.item(row);
      // Among films of the same name, the one the training dialogues mention most, then the best described.
      int32_t target = AddTarget(catalog::ItemEntityId(item.id()), chatrec::v1::ENTITY_TYPE_ITEM, item.year(),
                                 static_cast<int>(std::min<int64_t>(item.dialogue_mentions(), 100000)) * 1000 +
                                     std::min(item.facts_size(), 999));
      bool alias = false;
      for (const std::string& name : Names(item)) {
        float scale = alias ? 0.95f : 1.0f;
        alias = true;
        for (const std::string& form : WrittenForms(name)) {
          Words words = NormalizedWords(form);
          if (words.empty()) continue;
          Add(words, target, Lexicon::Kind::kTitle, 0.95f * scale);
          for (const Words& v : Variants(words)) Add(v, target, Lexicon::Kind::kTitleVariant, 0.9f * scale);
        }
        // "Terminator 2: Judgment Day" is also "Terminator 2" and "Judgment Day".
        size_t colon = name.find(':');
        if (colon != std::string::npos) {
          std::vector<std::string> pieces;
          for (const std::string& part : {name.substr(0, colon), name.substr(colon + 1)}) {
            for (auto& form : WrittenForms(part)) pieces.push_back(std::move(form));
          }
          for (const std::string& part : pieces) {
            Words words = NormalizedWords(part);
            bool distinctive = std::any_of(words.begin(), words.end(), [&](const std::string& w) {
              return !lex_->IsCommon(w) && !IsArticle(w);
            });
            if (words.size() >= 2 || (distinctive && !words.empty() && words[0].size() >= 4)) {
              parts[absl::StrJoin(words, " ")].push_back(target);
              for (const Words& v : Variants(words)) parts[absl::StrJoin(v, " ")].push_back(target);
            }
          }
        }
        // The first distinctive word of a longer title, if no other title uses it.
        Words words = NormalizedWords(name);
        for (size_t i = 0; i < words.size() && words.size() >= 2; ++i) {
          const std::string& w = words[i];
          if (IsArticle(w) || lex_->IsCommon(w)) continue;
          // Few abstracts use it either: "Shawshank", "Lebowski", but not "Seattle" or "Tokyo".
          auto df = abstracts_with_word_.find(w);
          if (w.size() >= 5 && items_with_word[w] == 1 && !person_words_.contains(w) &&
              (df == abstracts_with_word_.end() || df->second <= 2) &&
              w.find_first_not_of("0123456789") != std::string::npos) {
            Add({w}, target, Lexicon::Kind::kHeadWord, 0.65f * scale);
          }
          break;
        }
      }
    }
    // A shared prefix ("Star Trek") names no film in particular.
    for (auto& [key, targets] : parts) {
      std::sort(targets.begin(), targets.end());
      targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
      if (targets.size() > 2) continue;
      Words words = NormalizedWords(key);
      for (int32_t t : targets) Add(words, t, Lexicon::Kind::kTitlePart, 0.8f);
    }
  }

  // Must run before AddTitles: head words avoid people's names.
  void AddPeople(const catalog::Catalog& catalog) {
    struct Named {
      int32_t target;
      int weight;
    };
    absl::flat_hash_map<std::string, std::vector<Named>> by_surname;
    for (int32_t row = 0; row < catalog.size(); ++row) {
      for (const auto& f : catalog.item(row).facts()) {
        if (f.relation() == "director" || f.relation() == "starring" || f.relation() == "writer") {
          ++credits_[f.entity_id()];
        }
      }
    }
    for (const auto& e : catalog.entities()) {
      if (e.type() != chatrec::v1::ENTITY_TYPE_PERSON) continue;
      int weight = static_cast<int>(catalog.RowsWithEntity(e.id()).size());
      int32_t target = AddTarget(e.id(), e.type(), 0, weight);
      int credits = credits_[e.id()];  // as director, actor or writer
      Words words = NormalizedWords(e.name());
      if (words.empty()) continue;
      for (const auto& w : words) person_words_.insert(w);
      Add(words, target, Lexicon::Kind::kPerson, 0.95f);
      Words core = words;  // without "Jr." and middle names
      while (core.size() > 2 && (core.back() == "jr" || core.back() == "sr" || SequelNumber(core.back()))) {
        core.pop_back();
      }
      if (core.size() > 2) core = {core.front(), core.back()};
      if (core != words) Add(core, target, Lexicon::Kind::kPerson, 0.85f);
      if (core.size() == 2) by_surname[core.back()].push_back({target, credits});
    }
    // "Spielberg": a surname alone, only if one well-known person carries it and it
    // is no everyday word.
    for (auto& [surname, people] : by_surname) {
      if (surname.size() < 4 || lex_->IsCommon(surname)) continue;
      std::sort(people.begin(), people.end(), [](const Named& a, const Named& b) { return a.weight > b.weight; });
      int others = 0;
      for (size_t i = 1; i < people.size(); ++i) others += people[i].weight;
      if (people[0].weight >= 3 && people[0].weight >= 3 * others) {
        Add({surname}, people[0].target, Lexicon::Kind::kSurname, 0.7f);
      }
    }
  }

  void AddGenres(const catalog::Catalog& catalog) {
    auto genre_target = [&](const std::string& id) -> int32_t {
      auto it = genre_targets_.find(id);
      if (it != genre_targets_.end()) return it->second;
      if (catalog.FindEntity(id) == nullptr) return -1;
      return genre_targets_[id] = AddTarget(id, chatrec::v1::ENTITY_TYPE_GENRE, 0, 0);
    };
    for (const auto& e : catalog.entities()) {
      if (e.type() != chatrec::v1::ENTITY_TYPE_GENRE) continue;
      Add(NormalizedWords(e.name()), genre_target(e.id()), Lexicon::Kind::kGenre, 0.95f);
    }
    for (const GenreWord& g : GenreWords()) {
      for (std::string_view slug : g.genre_slugs) {
        int32_t target = genre_target("genre:" + std::string(slug));
        if (target >= 0) Add(NormalizedWords(g.phrase), target, Lexicon::Kind::kGenre, g.confidence);
      }
    }
  }

  void IndexTypos() {
    for (int32_t id = 0; id < static_cast<int32_t>(lex_->words_.size()); ++id) {
      const std::string& w = lex_->words_[id];
      if (w.size() < 5 || w.find_first_of("0123456789") != std::string::npos) continue;
      lex_->deletions_[w].push_back(id);
      for (size_t i = 0; i < w.size(); ++i) lex_->deletions_[w.substr(0, i) + w.substr(i + 1)].push_back(id);
    }
  }

 private:
  static std::vector<std::string> Names(const catalog::ItemRecord& item) {
    std::vector<std::string> names = {item.name()};
    for (const auto& a : item.aliases()) names.push_back(a);
    return names;
  }

  // "Wallace & Gromit" is also written "Wallace and Gromit"; "Face/Off" also "FaceOff".
  static std::vector<std::string> WrittenForms(const std::string& name) {
    std::vector<std::string> forms = {name};
    if (name.find('&') != std::string::npos) {
      std::string s;
      for (char c : name) c == '&' ? s += " and " : s += c;
      forms.push_back(s);
    }
    if (name.find_first_of("-/") != std::string::npos) {
      std::string s;
      for (char c : name) {
        if (c != '-' && c != '/') s += c;
      }
      forms.push_back(s);
    }
    return forms;
  }

  // Without a leading article, and sequel numbers in every spelling:
  // "the godfather part ii" -> "godfather part ii", "the godfather 2", "godfather ii", ...
  static std::vector<Words> Variants(const Words& words) {
    std::vector<Words> bases = {words};
    for (size_t k = 1; k < words.size(); ++k) {
      int n = SequelNumber(words[k]);
      if (n == 0) continue;
      size_t from = (words[k - 1] == "part" && k >= 2) ? k - 1 : k;
      Words head(words.begin(), words.begin() + from), tail(words.begin() + k + 1, words.end());
      for (const Words& mid : std::vector<Words>{{std::to_string(n)}, {Roman(n)}, {"part", std::to_string(n)},
                                                 {"part", Roman(n)}}) {
        Words v = head;
        v.insert(v.end(), mid.begin(), mid.end());
        v.insert(v.end(), tail.begin(), tail.end());
        if (v != words) bases.push_back(v);
      }
      break;
    }
    std::vector<Words> out(bases.begin() + 1, bases.end());
    for (const Words& b : bases) {
      if (b.size() >= 2 && IsArticle(b[0])) out.emplace_back(b.begin() + 1, b.end());
    }
    return out;
  }

  int32_t AddTarget(std::string id, chatrec::v1::EntityType type, int year, int weight) {
    lex_->targets_.push_back({std::move(id), type, year, weight});
    return static_cast<int32_t>(lex_->targets_.size() - 1);
  }

  // Everyday words need evidence before they are a title or a name: one such word
  // ("Heat", "The Game"), or mostly very frequent ones ("Home Alone", "It's My Party").
  Lexicon::Need NeedFor(const Words& words) const {
    static const absl::flat_hash_set<std::string> kMinor = {"the", "a", "an", "of", "and", "in", "on", "at",
                                                            "to", "for", "with", "from", "or", "by"};
    bool all_numeric = true;
    Words content;
    for (const auto& w : words) {
      all_numeric &= w.size() == 1 || w.find_first_not_of("0123456789") == std::string::npos;
      if (!kMinor.contains(w)) content.push_back(w);
    }
    if (all_numeric) return Lexicon::Need::kQuotes;  // "1941", "187", "M"
    if (content.empty()) return Lexicon::Need::kStrong;
    size_t hard = std::count_if(content.begin(), content.end(), [](const std::string& w) { return IsCommonWord(w); });
    // "It's My Party", "Big Night": mostly very frequent words. "Toy Story", "Star Wars" are not.
    if (content.size() >= 2) return hard * 2 > content.size() ? Lexicon::Need::kCue : Lexicon::Need::kNothing;
    if (hard == 1) return Lexicon::Need::kStrong;
    return lex_->IsCommon(content[0]) ? Lexicon::Need::kCue : Lexicon::Need::kNothing;
  }

  void Add(const Words& words, int32_t target, Lexicon::Kind kind, float confidence) {
    if (words.empty() || target < 0) return;
    int32_t node = 0;
    for (const auto& w : words) {
      auto [it, added] = lex_->word_ids_.emplace(w, static_cast<int32_t>(lex_->words_.size()));
      if (added) lex_->words_.push_back(w);
      uint64_t key = (static_cast<uint64_t>(node) << 32) | static_cast<uint32_t>(it->second);
      auto [edge, new_edge] = lex_->edges_.emplace(key, lex_->node_count_);
      if (new_edge) ++lex_->node_count_;
      node = edge->second;
    }
    lex_->max_depth_ = std::max(lex_->max_depth_, words.size());
    auto& entries = lex_->node_entries_[node];
    Lexicon::Need need = kind == Lexicon::Kind::kGenre ? Lexicon::Need::kNothing : NeedFor(words);
    // A one-word title that is also a first name ("Jack", "Carrie") or a word the
    // abstracts write in lower case ("panther") needs a cue; "Fargo" does not.
    bool title = kind == Lexicon::Kind::kTitle || kind == Lexicon::Kind::kTitleVariant ||
                 kind == Lexicon::Kind::kTitlePart || kind == Lexicon::Kind::kHeadWord;
    bool first_name = title && words.size() == 1 && person_words_.contains(words[0]);
    if (title && words.size() == 1 && (first_name || lower_once_.contains(words[0]))) {
      need = std::max(need, Lexicon::Need::kCue);
    }
    // A subtitle of everyday words ("A True Story") is no title on its own.
    if (kind == Lexicon::Kind::kTitlePart &&
        std::all_of(words.begin(), words.end(), [&](const std::string& w) { return lex_->IsCommon(w) || w.size() <= 2; })) {
      need = std::max(need, Lexicon::Need::kCue);
    }
    // A lone word of a longer title needs a cue ("seen Shawshank") whatever the word.
    if (kind == Lexicon::Kind::kHeadWord) need = std::max(need, Lexicon::Need::kCue);
    for (int32_t e : entries) {
      auto& entry = lex_->entries_[e];
      if (entry.target == target) {  // one entry per form and target: the best kind
        if (confidence > entry.confidence) entry.kind = kind, entry.confidence = confidence;
        return;
      }
    }
    entries.push_back(static_cast<int32_t>(lex_->entries_.size()));
    lex_->entries_.push_back({target, kind, need, first_name || kind == Lexicon::Kind::kHeadWord, confidence});
  }

  Lexicon* lex_;
  absl::flat_hash_set<std::string> person_words_;
  absl::flat_hash_map<std::string, int> credits_;  // person -> films directed, starred in or written
  absl::flat_hash_map<std::string, int> abstracts_with_word_;
  absl::flat_hash_set<std::string> lower_once_;  // written in lower case in some abstract
  absl::flat_hash_map<std::string, int32_t> genre_targets_;
};

absl::StatusOr<std::unique_ptr<Lexicon>> Lexicon::Build(const catalog::Catalog& catalog) {
  std::unique_ptr<Lexicon> lex(new Lexicon());
  LexiconBuilder builder(lex.get());
  builder.LearnWords(catalog);
  builder.AddGenres(catalog);
  builder.AddPeople(catalog);
  builder.AddTitles(catalog);
  builder.IndexTypos();
  return lex;
}

}  // namespace chatrec::nlu
