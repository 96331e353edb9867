// The entity lexicon: every way the catalogue's titles, people and genres can be
// written, as normalised word sequences in a word trie, with what each form needs
// as evidence before it may be linked (a title that is an everyday word, like
// "Heat", needs capitals, quotes, a year or a cue such as "seen").
// Built once from the catalogue, then read-only and safe to share across threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"
#include "libs/nlu/tokenizer.h"
#include "libs/nlu/understander.h"

namespace chatrec::nlu {

// One reading of a token range [first, last): one or more mentions (a "rom-com" is two).
struct Candidate {
  size_t first = 0, last = 0;
  std::vector<Mention> mentions;
  float confidence = 0;  // of the reading; decides between overlapping readings
};

class Lexicon {
 public:
  static absl::StatusOr<std::unique_ptr<Lexicon>> Build(const catalog::Catalog& catalog);

  // Appends every title, person and genre reading found in `tokens` (of `text`);
  // readings may overlap, the caller picks among them.
  void FindEntities(std::string_view text, const std::vector<Token>& tokens,
                    std::vector<Candidate>* out) const;

  // Frequent word: the built-in list, or written in lower case in the catalogue's abstracts.
  bool IsCommon(std::string_view norm) const;
  // Newest release year in the catalogue (1998 for MovieLens 100K); 0 if none.
  int max_year() const { return max_year_; }

  // What a form needs before it is linked. Public for the builder's helpers.
  enum class Need : uint8_t { kNothing, kCue, kStrong, kQuotes };
  enum class Kind : uint8_t { kTitle, kTitleVariant, kTitlePart, kHeadWord, kPerson, kSurname, kGenre };
  struct Target {
    std::string entity_id;
    chatrec::v1::EntityType type = chatrec::v1::ENTITY_TYPE_UNSPECIFIED;
    int year = 0;    // items
    int weight = 0;  // items: number of KG facts; people: number of films
  };
  struct Entry {
    int32_t target = 0;
    Kind kind = Kind::kTitle;
    Need need = Need::kNothing;
    bool capitals_not_enough = false;  // "Seattle" or "Michael" written with a capital is no evidence
    float confidence = 0;
  };

 private:
  friend class LexiconBuilder;
  Lexicon() = default;

  int32_t WordId(std::string_view word) const;  // -1 if unknown
  // Word ids a token may stand for: itself, "fargo" for "Fargo's", near misses for typos.
  void WordChoices(const Token& token, std::vector<std::pair<int32_t, bool>>* ids) const;
  int32_t Child(int32_t node, int32_t word) const;
  void Evaluate(std::string_view text, const std::vector<Token>& tokens, size_t first, size_t last,
                int fuzzy_words, const std::vector<int32_t>& entries, std::vector<Candidate>* out) const;

  std::vector<Target> targets_;
  std::vector<Entry> entries_;
  absl::flat_hash_map<std::string, int32_t> word_ids_;
  std::vector<std::string> words_;
  absl::flat_hash_map<uint64_t, int32_t> edges_;            // (node << 32 | word) -> child
  absl::flat_hash_map<int32_t, std::vector<int32_t>> node_entries_;  // node -> entries
  absl::flat_hash_map<std::string, std::vector<int32_t>> deletions_;  // typo index, words >= 5 letters
  absl::flat_hash_set<std::string> lower_case_words_;  // seen in lower case in abstracts
  absl::flat_hash_set<std::string> known_words_;       // any word of the abstracts
  int32_t node_count_ = 1;  // node 0 is the root
  size_t max_depth_ = 0;
  int max_year_ = 0;
};

// Damerau-Levenshtein distance is at most 1 (one insertion, deletion, substitution or swap).
bool WithinOneEdit(std::string_view a, std::string_view b);

}  // namespace chatrec::nlu
