// How one understood utterance changes the session state. Pure functions over
// the protobuf state, so they are easy to test and to replay.
#pragma once

#include <vector>

#include "chatrec/v1/dialogue.pb.h"
#include "libs/catalog/catalog.h"
#include "libs/nlu/understander.h"

namespace chatrec::dialogue {

// What the turn did to the state, for the response text.
struct StateChange {
  std::vector<std::string> added_must;      // entity ids now required
  std::vector<std::string> added_must_not;  // entity ids now excluded
  std::vector<int64_t> liked_items;         // titles the user said they like
  std::vector<int64_t> disliked_items;
  std::vector<int64_t> rejected_items;      // recommendations the user turned down
  std::vector<int64_t> accepted_items;
  bool years_changed = false;
  bool cleared = false;                     // start over
  bool wants_new_items = false;             // "another", "something else": skip what was shown
};

// The item a turn refers to: the mentioned title, else "the second one", else the item
// in focus (the one last named, picked or asked about), else the first item of the
// last recommendation. -1 if none.
int64_t ReferredItem(const nlu::Understanding& u, const v1::SessionState& state);

// Applies hard constraints (genres, people, years), preferences (liked or disliked
// titles and entities), rejections and acceptances, and moves the focus to the one
// title named or picked by ordinal.
StateChange ApplyUnderstanding(const nlu::Understanding& u, const catalog::Catalog& catalog, v1::SessionState* state);

// Moves the titles named in `u` (either speaker) to the end of discussed_item_ids.
void NoteDiscussed(const nlu::Understanding& u, v1::SessionState* state);
void NoteDiscussed(int64_t item_id, v1::SessionState* state);

// Moves the content words of the user's `text` to the end of seeker_words (not for a question
// about a title: its words describe that title, not the wish).
void NoteSeekerWords(const nlu::Understanding& u, const std::string& text, v1::SessionState* state);

// Adds or replaces an entity's weight in the preferences.
void SetPreference(v1::SessionState* state, const std::string& entity_id, float weight);

}  // namespace chatrec::dialogue
