// Maps the titles an LLM writes back to catalogue ids. Titles never match exactly:
// "The Shawshank Redemption", "shawshank redemption (1994)" and MovieLens's
// "Shawshank Redemption, The (1994)" are one film. A line of an answer may carry
// numbering ("1.", "2)", "- ", "* ") and an explanation after the title; what does
// not map to a title is dropped.
// Built once from the catalogue, then read-only and safe to share across threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "libs/catalog/catalog.h"

namespace chatrec::llm {

// The comparison key of a title: lower case, no punctuation or accents, "&" read as
// "and", no leading or trailing article ("The Godfather" = "Godfather, The"), no
// year. `year` (if not null) receives a trailing year, or 0.
std::string TitleKey(std::string_view title, int* year = nullptr);

class TitleMatcher {
 public:
  explicit TitleMatcher(const catalog::Catalog& catalog);

  // The item one answer line names, or -1. Among films with the same title, the one
  // in `prefer` (if given), else the one with the line's year, else the most popular.
  int64_t MatchLine(std::string_view line, const absl::flat_hash_set<int64_t>* prefer = nullptr) const;

  // Every item an answer names, one per line, in order, without duplicates; lines that
  // name nothing in `allowed` (when given) are dropped.
  std::vector<int64_t> MatchLines(std::string_view answer, const absl::flat_hash_set<int64_t>* allowed = nullptr) const;

  // Titles of at least two words (or one long word) that occur anywhere in free text, for
  // checking a reworded response. Shorter titles ("Heat", "Up") are everyday words in prose.
  absl::flat_hash_set<int64_t> TitlesInText(std::string_view text) const;

  // Whether free text names the item by one of its titles (any length), as whole words.
  bool TextMentions(std::string_view text, int64_t item_id) const;

 private:
  struct Target {
    int64_t id;
    int year;
    int64_t popularity;
  };
  const std::vector<Target>* Find(const std::string& key) const;
  int64_t Pick(const std::vector<Target>& targets, int year, const absl::flat_hash_set<int64_t>* prefer) const;

  absl::flat_hash_map<std::string, std::vector<Target>> by_key_;
  absl::flat_hash_map<int64_t, std::vector<std::string>> keys_by_id_;
  size_t max_words_ = 1;
};

}  // namespace chatrec::llm
