// Ask or recommend. The policy asks one clarifying question only when nothing is
// known about what the person wants (no constraint, no preference, no history),
// and then about the attribute whose answer splits the remaining catalogue best
// (highest entropy = expected information gain), never the same attribute twice.
#pragma once

#include <optional>

#include "chatrec/v1/dialogue.pb.h"
#include "libs/catalog/catalog.h"

namespace chatrec::dialogue {

// Entropy (bits) of the attribute's values over the items allowed by the state.
double AttributeEntropy(const catalog::Catalog& catalog, const v1::SessionState& state, const std::string& attribute);

std::optional<v1::Question> ChooseQuestion(const catalog::Catalog& catalog, const v1::SessionState& state,
                                           bool user_has_history);

}  // namespace chatrec::dialogue
