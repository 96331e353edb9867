// Loader for ReDial (CC BY 4.0) as a second data set: the movie list
// (movies_with_mentions.csv) as the catalogue, the CFCRS metadata graph
// (id2info.fixed.json: genres, directors, writers, stars, plots) as the KG, and
// the seekers' answers in the training-side dialogue splits as the only
// interactions (liked -> LIKE, disliked -> DISLIKE; one user per dialogue).
// Test dialogues are never read here: they are for evaluation only.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/catalog/movielens.h"

namespace chatrec::catalog {

struct RedialInteraction {
  std::string user_id;  // "redial:<conversationId>"
  int64_t item_id = 0;
  bool liked = false;   // false: the seeker said they did not like it
  int64_t timestamp_s = 0;
};

struct RedialData {
  CatalogContents catalog;
  std::vector<RedialInteraction> interactions;
  std::vector<SkippedLine> skipped;
  int64_t dialogues = 0;  // distinct training-side dialogues read
};

// "Angels in the Outfield  (1994)" -> name "Angels in the Outfield", year 1994.
void ParseRedialTitle(const std::string& title, std::string* name, int* year);

// `redial_dir` holds movies_with_mentions.csv and the dialogue splits;
// `cfcrs_dir` holds id2info.fixed.json (empty: no KG). `dialogue_files` are
// read for interactions (defaults: the KGSF and CFCRS validation splits).
absl::StatusOr<RedialData> LoadRedial(const std::string& redial_dir, const std::string& cfcrs_dir,
                                      const std::vector<std::string>& dialogue_files);

}  // namespace chatrec::catalog
