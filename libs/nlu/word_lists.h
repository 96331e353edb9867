// Fixed word lists of the understanding: everyday English words that must never
// be read as a title or a name on their own, the everyday words for genres, and the
// content words of an utterance (the seeker words of the entity-item term).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libs/nlu/tokenizer.h"

namespace chatrec::nlu {

// True for frequent English and chat words ("it", "big", "go", "scary", "movie"),
// in normalised form. The lexicon adds the words the catalogue's abstracts use in
// lower case; this list covers catalogues without abstracts and chat-only words.
bool IsCommonWord(std::string_view norm);

// True for the ~2,000 everyday English words of english_words.cc (chat vocabulary and
// words that films use as titles: "forget", "wizard", "alien"). Weaker than
// IsCommonWord: a title made of them needs some evidence, a cue like "seen" suffices.
bool IsEnglishWord(std::string_view norm);

// The words of `text` that can say what someone wants ("zombies", "twist", "space"):
// normalised tokens (as Tokenize) of three or more characters, not numbers, not function
// words ("the", "would", "dont"); distinct, in order of first use.
std::vector<std::string> ContentWords(std::string_view text);

// Whether the word at `i` of `tokens` (a genre, a vague age) describes a film already named
// rather than a wish: a pronoun for a film ("it", "that's", "those") among the four words before
// it in its clause, and no wish word there ("something", "movies", "want", "into", "like"):
// "I don't think it was scary", "I know it's a bit old" against "something that is scary",
// "I like old movies". With `copulas_count`, a copula or a pronoun for a person counts too ("is it
// old", "he's older").
bool DescribesAFilmNamed(const std::vector<Token>& tokens, size_t i, bool copulas_count);

struct GenreWord {
  std::string_view phrase;          // normalised words, space-separated
  std::vector<std::string_view> genre_slugs;  // "comedy", "sci-fi": ids are "genre:" + slug
  float confidence;
};
// Every phrase that names one or more genres, in any inflection we accept.
const std::vector<GenreWord>& GenreWords();

}  // namespace chatrec::nlu
