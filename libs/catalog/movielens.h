// Loader for MovieLens 100K (u.item, u.user, u.data, u.genre) and the DBpedia KG
// keyed by its item ids (FranKGraphBench enriched.csv). Malformed lines are
// skipped whole and reported; they never abort the load.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/catalog/catalog_store.h"

namespace chatrec::catalog {

struct SkippedLine {
  std::string file;
  int line = 0;
  std::string reason;
};

struct Rating {
  std::string user_id;
  int64_t item_id = 0;
  int rating = 0;
  int64_t timestamp_s = 0;
};

struct MovieLensData {
  CatalogContents catalog;
  std::vector<Rating> ratings;
  std::vector<SkippedLine> skipped;
  int64_t kg_items_linked = 0;
  int64_t kg_facts = 0;
  int64_t kg_facts_from_abstracts = 0;  // people named in abstracts next to a cue word
};

// "Shawshank Redemption, The (1994)" -> name "The Shawshank Redemption", year 1994;
// a second parenthesised title becomes an alias.
void ParseMovieLensTitle(const std::string& title, std::string* name, int* year,
                         std::vector<std::string>* aliases);

// Reads `ml_dir` (u.item, u.genre, u.user, u.data) and, if `kg_dir` is not empty,
// `kg_dir`/enriched.csv. `progress(done, total, step)` is called now and then.
using ProgressFn = std::function<void(int64_t done, int64_t total, const std::string& step)>;
absl::StatusOr<MovieLensData> LoadMovieLens(const std::string& ml_dir, const std::string& kg_dir,
                                            const ProgressFn& progress = nullptr);

}  // namespace chatrec::catalog
