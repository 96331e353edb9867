// Language understanding for the dialogue: turns one user utterance into an intent,
// the catalogue entities it mentions (titles, people, genres) with their polarity,
// year constraints, and references to what was shown before ("the second one", "it").
// Rule-based over lexicons built from the catalogue, so it needs no model weights,
// runs in well under a millisecond, and is deterministic.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "chatrec/v1/common.pb.h"
#include "chatrec/v1/dialogue.pb.h"
#include "libs/catalog/catalog.h"

namespace chatrec::nlu {

struct Mention {
  std::string text;            // the words in the input
  size_t begin = 0, end = 0;   // byte offsets into the input
  std::string entity_id;       // "genre:comedy", "person:Tom_Hanks", "item:50"; empty for year expressions
  chatrec::v1::EntityType type = chatrec::v1::ENTITY_TYPE_UNSPECIFIED;
  int min_year = 0, max_year = 0;  // year expressions; 0 = open
  // Year expressions: +1 "newer"/"more recent", -1 "older", relative to a film the user has in mind
  // when there is one (the session state resolves it); min_year/max_year hold the range without one.
  int relative_age = 0;
  bool negative = false;       // "no horror", "anything but Tom Cruise", "I hated Fargo"
  // A genre that describes a film already named rather than a wish: "I don't think it was scary",
  // "it's a comedy" (a pronoun for the film before it in the clause, no wish word such as
  // "something" or "movies"); the session state rules nothing out for a negative one.
  bool describes_named = false;
  float confidence = 0;        // 0..1
};

struct Understanding {
  chatrec::v1::Intent intent = chatrec::v1::INTENT_UNSPECIFIED;
  std::vector<Mention> mentions;  // in input order
  int ordinal = -1;            // "the second one" -> 1 (0-based); -1 none
  bool refers_to_last = false; // "it", "that one", "seen it" without a title
  std::string attribute_asked; // for ASK_ABOUT_ITEM: "director", "cast", "writer", "plot", "year", "genre"
  // The user's stance in the utterance as a whole: "I loved it" is positive, "I hated
  // it" negative, "a comedy" unspecified. Mentions carry their own polarity; this is
  // what applies to `refers_to_last` / `ordinal`.
  chatrec::v1::Polarity polarity = chatrec::v1::POLARITY_UNSPECIFIED;
};

class Lexicon;

// Definitions used throughout (documented here because callers act on them):
//  - "old", "older", "classic", "vintage": films up to 1979 (max_year 1979).
//  - "recent", "new", "newer", "latest", "modern": min_year = newest year in the catalogue - 3.
//  - "after 2000" is min_year 2001, "since 1995" 1995, "before 1980" max_year 1979,
//    "until 1980" 1980; "the 90s" 1990-1999, "early 90s" 1990-1993, "mid" 1993-1996, "late" 1996-1999.
//  - A negated one-sided year range is turned around: "nothing before 1990" becomes
//    min_year 1990 (negative = false); a negated closed range ("not from the 80s") stays negative.
class Understander {
 public:
  // Builds the lexicons from the catalogue (titles, aliases, people, genres). Not owned;
  // must outlive this.
  static absl::StatusOr<std::unique_ptr<Understander>> Create(const catalog::Catalog& catalog);
  ~Understander();

  // Thread-safe (const, no shared mutable state); typically well under 1 ms.
  Understanding Understand(std::string_view text) const;

 private:
  explicit Understander(std::unique_ptr<Lexicon> lexicon);
  std::unique_ptr<Lexicon> lexicon_;
};

}  // namespace chatrec::nlu
