// The dialogue act of an utterance (intent, ordinal, what an item question asks,
// references to the last item) and the polarity of its mentions: negation cues and
// their scope ("no horror", "anything but Tom Cruise", "I hated Fargo").
#pragma once

#include <string>
#include <vector>

#include "libs/nlu/lexicon.h"
#include "libs/nlu/tokenizer.h"

namespace chatrec::nlu {

// Marks the mentions of `chosen` (non-overlapping, in input order) that a negation
// cue governs, and returns the stance of the utterance as a whole.
chatrec::v1::Polarity ApplyPolarity(const std::vector<Token>& tokens, std::vector<Candidate>* chosen);

struct DialogueAct {
  chatrec::v1::Intent intent = chatrec::v1::INTENT_UNSPECIFIED;
  int ordinal = -1;
  bool refers_to_last = false;
  std::string attribute_asked;
};

DialogueAct ClassifyAct(std::string_view text, const std::vector<Token>& tokens,
                        const std::vector<Candidate>& chosen, chatrec::v1::Polarity polarity);

}  // namespace chatrec::nlu
