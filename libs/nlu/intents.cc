// Intent, ordinal, item questions and references to the last item, from cue phrases.
// Text-based only: the dialogue combines this with its session state.
#include "libs/nlu/intents.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>

namespace chatrec::nlu {
namespace {

using chatrec::v1::Intent;
using Phrases = std::initializer_list<std::string_view>;

bool HasAny(const std::vector<Token>& t, Phrases phrases) {
  for (auto p : phrases) {
    if (FindPhrase(t, p) != std::string_view::npos) return true;
  }
  return false;
}
bool StartsWithAny(const std::vector<Token>& t, Phrases phrases) {
  for (auto p : phrases) {
    if (FindPhrase(t, p) == 0) return true;
  }
  return false;
}
bool AllIn(const std::vector<Token>& t, Phrases words) {
  return std::all_of(t.begin(), t.end(), [&](const Token& tok) {
    return std::find(words.begin(), words.end(), tok.norm) != words.end();
  });
}

// "the second one", "2nd", "number 2", "#2", "option 2" -> 1; -1 if none.
int FindOrdinal(const std::vector<Token>& t) {
  static constexpr std::string_view kWords[][2] = {
      {"first", "1st"}, {"second", "2nd"}, {"third", "3rd"}, {"fourth", "4th"}, {"fifth", "5th"},
      {"sixth", "6th"}, {"seventh", "7th"}, {"eighth", "8th"}, {"ninth", "9th"}, {"tenth", "10th"}};
  static const Phrases kNouns = {"one", "option", "movie", "film", "suggestion", "pick", "choice", "recommendation"};
  static const Phrases kAfterAlone = {"please", "is", "was", "sounds", "looks", "then", "instead", "pls", "thanks"};
  auto in = [](Phrases set, std::string_view w) { return std::find(set.begin(), set.end(), w) != set.end(); };
  for (size_t i = 0; i < t.size(); ++i) {
    bool next_noun = i + 1 < t.size() && !t[i + 1].clause_break_before && in(kNouns, t[i + 1].norm);
    bool alone = i > 0 && t[i - 1].norm == "the" &&
                 (i + 1 == t.size() || t[i + 1].clause_break_before || in(kAfterAlone, t[i + 1].norm));
    for (int n = 0; n < 10; ++n) {
      if ((t[i].norm == kWords[n][0] || t[i].norm == kWords[n][1]) && (next_noun || alone)) return n;
    }
    bool numbered = t[i].after_hash || (i > 0 && (t[i - 1].norm == "number" || t[i - 1].norm == "option" ||
                                                  t[i - 1].norm == "choice" || t[i - 1].norm == "num"));
    if (numbered && t[i].is_number && t[i].norm.size() <= 2) {
      int v = 0;
      std::from_chars(t[i].norm.data(), t[i].norm.data() + t[i].norm.size(), v);
      if (v >= 1 && v <= 20) return v - 1;
    }
  }
  return -1;
}

// "it", "that one", "this movie": a reference to what was last shown or discussed.
bool RefersToLast(const std::vector<Token>& t) {
  for (size_t i = 0; i < t.size(); ++i) {
    const std::string& w = t[i].norm;
    bool end = i + 1 == t.size() || t[i + 1].clause_break_before;
    const std::string next = end ? "" : t[i + 1].norm;
    if ((w == "it" || w == "its") && !(i > 0 && t[i - 1].norm == "make")) return true;
    if ((w == "that" || w == "this") &&
        (end || next == "one" || next == "movie" || next == "film" || next == "is" || next == "was" ||
         next == "sounds" || next == "looks")) {
      return true;
    }
    if (w == "the" && (next == "movie" || next == "film") &&
        (i + 2 >= t.size() || t[i + 2].clause_break_before)) {
      return true;
    }
  }
  return false;
}

// For an item question: the attribute it asks about, or "".
std::string AskedAttribute(std::string_view text, const std::vector<Token>& t, bool mentions_genre,
                           bool mentions_item) {
  bool question = text.find('?') != std::string_view::npos ||
                  StartsWithAny(t, {"who", "what", "whats", "when", "which", "how", "tell me", "is", "was", "does"});
  if (HasAny(t, {"who directed", "who direct", "whos the director", "who is the director", "who was the director",
                 "directed it", "director of"}) ||
      (question && HasAny(t, {"director", "directed by", "who made"}))) {
    return "director";
  }
  if (HasAny(t, {"who wrote", "who is the writer", "whos the writer", "who was the writer"}) ||
      (question && HasAny(t, {"writer", "screenplay", "written by"}))) {
    return "writer";
  }
  if (HasAny(t, {"who is in", "whos in", "who stars", "who starred", "who plays", "who acts", "who was in",
                 "who is starring", "whos starring"}) ||
      (question && HasAny(t, {"cast", "actors", "actor", "starring", "stars in", "who is in it"}))) {
    return "cast";
  }
  if (HasAny(t, {"what is it about", "whats it about", "what was it about", "what is that about",
                 "whats that about", "what is this about", "whats this about", "tell me about", "tell me more",
                 "what happens", "what its about", "what it is about"}) ||
      (question && (HasAny(t, {"plot", "story", "synopsis", "summary"}) ||
                    (mentions_item && StartsWithAny(t, {"what is", "whats"}) && !t.empty() &&
                     t.back().norm == "about")))) {
    return "plot";
  }
  if (HasAny(t, {"when was", "what year", "which year", "how old is", "release date", "come out", "came out",
                 "when is it from", "released when", "when did"})) {
    return "year";
  }
  if (HasAny(t, {"what genre", "which genre", "what kind of movie is", "what kind of film is", "what type of movie is",
                 "what sort of movie is"}) ||
      (mentions_genre && StartsWithAny(t, {"is it", "is that", "is this", "was it", "is", "does it"}) && question)) {
    return "genre";
  }
  return "";
}

}  // namespace

DialogueAct ClassifyAct(std::string_view text, const std::vector<Token>& all, const std::vector<Candidate>& chosen,
                        chatrec::v1::Polarity polarity) {
  DialogueAct act;
  // Cue words inside a title are not cues: "is Toy Story scary?" asks about the genre, not the story, and
  // "Why Do Fools Fall in Love" or "Air Force One" ask for no explanation or ordinal.
  std::vector<bool> in_title(all.size(), false);
  for (const auto& c : chosen) {
    bool item = std::any_of(c.mentions.begin(), c.mentions.end(),
                            [](const Mention& m) { return m.type == chatrec::v1::ENTITY_TYPE_ITEM; });
    for (size_t i = c.first; item && i < c.last && i < all.size(); ++i) in_title[i] = true;
  }
  std::vector<Token> outside;
  outside.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    if (!in_title[i]) outside.push_back(all[i]);
  }
  const std::vector<Token>& t = outside;
  bool entities = false, items = false, genres = false, any = !chosen.empty();
  for (const auto& c : chosen) {
    for (const auto& m : c.mentions) {
      entities |= !m.entity_id.empty();
      items |= m.type == chatrec::v1::ENTITY_TYPE_ITEM;
      genres |= m.type == chatrec::v1::ENTITY_TYPE_GENRE;
    }
  }
  act.ordinal = FindOrdinal(t);
  act.refers_to_last = !items && act.ordinal < 0 && RefersToLast(t);
  const bool short_text = all.size() <= 4;

  auto decide = [&]() -> Intent {
    if (HasAny(t, {"start over", "start again", "start from scratch", "from scratch", "reset", "restart",
                   "forget everything", "forget all", "forget it all", "begin again", "new search", "clear everything"})) {
      return chatrec::v1::INTENT_START_OVER;
    }
    if ((HasAny(t, {"why", "how come", "explain", "what makes you think", "reason"}) && !HasAny(t, {"why not"}))) {
      return chatrec::v1::INTENT_EXPLAIN;
    }
    act.attribute_asked = AskedAttribute(text, t, genres, items);
    if (!act.attribute_asked.empty() && (items || act.refers_to_last || act.ordinal >= 0 || short_text ||
                                         text.find('?') != std::string_view::npos)) {
      return chatrec::v1::INTENT_ASK_ABOUT_ITEM;
    }
    act.attribute_asked.clear();
    if (!entities && t.size() <= 8 &&
        HasAny(t, {"how are you", "how are u", "how r u", "hows it going", "how is it going", "how do you do",
                   "nice to meet you", "good to meet you", "whats up", "how have you been", "hows your day"})) {
      return chatrec::v1::INTENT_GREETING;  // small talk
    }
    if (HasAny(t, {"ill watch", "i will watch", "ill take", "i will take", "ill go with", "i will go with",
                   "lets go with", "ill have", "i choose", "ill choose", "i pick", "ill pick", "sounds good",
                   "sounds great", "sounds perfect", "sounds interesting", "that works", "ill check it out",
                   "ill try", "lets watch", "i want that one", "i like that one", "perfect thanks", "great thanks"})) {
      return chatrec::v1::INTENT_ACCEPT;
    }
    bool seen = HasAny(t, {"seen it", "seen that", "seen this", "seen them", "saw it", "saw that", "watched it",
                           "watched that", "already seen", "already watched", "already saw", "ive seen",
                           "i have seen", "have seen", "i saw", "i watched", "ive watched", "i have watched"});
    if (seen && polarity != chatrec::v1::POLARITY_POSITIVE) return chatrec::v1::INTENT_REJECT;
    bool other = HasAny(t, {"another", "something else", "anything else", "other one", "others", "different one",
                            "something different", "show me more", "next one"});
    if (other && !entities) return chatrec::v1::INTENT_REJECT;
    if (HasAny(t, {"not that one", "not this one", "not that", "not this", "not interested", "no thanks",
                   "no thank you", "none of those", "none of these", "none of them", "not for me", "nope", "nah",
                   "pass", "dont like that", "dont like it", "didnt like it", "not really"}) ||
        (short_text && AllIn(t, {"no", "next", "skip", "none"}))) {
      return chatrec::v1::INTENT_REJECT;
    }
    if (act.refers_to_last && !entities && polarity == chatrec::v1::POLARITY_NEGATIVE) {
      return chatrec::v1::INTENT_REJECT;  // "I hated it"
    }
    if (!entities && short_text &&
        StartsWithAny(t, {"yes", "yeah", "yep", "sure", "ok", "okay", "perfect", "great", "thanks", "thank you",
                          "deal", "awesome", "cool", "nice"})) {
      return chatrec::v1::INTENT_ACCEPT;
    }
    if (!any && !t.empty() &&
        AllIn(t, {"hi", "hello", "hey", "there", "hiya", "howdy", "yo", "greetings", "good", "morning", "afternoon",
                  "evening", "sup", "whats", "up", "hallo", "everyone", "all", "folks"}) &&
        HasAny(t, {"hi", "hello", "hey", "hiya", "howdy", "yo", "greetings", "morning", "afternoon", "evening",
                   "sup", "whats up", "hallo"})) {
      return chatrec::v1::INTENT_GREETING;
    }
    if (act.ordinal >= 0 && !entities && short_text) {
      // "not the first one" turns one down; "the second one" picks it.
      return StartsWithAny(t, {"not", "no"}) ? chatrec::v1::INTENT_REJECT : chatrec::v1::INTENT_ACCEPT;
    }
    bool refine_cue = StartsWithAny(t, {"but", "and", "also", "only", "just", "maybe", "what about", "how about",
                                        "with", "without", "more", "less", "make it", "preferably", "actually",
                                        "instead", "rather", "same but", "now"}) ||
                      HasAny(t, {"something with", "something more", "more", "only", "instead", "how about",
                                 "what about", "rather", "also", "less", "newer", "older", "similar", "like that",
                                 "like this", "like it"}) ||
                      other;
    if (refine_cue && (any || act.refers_to_last)) return chatrec::v1::INTENT_REFINE;
    if (any || act.ordinal >= 0 ||
        HasAny(t, {"recommend", "suggest", "suggestion", "movie", "movies", "film", "films", "watch", "want",
                   "looking for", "mood", "something", "anything", "show me", "give me", "find me", "feel like",
                   "prefer", "fan of", "i like", "i love", "i liked", "i loved", "i enjoy", "i enjoyed"}) ||
        (act.refers_to_last && polarity != chatrec::v1::POLARITY_UNSPECIFIED)) {
      return chatrec::v1::INTENT_RECOMMEND;
    }
    return chatrec::v1::INTENT_UNSPECIFIED;
  };
  act.intent = decide();
  return act;
}

}  // namespace chatrec::nlu
