// Splits user text into word tokens that keep their byte offsets, in the same
// normalisation as the lexicon keys (chatrec::NormalizeForMatch): lower case,
// accents folded, apostrophes joined ("Schindler's" -> "schindlers", "'90s" -> "90s").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chatrec::nlu {

struct Token {
  std::string norm;          // normalised form, never empty
  size_t begin = 0, end = 0; // byte offsets into the input
  bool capitalized = false;  // first letter upper case in the input ("Fargo", "GoodFellas")
  bool all_caps = false;     // every letter upper case ("FARGO"; a single "I" too)
  bool sentence_start = false;  // first token of the input or after . ! ?
  bool after_hash = false;   // written "#2"
  bool quoted = false;       // inside "..." or “...”
  // Punctuation between the previous token and this one that ends a clause (, . ; ! ? :).
  bool clause_break_before = false;
  bool is_number = false;    // all digits
  bool possessive = false;   // written "Fargo's": `norm` is "fargos", the lexicon also tries "fargo"
};

// Tokens of `text` in order. Separators are anything but ASCII letters and digits,
// Latin-1 letters, and apostrophes inside or in front of a word.
std::vector<Token> Tokenize(std::string_view text);

// Lexicon keys go through the same rules: the normalised tokens of `phrase`.
std::vector<std::string> NormalizedWords(std::string_view phrase);

// Index of the first token at or after `from` where the normalised words of `phrase`
// ("ive seen", "who directed") start, with no clause break inside; npos if none.
size_t FindPhrase(const std::vector<Token>& tokens, std::string_view phrase, size_t from = 0);

}  // namespace chatrec::nlu
