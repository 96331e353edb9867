// Recommendation turns of ReDial dialogues, the unit that conversational
// recommenders are evaluated on (KBRD, KGSF, UniCRS report Recall@k over them).
// Two input formats become the same turns:
//   - raw ReDial dialogues (redial/test_data*.jsonl: one dialogue per line, movies
//     written as "@<movieId>"): consecutive messages of one speaker are merged, as
//     the published systems do, and every recommender message that mentions a movie
//     of the catalogue is a turn whose targets are those movies;
//   - UniCRS/CRSLab turn files (redial-kg-dbpedia-unicrs/test*.jsonl: one turn per
//     line with the context so far and the target items as DBpedia entity ids),
//     whose entity ids are mapped back to ReDial movie ids by an EntityMovieMap.
// A line that cannot be read is skipped and reported with its number and the reason.
// Parsing is pure (streams in, structs out), so it is testable with inline strings.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace chatrec::eval {

struct RedialUtterance {
  std::string text;  // movies written as "Title (Year)", as the UniCRS files write them
  bool seeker = false;
};

struct RedialTurn {
  std::string dialog_id;  // "test_20041" style for both formats
  int64_t turn_id = 0;    // ReDial messageId of the recommender's message
  std::vector<RedialUtterance> context;   // everything said before, oldest first
  std::vector<int64_t> targets;           // ReDial movie ids the recommender mentioned (distinct)
  std::vector<int64_t> mentioned_before;  // ReDial ids mentioned earlier in the dialogue, first mention order
  bool IsNew(int64_t target) const;       // not mentioned earlier in the dialogue
};

struct SkippedLine {
  int line = 0;
  std::string reason;
};

struct RedialTurns {
  std::vector<RedialTurn> turns;
  std::vector<SkippedLine> skipped;
  int64_t lines = 0;
  int64_t dialogues = 0;
  // UniCRS files: target entity ids seen, mapped through the link file, mapped by name, not mapped.
  int64_t target_entities = 0, mapped_by_link = 0, mapped_by_name = 0, unmapped = 0;
  // Raw dialogues: the movies each dialogue mentions, in first-mention order (co-mention counts).
  std::vector<std::vector<int64_t>> dialogue_mentions;
  std::vector<std::string> dialogue_ids;  // parallel to dialogue_mentions
};

// ReDial movie id -> "Title (Year)" (movies_with_mentions.csv); decides which ids are movies.
using MovieTitles = absl::flat_hash_map<int64_t, std::string>;

// movies_with_mentions.csv (header movieId,movieName,nbMentions).
absl::StatusOr<MovieTitles> LoadMovieTitles(const std::string& path);

// `titles` must outlive the map.
// UniCRS entity id -> ReDial movie id. First through the KGSF link file (movieId -> DBpedia
// URI) and entity2id.json (URI -> entity id); an entity the link misses is matched by its
// URI's name ("Headhunter_(2009_film)" -> "Headhunter", 2009) against the movie titles,
// preferring titles written in `text` (the turn's response) when several match.
class EntityMovieMap {
 public:
  // entity2id: {"<http://dbpedia.org/resource/X>": int}; link: TSV redial_movie_id<TAB>uri.
  static absl::StatusOr<EntityMovieMap> Load(const std::string& entity2id_path, const std::string& link_tsv_path,
                                             const MovieTitles& titles);
  // From already-read contents (tests).
  static absl::StatusOr<EntityMovieMap> FromStrings(const std::string& entity2id_json, const std::string& link_tsv,
                                                    const MovieTitles& titles);

  enum class How { kNone, kLink, kName };
  // ReDial id, or -1; `how` says which way it was found.
  int64_t Map(int64_t entity_id, const std::string& text, How* how) const;

 private:
  absl::flat_hash_map<int64_t, int64_t> by_link_;            // entity id -> movie id
  absl::flat_hash_map<int64_t, std::string> uri_;            // entity id -> URI
  absl::flat_hash_map<std::string, std::vector<int64_t>> by_name_;  // normalised name -> movie ids
  const MovieTitles* titles_ = nullptr;
};

absl::StatusOr<RedialTurns> ParseRedialDialogues(std::istream& in, const MovieTitles& titles);
absl::StatusOr<RedialTurns> ParseUnicrsTurns(std::istream& in, const EntityMovieMap& map);

// "Happy Death Day  (2017)" -> "Happy Death Day (2017)" (runs of spaces collapsed, trimmed).
std::string NormaliseTitle(const std::string& title);

}  // namespace chatrec::eval
