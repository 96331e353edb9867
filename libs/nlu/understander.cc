#include "libs/nlu/understander.h"

#include <algorithm>

#include "libs/nlu/intents.h"
#include "libs/nlu/lexicon.h"
#include "libs/nlu/tokenizer.h"
#include "libs/nlu/word_lists.h"
#include "libs/nlu/years.h"

namespace chatrec::nlu {
namespace {

// Readings below this are more likely noise than a mention.
constexpr float kMinConfidence = 0.4f;

// Longest readings first, then the most confident; a reading that overlaps one
// already taken is dropped. Returns the kept readings in input order.
std::vector<Candidate> ChooseReadings(std::vector<Candidate> all) {
  std::stable_sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
    size_t la = a.last - a.first, lb = b.last - b.first;
    if (la != lb) return la > lb;
    if (a.confidence != b.confidence) return a.confidence > b.confidence;
    return a.first < b.first;
  });
  std::vector<Candidate> kept;
  std::vector<bool> used;
  for (auto& c : all) {
    if (c.confidence < kMinConfidence) continue;
    if (used.size() < c.last) used.resize(c.last, false);
    if (std::any_of(used.begin() + c.first, used.begin() + c.last, [](bool u) { return u; })) continue;
    std::fill(used.begin() + c.first, used.begin() + c.last, true);
    kept.push_back(std::move(c));
  }
  std::sort(kept.begin(), kept.end(), [](const Candidate& a, const Candidate& b) { return a.first < b.first; });
  return kept;
}

// "nothing before 1990" asks for 1990 onwards: a negated one-sided range flips.
// A genre word that describes a film already named is no wish: "I don't think it was scary", "it's
// a comedy", "is it funny?" (a pronoun for the film in the clause before it). A wish word there keeps
// it a wish: "something that is funny", "movies that are scary". Marks them (Mention::describes_named).
void MarkGenresDescribingAFilm(const std::vector<Token>& t, std::vector<Candidate>* chosen) {
  for (Candidate& c : *chosen) {
    for (Mention& m : c.mentions) {
      if (m.entity_id.rfind("genre:", 0) == 0 && DescribesAFilmNamed(t, c.first, /*copulas_count=*/false)) {
        m.describes_named = true;
      }
    }
  }
}

void TurnAroundNegatedRanges(std::vector<Candidate>* chosen) {
  for (auto& c : *chosen) {
    for (auto& m : c.mentions) {
      if (!m.entity_id.empty() || !m.negative) continue;
      if (m.min_year == 0 && m.max_year > 0) {
        m.min_year = m.max_year + 1, m.max_year = 0, m.negative = false;
      } else if (m.max_year == 0 && m.min_year > 0) {
        m.max_year = m.min_year - 1, m.min_year = 0, m.negative = false;
      }
    }
  }
}

}  // namespace

Understander::Understander(std::unique_ptr<Lexicon> lexicon) : lexicon_(std::move(lexicon)) {}
Understander::~Understander() = default;

absl::StatusOr<std::unique_ptr<Understander>> Understander::Create(const catalog::Catalog& catalog) {
  auto lexicon = Lexicon::Build(catalog);
  if (!lexicon.ok()) return lexicon.status();
  return std::unique_ptr<Understander>(new Understander(std::move(*lexicon)));
}

Understanding Understander::Understand(std::string_view text) const {
  Understanding u;
  std::vector<Token> tokens = Tokenize(text);
  if (tokens.empty()) return u;
  std::vector<Candidate> readings;
  lexicon_->FindEntities(text, tokens, &readings);
  for (const YearExpression& y : FindYearExpressions(tokens, lexicon_->max_year())) {
    Candidate c;
    c.first = y.first;
    c.last = y.last;
    c.confidence = y.confidence;
    Mention m;
    m.begin = tokens[y.first].begin;
    m.end = tokens[y.last - 1].end;
    m.text = std::string(text.substr(m.begin, m.end - m.begin));
    m.min_year = y.min_year;
    m.max_year = y.max_year;
    m.relative_age = y.relative;
    m.confidence = y.confidence;
    c.mentions.push_back(std::move(m));
    readings.push_back(std::move(c));
  }
  std::vector<Candidate> chosen = ChooseReadings(std::move(readings));
  MarkGenresDescribingAFilm(tokens, &chosen);
  u.polarity = ApplyPolarity(tokens, &chosen);
  TurnAroundNegatedRanges(&chosen);
  DialogueAct act = ClassifyAct(text, tokens, chosen, u.polarity);
  u.intent = act.intent;
  u.ordinal = act.ordinal;
  u.refers_to_last = act.refers_to_last;
  u.attribute_asked = std::move(act.attribute_asked);
  for (auto& c : chosen) {
    for (auto& m : c.mentions) u.mentions.push_back(std::move(m));
  }
  return u;
}

}  // namespace chatrec::nlu
