#include "libs/nlu/tokenizer.h"

#include <cctype>

#include "libs/common/text.h"

namespace chatrec::nlu {
namespace {

// Byte length of the UTF-8 sequence starting with `lead` (1 for stray bytes).
size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

bool IsRightSingleQuote(std::string_view s, size_t i) {  // U+2019, typed by phones
  return s.substr(i, 3) == "\xE2\x80\x99";
}
bool IsDoubleQuote(std::string_view s, size_t i, size_t* len) {
  if (s[i] == '"') return *len = 1, true;
  if (s.substr(i, 3) == "\xE2\x80\x9C" || s.substr(i, 3) == "\xE2\x80\x9D") return *len = 3, true;
  return false;
}

// True for the bytes that can be part of a word: ASCII alnum or a Latin-1 letter.
bool IsWordChar(std::string_view s, size_t i, size_t* len) {
  unsigned char c = s[i];
  *len = Utf8Length(c);
  if (c < 0x80) return std::isalnum(c);
  if (*len == 2 && i + 1 < s.size()) {
    unsigned cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
    return cp >= 0xC0 && cp <= 0xFF && cp != 0xD7 && cp != 0xF7;
  }
  return false;
}

bool IsUpperAt(std::string_view s, size_t i) {
  unsigned char c = s[i];
  if (c < 0x80) return std::isupper(c);
  if ((c & 0xE0) == 0xC0 && i + 1 < s.size()) {
    unsigned cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
    return cp >= 0xC0 && cp <= 0xDE && cp != 0xD7;
  }
  return false;
}

}  // namespace

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  bool in_quotes = false;
  bool sentence_start = true;
  bool clause_break = false;
  bool hash = false;
  size_t i = 0;
  while (i < text.size()) {
    size_t len = 1;
    bool apostrophe = text[i] == '\'' || IsRightSingleQuote(text, i);
    size_t apostrophe_len = text[i] == '\'' ? 1 : 3;
    bool word_start = IsWordChar(text, i, &len) ||
                      (apostrophe && i + apostrophe_len < text.size() &&
                       std::isdigit(static_cast<unsigned char>(text[i + apostrophe_len])));
    if (!word_start) {
      unsigned char c = text[i];
      size_t qlen = 0;
      if (IsDoubleQuote(text, i, &qlen)) {
        in_quotes = !in_quotes;
        len = qlen;
      } else if (c == '.' || c == '!' || c == '?') {
        sentence_start = clause_break = true;
      } else if (c == ',' || c == ';' || c == ':') {
        clause_break = true;
      }
      hash = c == '#';
      i += std::max<size_t>(len, 1);
      continue;
    }
    // A word: word chars, with apostrophes inside ("don't") or in front of digits ("'90s").
    size_t begin = i;
    std::string raw;
    while (i < text.size()) {
      size_t l = 1;
      if (IsWordChar(text, i, &l)) {
        raw.append(text.substr(i, l));
        i += l;
        continue;
      }
      size_t alen = text[i] == '\'' ? 1 : (IsRightSingleQuote(text, i) ? 3 : 0);
      if (alen > 0 && i + alen < text.size() && IsWordChar(text, i + alen, &l)) {
        i += alen;  // joined, as NormalizeForMatch does
        continue;
      }
      break;
    }
    Token t;
    t.norm = NormalizeForMatch(raw);
    t.begin = begin;
    t.end = i;
    size_t first = begin;
    while (first < i && !IsWordChar(text, first, &len)) first += Utf8Length(text[first]);
    t.capitalized = IsUpperAt(text, first);
    bool any_alpha = false, all_upper = true;
    for (size_t k = begin; k < i; ++k) {
      unsigned char c = text[k];
      if (std::isalpha(c)) {
        any_alpha = true;
        if (!std::isupper(c)) all_upper = false;
      }
    }
    t.all_caps = any_alpha && all_upper;
    t.is_number = !t.norm.empty() && t.norm.find_first_not_of("0123456789") == std::string::npos;
    t.possessive = raw.size() > 1 && raw.back() == 's' && t.norm.size() > 2 &&
                   (text.substr(begin, i - begin).ends_with("'s") ||
                    text.substr(begin, i - begin).ends_with("\xE2\x80\x99s"));
    t.sentence_start = sentence_start;
    t.clause_break_before = clause_break && !tokens.empty();
    t.after_hash = hash;
    t.quoted = in_quotes;
    sentence_start = clause_break = hash = false;
    if (t.norm.empty()) continue;
    // NormalizeForMatch may split a raw word that holds odd characters; keep one token.
    for (char& c : t.norm) {
      if (c == ' ') c = '_';
    }
    tokens.push_back(std::move(t));
  }
  return tokens;
}

std::vector<std::string> NormalizedWords(std::string_view phrase) {
  std::vector<std::string> words;
  for (auto& t : Tokenize(phrase)) words.push_back(std::move(t.norm));
  return words;
}

size_t FindPhrase(const std::vector<Token>& tokens, std::string_view phrase, size_t from) {
  std::vector<std::string_view> words;
  size_t start = 0;
  while (start < phrase.size()) {
    size_t space = phrase.find(' ', start);
    if (space == std::string_view::npos) space = phrase.size();
    if (space > start) words.push_back(phrase.substr(start, space - start));
    start = space + 1;
  }
  if (words.empty()) return std::string_view::npos;
  for (size_t i = from; i + words.size() <= tokens.size(); ++i) {
    size_t k = 0;
    while (k < words.size() && tokens[i + k].norm == words[k] && (k == 0 || !tokens[i + k].clause_break_before)) ++k;
    if (k == words.size()) return i;
  }
  return std::string_view::npos;
}

}  // namespace chatrec::nlu
