// Turns ranked items and the session state into what the person reads: an item
// card with reasons drawn from what drove each score (KG paths to liked items,
// the request's constraints, the behaviour history, popularity), a varied
// opening sentence, and answers to questions about an item from the KG.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chatrec/v1/dialogue.pb.h"
#include "libs/catalog/catalog.h"
#include "libs/dialogue/state.h"

namespace chatrec::dialogue {

v1::Item ItemCard(const catalog::Catalog& catalog, int32_t row);

// Reasons for recommending `row`, strongest first. `history_likes` are items the
// user rated highly before (from feedback), used for KG paths too.
std::vector<v1::Reason> ReasonsFor(const catalog::Catalog& catalog, const v1::SessionState& state, int32_t row,
                                   const v1::ScoreBreakdown& breakdown, const std::vector<int64_t>& history_likes);

// One sentence from the strongest one or two reasons.
std::string ReasonSentence(const std::vector<v1::Reason>& reasons);

// "Here are some 1990s comedies with Tom Hanks." Varied by `variant`.
std::string RecommendationIntro(const catalog::Catalog& catalog, const v1::SessionState& state,
                                const StateChange& change, uint64_t variant);

// Answers "who directed it?", "what is it about?" etc. from the KG.
std::string AnswerAbout(const catalog::Catalog& catalog, int32_t row, const std::string& attribute);

// "Is it scary?" (genre_id "genre:horror"): yes or no from the item's genres in the KG,
// and that it is not known when the KG has no genre for it.
std::string AnswerIsGenre(const catalog::Catalog& catalog, int32_t row, const std::string& genre_id);

// "Why that one?": the reasons as one sentence about the item. `recommended`: whether
// the system suggested it (else it says why it would fit).
std::string WhyText(const catalog::Catalog& catalog, int32_t row, const std::vector<v1::Reason>& reasons,
                    bool recommended);

// An abstract without a leading Wikipedia hatnote ("(This article is about the 1989 film.
// For other uses, see ...)", "For the song, see ...").
std::string StripHatnote(const std::string& abstract, const std::string& name);

// "comedy", "1990s", "Tom Hanks": what the constraints ask for, in words.
std::string DescribeConstraints(const catalog::Catalog& catalog, const v1::Filters& constraints);

}  // namespace chatrec::dialogue
