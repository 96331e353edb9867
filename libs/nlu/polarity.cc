// Negation and sentiment: which mentions the user rules out, and the stance of the
// utterance. A negation cue governs the mentions after it up to a clause boundary
// (punctuation, "but", "though", or "and"/"or" that starts a positive request).
#include <algorithm>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "libs/nlu/intents.h"

namespace chatrec::nlu {
namespace {

using Set = absl::flat_hash_set<std::string_view>;

const Set& NegationCues() {
  static const auto* s = new Set{"no",     "not",     "nothing", "none",  "without", "except", "excluding",
                                 "exclude", "avoid",  "hate",    "hated", "hates",   "dislike", "disliked",
                                 "dislikes", "never", "neither", "nor",   "didnt",   "dont",   "doesnt",
                                 "wasnt",  "isnt",    "arent",   "cant",  "couldnt", "wont",   "wouldnt",
                                 "minus",  "detest",  "loathe",  "skip"};
  return *s;
}
// After a negation these words mean something else: "don't mind", "haven't seen".
const Set& NegationCancellers() {
  static const auto* s = new Set{"mind", "care", "seen", "watched", "heard", "saw", "see", "only", "problem", "worries"};
  return *s;
}
const Set& ClauseBreakers() {
  static const auto* s = new Set{"but", "though", "however", "instead", "rather", "although", "whereas", "yet"};
  return *s;
}
// "... and I love ...": a conjunction followed by one of these starts a positive clause.
const Set& PositiveStarts() {
  static const auto* s = new Set{"i", "id", "im", "love", "loved", "like", "liked", "want", "prefer", "enjoy",
                                 "enjoyed", "something", "some", "more", "maybe", "with", "please", "also"};
  return *s;
}
const Set& NegativeJudgements() {
  static const auto* s = new Set{"terrible", "awful", "boring", "bad", "sucked", "sucks", "overrated", "horrible",
                                 "worst", "meh", "lame", "dull", "stupid", "disappointing", "hated", "crap", "rubbish"};
  return *s;
}
const Set& PositiveJudgements() {
  static const auto* s = new Set{"love", "loved", "loves", "liked", "enjoyed", "adored", "great", "amazing",
                                 "awesome", "fantastic", "brilliant", "favorite", "favourite", "excellent",
                                 "perfect", "good", "wonderful", "masterpiece", "fan"};
  return *s;
}

bool IsNegationAt(const std::vector<Token>& t, size_t i) {
  if (!NegationCues().contains(t[i].norm)) return false;
  // A question opened by a negated auxiliary asks, it does not rule out: "Isn't that with Tom Hanks?",
  // "Don't you love Jim Carrey?".
  static const Set kAuxiliaries = {"isnt", "arent", "wasnt", "werent", "doesnt", "didnt", "dont",
                                   "cant", "wont", "wouldnt", "couldnt", "shouldnt", "havent", "hasnt"};
  static const Set kSubjects = {"that", "it", "this", "he", "she", "they", "you", "there", "those", "these"};
  if (kAuxiliaries.contains(t[i].norm) && (i == 0 || t[i].sentence_start || t[i].clause_break_before) &&
      i + 1 < t.size() && kSubjects.contains(t[i + 1].norm)) {
    return false;
  }
  // "no" answering a question ("No, a comedy") is followed by a clause break.
  if (t[i].norm == "no" && (i + 1 == t.size() || t[i + 1].clause_break_before)) return false;
  for (size_t k = i + 1; k < t.size() && k <= i + 3; ++k) {
    if (t[k].clause_break_before) break;
    const std::string& w = t[k].norm;
    if (NegationCancellers().contains(w)) return false;
    if (w != "yet" && w != "even" && w != "ever" && w != "really" && w != "actually" && w != "i" && w != "have") break;
  }
  return true;
}

bool PrecededByNot(const std::vector<Token>& t, size_t i) {
  for (size_t k = i; k > 0 && k + 2 >= i; --k) {
    const std::string& w = t[k - 1].norm;
    if (w == "not" || w == "didnt" || w == "dont" || w == "doesnt" || w == "wasnt" || w == "isnt" || w == "never") {
      return true;
    }
    if (t[k].clause_break_before) break;
  }
  return false;
}

}  // namespace

chatrec::v1::Polarity ApplyPolarity(const std::vector<Token>& t, std::vector<Candidate>* chosen) {
  // Token index -> candidate starting there.
  std::vector<int> starts(t.size(), -1);
  for (size_t c = 0; c < chosen->size(); ++c) starts[(*chosen)[c].first] = static_cast<int>(c);
  bool negated = false;
  size_t clause_start = 0;
  bool negative_stance = false, positive_stance = false;
  auto mark_clause_after_judgement = [&](size_t judgement) {
    // "Fargo was terrible": mentions earlier in the clause are disliked.
    for (auto& c : *chosen) {
      if (c.first >= clause_start && c.last <= judgement) {
        for (auto& m : c.mentions) m.negative = true;
      }
    }
  };
  for (size_t i = 0; i < t.size(); ++i) {
    const std::string& w = t[i].norm;
    if (t[i].clause_break_before || ClauseBreakers().contains(w)) {
      bool but_cue = w == "but" && i > 0 &&
                     (t[i - 1].norm == "anything" || t[i - 1].norm == "everything" || t[i - 1].norm == "all");
      if (!but_cue) {
        negated = false;
        clause_start = i;
      }
    }
    if ((w == "and" || w == "or") && i + 1 < t.size() && PositiveStarts().contains(t[i + 1].norm)) {
      negated = false;
      clause_start = i;
    }
    if (w == "but" && i > 0) {
      const std::string& p = t[i - 1].norm;
      if (p == "anything" || p == "everything" || p == "all") negated = true;   // "anything but X"
      if (p == "nothing") negated = false;                                       // "nothing but comedies"
    }
    bool judged_bad = NegativeJudgements().contains(w) && !PrecededByNot(t, i);
    bool judged_good = PositiveJudgements().contains(w);
    if (judged_good && PrecededByNot(t, i)) judged_bad = true, judged_good = false;
    if ((w == "like" || w == "enjoy" || w == "care") && PrecededByNot(t, i)) judged_bad = true;
    if (w == "like" && i + 1 < t.size() && (t[i + 1].norm == "it" || t[i + 1].norm == "that" || t[i + 1].norm == "this") &&
        !PrecededByNot(t, i)) {
      judged_good = true;
    }
    if (judged_bad) {
      negative_stance = true;
      mark_clause_after_judgement(i);
    } else if (judged_good) {
      positive_stance = true;
    }
    if (IsNegationAt(t, i) && !(w == "nothing" && i + 1 < t.size() && t[i + 1].norm == "but")) negated = true;
    if (starts[i] >= 0 && negated) {
      for (auto& m : (*chosen)[starts[i]].mentions) m.negative = true;
    }
  }
  if (negative_stance) return chatrec::v1::POLARITY_NEGATIVE;
  if (positive_stance) return chatrec::v1::POLARITY_POSITIVE;
  return chatrec::v1::POLARITY_UNSPECIFIED;
}

}  // namespace chatrec::nlu
