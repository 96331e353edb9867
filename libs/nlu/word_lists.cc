#include "libs/nlu/word_lists.h"

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_split.h"
#include "libs/nlu/tokenizer.h"

namespace chatrec::nlu {

extern const std::string_view kEnglishWords;  // english_words.cc

namespace {

absl::flat_hash_set<std::string>* WordSet(std::string_view words) {
  auto* set = new absl::flat_hash_set<std::string>();
  for (absl::string_view w : absl::StrSplit(absl::string_view(words.data(), words.size()), ' ', absl::SkipEmpty())) {
    set->emplace(w);
  }
  return set;
}

// Function words, chat words, and frequent words that are also one-word titles in
// film catalogues. Kept short: the catalogue's abstracts supply most of the rest.
constexpr std::string_view kCommonWords =
    "a about above after again against all almost alone along already also although always am among an "
    "and another any anybody anyone anything anyway are around as ask at away back bad be because become "
    "been before being best better between big bit both but by can cant come could day did didnt do does "
    "doesnt doing done dont down during each either else enough even ever every everything few find "
    "first for from full get give go going gone good got great had has have having he her here him his "
    "how i id ill im in instead into is isnt it its ive just keep kind know last least less let lets "
    "like liked likes little long look lot love loved make many may maybe me mean might mine more most "
    "much must my need never new next nice no none not nothing now of off often oh ok okay old on once "
    "one only or other our out over own perhaps please pretty quite rather really right said same saw "
    "say see seen seven she should show similar since so some someone something sometimes soon sort "
    "still such sure take tell than thank thanks that thats the their them then there these they thing "
    "things think this those though through to too try two under until up us use very want wanted was "
    "watch watched way we well went were what whatever when where which while who whom whose why will "
    "with without would yes yet you your yours "
    // chat and request words
    "hi hello hey hiya howdy yo sup thx ty pls plz lol haha yeah yep yup nope nah hmm um uh "
    "movie movies film films flick flicks cinema show shows series episode recommend recommendation "
    "suggest suggestion suggestions watching tonight today weekend mood feel feeling fun enjoy "
    "enjoyed favorite favourite awesome cool amazing terrible awful boring interesting "
    // everyday words of the genres and of time
    "scary funny comic comedy comedies horror drama dramatic romantic romance action adventure crime "
    "war western musical mystery thriller fantasy family kids children cartoon animated classic classics "
    "recent newer older modern latest early late mid "
    // common one-word film titles that are everyday words
    "heat crash speed ghost giant heavy contact steel bound shine smoke glory wolf junior fallen sphere "
    "powder priest mother species ransom scream eraser volcano sleepers fluke twister outbreak disclosure "
    "phenomenon restoration persuasion breakdown incognito "
    // everyday nouns: two of them together ("Home Alone", "Big Night") still need evidence
    "night day days time man men woman women life world home alone girl girls boy boys people friend friends "
    "place story year years house kid night nights game one two three four five six eight nine ten "
    "morning afternoon evening true";

// Words that say nothing about what a person wants to watch: pronouns, articles, auxiliaries,
// prepositions, conjunctions, chat fillers (normalised: "dont", "im"). Content words such as
// "movie" or "like" stay; the learners drop keys that most dialogues share.
constexpr std::string_view kFunctionWords =
    "the and but for nor yet not are was were been being has have had having does did doing done "
    "can could would should will shall may might must its his her hers him she he they them "
    "their theirs our ours you your yours yourself myself himself herself itself themselves ourselves "
    "this that these those there here then than when where which who whom whose what why how "
    "all any some each every both either neither such own same other another "
    "from into onto with without within about above below over under between among through during "
    "before after again once off out upon toward towards via per "
    "also just only very too quite rather really pretty so such even still ever never always "
    "dont doesnt didnt cant wont isnt arent wasnt werent havent hasnt hadnt couldnt wouldnt shouldnt "
    "aint ive youve weve theyve im youre were theyre hes shes thats theres whats whos ill youll well "
    "theyll youd theyd lets "
    "yes yeah yep yup nope nah okay hmm umm uhh lol haha hahaha hey hello hiya thanks thank thx "
    "please pls plz sure great good nice cool awesome bye goodbye welcome "
    "because since while until unless though although whether "
    "one ones thing things something anything everything nothing someone anyone everyone "
    "get got gets getting go goes going gone went come comes came make makes made take takes took "
    "say says said tell told know knew think thought see saw seen look looking";

const absl::flat_hash_set<std::string>& FunctionWords() {
  static const auto* words = WordSet(kFunctionWords);
  return *words;
}

const absl::flat_hash_set<std::string>& CommonWords() {
  static const auto* words = WordSet(kCommonWords);
  return *words;
}
const absl::flat_hash_set<std::string>& EnglishWords() {
  static const auto* words = WordSet(kEnglishWords);
  return *words;
}

}  // namespace

bool IsCommonWord(std::string_view norm) {
  return CommonWords().contains(absl::string_view(norm.data(), norm.size()));
}
bool IsEnglishWord(std::string_view norm) {
  return EnglishWords().contains(absl::string_view(norm.data(), norm.size()));
}

std::vector<std::string> ContentWords(std::string_view text) {
  std::vector<std::string> words;
  for (Token& t : Tokenize(text)) {
    if (t.norm.size() < 3 || t.is_number || FunctionWords().contains(t.norm)) continue;
    if (std::find(words.begin(), words.end(), t.norm) == words.end()) words.push_back(std::move(t.norm));
  }
  return words;
}

bool DescribesAFilmNamed(const std::vector<Token>& t, size_t i, bool copulas_count) {
  static const absl::flat_hash_set<std::string_view> kWish = {
      "something", "anything", "some", "any",   "movies", "films", "movie", "film",
      "into",      "prefer",   "want", "looking", "for",  "watch", "like",  "love"};
  static const absl::flat_hash_set<std::string_view> kFilm = {"it",     "its",   "thats", "that", "this",
                                                               "which",  "they",  "theyre", "those", "these"};
  static const absl::flat_hash_set<std::string_view> kCopulas = {"is",  "was", "are", "were",  "be",    "been",
                                                                  "hes", "shes", "he", "she", "seems", "looks",
                                                                  "sounds"};
  bool describing = false;
  for (size_t b = 1; b <= 4 && b <= i && !t[i - b + 1].clause_break_before; ++b) {
    const std::string& w = t[i - b].norm;
    if (kWish.contains(w)) return false;
    describing = describing || kFilm.contains(w) || (copulas_count && kCopulas.contains(w));
  }
  return describing;
}

const std::vector<GenreWord>& GenreWords() {
  static const auto* words = new std::vector<GenreWord>{
      {"horror", {"horror"}, 0.95f}, {"horrors", {"horror"}, 0.9f}, {"scary", {"horror"}, 0.85f},
      {"scarier", {"horror"}, 0.8f}, {"frightening", {"horror"}, 0.8f}, {"creepy", {"horror"}, 0.7f},
      {"slasher", {"horror"}, 0.85f},
      {"comedy", {"comedy"}, 0.95f}, {"comedies", {"comedy"}, 0.95f}, {"funny", {"comedy"}, 0.85f},
      {"funnier", {"comedy"}, 0.8f}, {"comic", {"comedy"}, 0.8f}, {"comedic", {"comedy"}, 0.85f},
      {"hilarious", {"comedy"}, 0.8f},
      {"rom com", {"romance", "comedy"}, 0.95f}, {"rom coms", {"romance", "comedy"}, 0.95f},
      {"romcom", {"romance", "comedy"}, 0.95f}, {"romcoms", {"romance", "comedy"}, 0.95f},
      {"romantic comedy", {"romance", "comedy"}, 0.95f},
      {"romantic comedies", {"romance", "comedy"}, 0.95f},
      {"cartoon", {"animation"}, 0.85f}, {"cartoons", {"animation"}, 0.85f},
      {"animated", {"animation"}, 0.9f}, {"animation", {"animation"}, 0.95f},
      {"anime", {"animation"}, 0.8f},
      {"kids", {"childrens"}, 0.8f}, {"kid", {"childrens"}, 0.7f}, {"family", {"childrens"}, 0.7f},
      {"children", {"childrens"}, 0.85f}, {"childrens", {"childrens"}, 0.9f},
      {"childrens movie", {"childrens"}, 0.9f},
      {"sci fi", {"sci-fi"}, 0.95f}, {"scifi", {"sci-fi"}, 0.95f}, {"science fiction", {"sci-fi"}, 0.95f},
      {"sf", {"sci-fi"}, 0.6f},
      {"noir", {"film-noir"}, 0.9f}, {"film noir", {"film-noir"}, 0.95f}, {"noirs", {"film-noir"}, 0.9f},
      {"thriller", {"thriller"}, 0.95f}, {"thrillers", {"thriller"}, 0.95f},
      {"suspense", {"thriller"}, 0.75f}, {"suspenseful", {"thriller"}, 0.8f},
      {"western", {"western"}, 0.9f}, {"westerns", {"western"}, 0.95f},
      {"war", {"war"}, 0.85f}, {"war movie", {"war"}, 0.95f}, {"war movies", {"war"}, 0.95f},
      {"war film", {"war"}, 0.95f}, {"war films", {"war"}, 0.95f},
      {"musical", {"musical"}, 0.9f}, {"musicals", {"musical"}, 0.95f},
      {"documentary", {"documentary"}, 0.95f}, {"documentaries", {"documentary"}, 0.95f},
      {"docs", {"documentary"}, 0.6f},
      {"mystery", {"mystery"}, 0.9f}, {"mysteries", {"mystery"}, 0.9f}, {"whodunit", {"mystery"}, 0.85f},
      {"whodunnit", {"mystery"}, 0.85f},
      {"crime", {"crime"}, 0.9f}, {"gangster", {"crime"}, 0.8f}, {"heist", {"crime"}, 0.75f},
      {"action", {"action"}, 0.9f}, {"action packed", {"action"}, 0.9f},
      {"adventure", {"adventure"}, 0.9f}, {"adventures", {"adventure"}, 0.9f},
      {"fantasy", {"fantasy"}, 0.9f}, {"fantasies", {"fantasy"}, 0.85f},
      {"drama", {"drama"}, 0.95f}, {"dramas", {"drama"}, 0.95f}, {"dramatic", {"drama"}, 0.85f},
      {"romantic", {"romance"}, 0.85f}, {"romance", {"romance"}, 0.95f}, {"romances", {"romance"}, 0.95f},
      {"love story", {"romance"}, 0.9f}, {"love stories", {"romance"}, 0.9f},
  };
  return *words;
}

}  // namespace chatrec::nlu
