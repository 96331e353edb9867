// Ask or recommend. The policy asks a first clarifying question only when nothing is
// known about what the person wants (no constraint, no preference, no history),
// and then about the attribute whose answer splits the remaining catalogue best
// (highest entropy = expected information gain), never the same attribute twice.
// After the person turns a whole list down without saying anything new ("none of
// those"), while many films still fit, it asks a follow-up question next to the new
// list: the attribute (genre, decade, lead actor, director) with the highest expected
// information gain over the films still in play, never one asked before or already
// constrained.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chatrec/v1/dialogue.pb.h"
#include "libs/catalog/catalog.h"

namespace chatrec::dialogue {

// Entropy (bits) of the attribute's values over the items allowed by the state.
double AttributeEntropy(const catalog::Catalog& catalog, const v1::SessionState& state, const std::string& attribute);

std::optional<v1::Question> ChooseQuestion(const catalog::Catalog& catalog, const v1::SessionState& state,
                                           bool user_has_history);

// The attributes a follow-up question may ask about, and how many of a film's values
// count (a film's answer is one of them, equally likely): all genres, the decade, the
// first three billed actors, the directors.
inline constexpr const char* kFollowUpAttributes[] = {"genre", "decade", "starring", "director"};

// Expected information gain (bits) about which film is meant, of asking `attribute`,
// over `rows` (equally likely): H(answer) - H(answer | film); a film without the
// attribute answers "don't mind".
double ExpectedInformationGain(const catalog::Catalog& catalog, const std::vector<int32_t>& rows,
                               const std::string& attribute);

// The films still in play: allowed by the constraints, never rejected, accepted or shown.
std::vector<int32_t> RowsInPlay(const catalog::Catalog& catalog, const v1::SessionState& state);

// The follow-up question after a whole list was turned down, or none: when fewer than
// `min_candidates` films are in play, or no attribute left gains at least 0.5 bits.
// `attributes` (empty: kFollowUpAttributes) limits what may be asked.
std::optional<v1::Question> ChooseFollowUpQuestion(const catalog::Catalog& catalog, const v1::SessionState& state,
                                                   int min_candidates, const std::vector<std::string>& attributes = {});

}  // namespace chatrec::dialogue
