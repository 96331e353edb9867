#include "libs/dialogue/state.h"

#include <algorithm>

#include "libs/nlu/word_lists.h"

namespace chatrec::dialogue {
namespace {

template <typename Field, typename T>
bool Contains(const Field& f, const T& v) {
  return std::find(f.begin(), f.end(), v) != f.end();
}

template <typename Field, typename T>
void RemoveValue(Field* f, const T& v) {
  f->erase(std::remove(f->begin(), f->end(), v), f->end());
}

void AddUnique(google::protobuf::RepeatedPtrField<std::string>* f, const std::string& v) {
  if (!Contains(*f, v)) *f->Add() = v;
}

void AddUnique(google::protobuf::RepeatedField<int64_t>* f, int64_t v) {
  if (!Contains(*f, v)) f->Add(v);
}

bool IsGenre(const std::string& id) { return id.rfind("genre:", 0) == 0; }

}  // namespace

void SetPreference(v1::SessionState* state, const std::string& entity_id, float weight) {
  for (auto& p : *state->mutable_preferences()) {
    if (p.entity_id() == entity_id) {
      p.set_weight(weight);
      return;
    }
  }
  auto* p = state->add_preferences();
  p->set_entity_id(entity_id);
  p->set_weight(weight);
}

int64_t ReferredItem(const nlu::Understanding& u, const v1::SessionState& state) {
  for (const auto& m : u.mentions) {
    int64_t id = catalog::ItemIdFromEntity(m.entity_id);
    if (id >= 0) return id;
  }
  if (u.ordinal >= 0) return u.ordinal < state.last_item_ids_size() ? state.last_item_ids(u.ordinal) : -1;
  if (state.focus_item_id() > 0) return state.focus_item_id();
  return state.last_item_ids_size() > 0 ? state.last_item_ids(0) : -1;
}

namespace {

// The year of the film a comparative age refers to: the last title named in the utterance, else the
// one the conversation is about, else the last title discussed; 0 when none is known.
int ReferenceYear(const nlu::Understanding& u, const catalog::Catalog& catalog, const v1::SessionState& state) {
  int64_t id = -1;
  for (const auto& m : u.mentions) {
    if (const int64_t item = catalog::ItemIdFromEntity(m.entity_id); item >= 0) id = item;
  }
  if (id < 0 && state.focus_item_id() > 0) id = state.focus_item_id();
  if (id < 0 && state.discussed_item_ids_size() > 0) id = state.discussed_item_ids(state.discussed_item_ids_size() - 1);
  const int32_t row = id >= 0 ? catalog.RowOf(id) : -1;
  return row >= 0 ? catalog.item(row).year() : 0;
}

}  // namespace

StateChange ApplyUnderstanding(const nlu::Understanding& u, const catalog::Catalog& catalog, v1::SessionState* state) {
  StateChange change;
  if (u.intent == v1::INTENT_START_OVER) {
    state->Clear();
    change.cleared = true;
    return change;
  }
  auto* must = state->mutable_constraints()->mutable_must_entities();
  auto* must_not = state->mutable_constraints()->mutable_must_not_entities();

  // A turn that names new genres starts a new search: it replaces the earlier genre
  // and people wishes, since people switch genre more often than they intersect them
  // ("actually, something scary"). Years and liked titles stay.
  bool new_positive_genre = std::any_of(u.mentions.begin(), u.mentions.end(), [](const nlu::Mention& m) {
    return !m.negative && IsGenre(m.entity_id);
  });
  if (new_positive_genre) {
    must->Clear();
  }

  const bool rejecting = u.intent == v1::INTENT_REJECT;
  const bool accepting = u.intent == v1::INTENT_ACCEPT;
  bool item_mentioned = false;
  for (const auto& m : u.mentions) {
    if (m.entity_id.empty()) {  // a year expression
      if (m.negative && m.min_year && m.max_year) continue;  // "not from the 80s": not expressible as one range
      int min_year = m.min_year, max_year = m.max_year;
      // "Something more recent" / "older" after a film: than that film, not the catalogue's last years.
      if (const int year = m.relative_age != 0 ? ReferenceYear(u, catalog, *state) : 0; year > 0) {
        min_year = m.relative_age > 0 ? year + 1 : 0;
        max_year = m.relative_age < 0 ? year - 1 : 0;
      }
      state->mutable_constraints()->mutable_years()->set_min_year(min_year);
      state->mutable_constraints()->mutable_years()->set_max_year(max_year);
      change.years_changed = true;
      continue;
    }
    int64_t item_id = catalog::ItemIdFromEntity(m.entity_id);
    if (item_id >= 0) {
      item_mentioned = true;
      if (rejecting) {
        AddUnique(state->mutable_rejected_item_ids(), item_id);
        change.rejected_items.push_back(item_id);
      } else if (accepting) {
        AddUnique(state->mutable_accepted_item_ids(), item_id);
        change.accepted_items.push_back(item_id);
      } else if (m.negative) {
        SetPreference(state, m.entity_id, -1.f);
        change.disliked_items.push_back(item_id);
      } else {
        SetPreference(state, m.entity_id, 1.f);
        change.liked_items.push_back(item_id);
      }
      continue;
    }
    if (u.intent == v1::INTENT_ASK_ABOUT_ITEM || u.intent == v1::INTENT_EXPLAIN) continue;
    if (m.describes_named && m.negative) continue;  // "I don't think it was scary": about a film, rules nothing out
    // Genres and people are hard constraints: "a comedy", "with Tom Hanks", "no horror".
    if (m.negative) {
      RemoveValue(must, m.entity_id);
      AddUnique(must_not, m.entity_id);
      SetPreference(state, m.entity_id, -1.f);
      change.added_must_not.push_back(m.entity_id);
    } else {
      RemoveValue(must_not, m.entity_id);
      AddUnique(must, m.entity_id);
      SetPreference(state, m.entity_id, 1.f);
      change.added_must.push_back(m.entity_id);
    }
  }

  // Rejections and acceptances that point at the last recommendation.
  if ((rejecting || accepting) && !item_mentioned) {
    if (u.ordinal >= 0 || u.refers_to_last) {
      int64_t id = ReferredItem(u, *state);
      if (id >= 0) {
        if (rejecting) {
          AddUnique(state->mutable_rejected_item_ids(), id);
          change.rejected_items.push_back(id);
        } else {
          AddUnique(state->mutable_accepted_item_ids(), id);
          change.accepted_items.push_back(id);
        }
      }
    } else if (rejecting) {
      change.wants_new_items = true;  // "another one", "something else", "none of those"
    } else if (state->last_item_ids_size() > 0) {
      AddUnique(state->mutable_accepted_item_ids(), state->last_item_ids(0));
      change.accepted_items.push_back(state->last_item_ids(0));
    }
  }
  // "I loved it" about the last recommendation is a like.
  if (!item_mentioned && u.refers_to_last && !rejecting && !accepting && u.polarity != v1::POLARITY_UNSPECIFIED) {
    int64_t id = ReferredItem(u, *state);
    if (id >= 0 && catalog.RowOf(id) >= 0) {
      bool positive = u.polarity == v1::POLARITY_POSITIVE;
      SetPreference(state, catalog::ItemEntityId(id), positive ? 1.f : -1.f);
      (positive ? change.liked_items : change.disliked_items).push_back(id);
    }
  }
  // The item the conversation is about from now on: the one title named, or the one picked by ordinal.
  int64_t focus = -1;
  int items_named = 0;
  for (const auto& m : u.mentions) {
    int64_t id = catalog::ItemIdFromEntity(m.entity_id);
    if (id >= 0 && catalog.RowOf(id) >= 0) {
      focus = id;
      ++items_named;
    }
  }
  if (items_named != 1) focus = -1;
  if (items_named == 0 && u.ordinal >= 0 && u.ordinal < state->last_item_ids_size()) focus = state->last_item_ids(u.ordinal);
  if (focus > 0) state->set_focus_item_id(focus);
  return change;
}

namespace {

// Moves `value` to the end of `list` (the most recent last), or appends it; bounded, so a very
// long session stays small: the oldest goes first.
template <typename List, typename T>
void MoveToEnd(List* list, T&& value, int cap) {
  auto it = std::find(list->begin(), list->end(), value);
  if (it != list->end()) {
    std::rotate(it, it + 1, list->end());
    return;
  }
  if (list->size() >= cap) list->erase(list->begin());
  list->Add(std::forward<T>(value));
}

}  // namespace

void NoteDiscussed(int64_t item_id, v1::SessionState* state) {
  constexpr int kMaxDiscussed = 100;
  MoveToEnd(state->mutable_discussed_item_ids(), item_id, kMaxDiscussed);
}

void NoteDiscussed(const nlu::Understanding& u, v1::SessionState* state) {
  for (const auto& m : u.mentions) {
    const int64_t id = catalog::ItemIdFromEntity(m.entity_id);
    if (id >= 0) NoteDiscussed(id, state);
  }
}

void NoteSeekerWords(const nlu::Understanding& u, const std::string& text, v1::SessionState* state) {
  if (u.intent == v1::INTENT_ASK_ABOUT_ITEM || u.intent == v1::INTENT_EXPLAIN) return;
  constexpr int kMaxSeekerWords = 50;
  for (std::string& w : nlu::ContentWords(text)) MoveToEnd(state->mutable_seeker_words(), std::move(w), kMaxSeekerWords);
}

}  // namespace chatrec::dialogue
