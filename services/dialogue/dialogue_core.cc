#include "services/dialogue/dialogue_core.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"
#include "libs/dialogue/policy.h"
#include "libs/dialogue/responder.h"

namespace chatrec::dialogue {
namespace {

bool ValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    if (n < 0 || i + n >= s.size() + (n == 0 ? 1 : 0)) return false;
    for (int j = 1; j <= n; ++j) {
      if (i + j >= s.size() || (static_cast<unsigned char>(s[i + j]) & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

// At most `max` bytes, never cutting a UTF-8 sequence (proto strings must stay valid UTF-8).
std::string TruncateUtf8(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

void AddUnique(google::protobuf::RepeatedField<int64_t>* f, int64_t v) {
  if (std::find(f->begin(), f->end(), v) == f->end()) f->Add(v);
}

v1::Mention ToProto(const nlu::Mention& m, const catalog::Catalog& c) {
  v1::Mention p;
  p.set_text(m.text);
  if (!m.entity_id.empty()) {
    p.mutable_entity()->set_id(m.entity_id);
    p.mutable_entity()->set_name(c.EntityName(m.entity_id));
    p.mutable_entity()->set_type(m.type);
  } else {
    p.mutable_years()->set_min_year(m.min_year);
    p.mutable_years()->set_max_year(m.max_year);
  }
  p.set_polarity(m.negative ? v1::POLARITY_NEGATIVE : v1::POLARITY_POSITIVE);
  p.set_confidence(m.confidence);
  return p;
}

std::string Degradation(const char* what, const absl::Status& s) {
  return absl::StrCat(what, ": ", absl::StatusCodeToString(s.code()), ": ", s.message());
}

// The opening of a reply to a greeting or small talk ("how are you?" gets an answer, not just "Hi!").
std::string SmallTalkReply(const std::string& text) {
  std::string lower(text.size(), ' ');
  std::transform(text.begin(), text.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower.find("how are") != std::string::npos || lower.find("how r u") != std::string::npos ||
      lower.find("going") != std::string::npos || lower.find("how have you") != std::string::npos) {
    return "Hi! I'm doing well, thanks for asking. ";
  }
  if (lower.find("nice to meet") != std::string::npos || lower.find("good to meet") != std::string::npos) {
    return "Nice to meet you too! ";
  }
  return "Hi! ";
}

bool IsPersonOrItem(const std::string& id) { return id.rfind("person:", 0) == 0 || id.rfind("item:", 0) == 0; }

}  // namespace

absl::StatusOr<v1::Session> DialogueCore::StartSession(const v1::StartSessionRequest& req) {
  if (req.user_id().empty() || req.user_id().size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat("user_id must be 1..", kMaxIdBytes, " bytes"));
  }
  return o_.sessions->Create(req.user_id(), o_.clock->NowMs());
}

absl::StatusOr<v1::Session> DialogueCore::GetSession(const v1::GetSessionRequest& req) const {
  if (req.session_id().empty()) return absl::InvalidArgumentError("session_id is empty");
  return o_.sessions->Get(req.session_id());
}

absl::Status DialogueCore::EndSession(const v1::EndSessionRequest& req) {
  if (req.session_id().empty()) return absl::InvalidArgumentError("session_id is empty");
  RETURN_IF_ERROR(o_.sessions->Get(req.session_id()).status());
  return o_.sessions->Delete(req.session_id());
}

absl::StatusOr<v1::ConverseResponse> DialogueCore::Converse(const v1::ConverseRequest& req, Deadline deadline) {
  // Validate everything before touching any state.
  if (req.text().empty()) return absl::InvalidArgumentError("text is empty; send what the user typed");
  if (req.text().size() > kMaxTextBytes) {
    return absl::InvalidArgumentError(absl::StrCat("text is ", req.text().size(), " bytes; at most ", kMaxTextBytes));
  }
  if (!ValidUtf8(req.text())) return absl::InvalidArgumentError("text is not valid UTF-8");
  if (req.has_k() && (req.k() < 1 || req.k() > kMaxK)) {
    return absl::InvalidArgumentError(absl::StrCat("k must be 1..", kMaxK, ", got ", req.k()));
  }
  if (req.user_id().size() > kMaxIdBytes) return absl::InvalidArgumentError("user_id is longer than 256 bytes");
  if (req.session_id().empty() && req.user_id().empty()) {
    return absl::InvalidArgumentError("user_id is required to start a session (session_id is empty)");
  }
  v1::Session session;
  if (req.session_id().empty()) {
    ASSIGN_OR_RETURN(session, o_.sessions->Create(req.user_id(), o_.clock->NowMs()));
  } else {
    ASSIGN_OR_RETURN(session, o_.sessions->Get(req.session_id()));
    if (!req.user_id().empty() && req.user_id() != session.user_id()) {
      return absl::InvalidArgumentError(absl::StrCat("session ", session.session_id(), " belongs to another user"));
    }
  }
  const int k = req.has_k() ? req.k() : kDefaultK;
  const int turn = session.turns() + 1;
  const catalog::Catalog& c = *o_.catalog;

  nlu::Understanding u = o_.nlu->Understand(req.text());
  v1::ConverseResponse resp;
  resp.set_session_id(session.session_id());
  resp.set_turn(turn);
  resp.mutable_understanding()->set_intent(u.intent);
  for (const auto& m : u.mentions) *resp.mutable_understanding()->add_mentions() = ToProto(m, c);
  resp.set_path(v1::SERVING_PATH_NO_RECOMMENDATION);

  v1::SessionState* state = session.mutable_state();
  StateChange change = ApplyUnderstanding(u, c, state);
  // The last lines of the dialogue, for the LLM's prompts (this turn's reply is added at the end).
  *state->add_recent_lines() = absl::StrCat("User: ", TruncateUtf8(req.text(), 300));
  NoteDiscussed(u, state);
  NoteSeekerWords(u, req.text(), state);
  RecordEvents(session, turn, v1::EVENT_TYPE_REJECT, change.rejected_items, deadline, &resp);
  RecordEvents(session, turn, v1::EVENT_TYPE_ACCEPT, change.accepted_items, deadline, &resp);
  RecordEvents(session, turn, v1::EVENT_TYPE_LIKE, change.liked_items, deadline, &resp);
  RecordEvents(session, turn, v1::EVENT_TYPE_DISLIKE, change.disliked_items, deadline, &resp);

  const uint64_t variant = std::hash<std::string>()(session.session_id()) + turn;
  if (u.intent == v1::INTENT_ACCEPT && !change.accepted_items.empty()) {
    int32_t row = c.RowOf(change.accepted_items.front());
    resp.set_text(absl::StrCat(variant % 2 ? "Great choice! Enjoy " : "Enjoy ", row >= 0 ? c.item(row).name() : "it",
                               ". Tell me how you liked it, or ask for something else."));
  } else if (u.intent == v1::INTENT_ASK_ABOUT_ITEM || u.intent == v1::INTENT_EXPLAIN) {
    int64_t id = ReferredItem(u, *state);
    int32_t row = id >= 0 ? c.RowOf(id) : -1;
    if (row >= 0) state->set_focus_item_id(id);
    auto genre = std::find_if(u.mentions.begin(), u.mentions.end(),
                              [](const nlu::Mention& m) { return m.type == v1::ENTITY_TYPE_GENRE; });
    if (row < 0) {
      resp.set_text("Which movie do you mean? Name it, or say \"the first one\".");
    } else if (u.intent == v1::INTENT_ASK_ABOUT_ITEM && u.attribute_asked == "genre" && genre != u.mentions.end()) {
      resp.set_text(AnswerIsGenre(c, row, genre->entity_id));  // "is it scary?"
    } else if (u.intent == v1::INTENT_ASK_ABOUT_ITEM) {
      resp.set_text(AnswerAbout(c, row, u.attribute_asked.empty() ? "plot" : u.attribute_asked));
    } else {
      v1::ExplainItemRequest ereq;
      ereq.set_session_id(session.session_id());
      ereq.set_item_id(id);
      // Explain against the state as it is now (this turn changed nothing that matters).
      RETURN_IF_ERROR(o_.sessions->Put(session));
      auto explained = ExplainItem(ereq, deadline);
      resp.set_text(explained.ok() ? explained->text() : WhyText(c, row, {}, true));
    }
  } else if (change.cleared) {
    resp.set_text("Sure, let's start over. What are you in the mood for?");
  } else {
    // Ask or recommend. History makes a question unnecessary.
    bool has_history = false;
    auto user_state = o_.feedback->GetUserState(session.user_id(), deadline);
    if (user_state.ok()) has_history = !user_state->cold_start();
    std::optional<v1::Question> q;
    if (o_.ask_questions && (u.mentions.empty() || u.intent == v1::INTENT_GREETING)) {
      q = ChooseQuestion(c, *state, has_history);
    }
    if (q) {
      *resp.mutable_question() = *q;
      *state->add_asked_attributes() = q->attribute();
      resp.set_text(u.intent == v1::INTENT_GREETING ? absl::StrCat(SmallTalkReply(req.text()), q->text()) : q->text());
    } else {
      // A whole list turned down with nothing new said: ask what would narrow it most, next to the new list.
      std::optional<v1::Question> follow_up;
      if (o_.ask_questions && o_.follow_up_min_candidates > 0 && change.wants_new_items && u.mentions.empty() &&
          state->shown_item_ids_size() > 0) {
        follow_up = ChooseFollowUpQuestion(c, *state, o_.follow_up_min_candidates, o_.follow_up_attributes);
      }
      Recommend(&session, change, k, deadline, &resp, o_.lead_with_discussed);
      state->clear_last_item_ids();
      for (const auto& item : resp.items()) {
        state->add_last_item_ids(item.item().id());
        AddUnique(state->mutable_shown_item_ids(), item.item().id());
      }
      std::vector<int64_t> shown;
      for (const auto& item : resp.items()) shown.push_back(item.item().id());
      RecordEvents(session, turn, v1::EVENT_TYPE_IMPRESSION, shown, deadline, &resp);
      if (resp.items_size() > 0) {
        state->set_focus_item_id(resp.items(0).item().id());
        std::string intro = RecommendationIntro(c, *state, change, variant);
        resp.set_text(resp.text().empty() ? intro : absl::StrCat(resp.text(), " ", intro));
        LlmReword(session, deadline, &resp);
        if (follow_up) {
          *resp.mutable_question() = *follow_up;
          *state->add_asked_attributes() = follow_up->attribute();
          resp.set_text(absl::StrCat(follow_up->text(), " ", resp.text()));
        }
      } else if (resp.text().empty()) {
        resp.set_text(absl::StrCat("I couldn't find any ", DescribeConstraints(c, state->constraints()),
                                   ". Could you loosen one of the wishes?"));
      }
    }
  }
  auto* lines = state->mutable_recent_lines();
  *lines->Add() = absl::StrCat("Assistant: ", TruncateUtf8(resp.text(), 300));
  if (lines->size() > o_.recent_lines) lines->DeleteSubrange(0, lines->size() - o_.recent_lines);
  session.set_turns(turn);
  session.set_updated_ms(o_.clock->NowMs());
  RETURN_IF_ERROR(o_.sessions->Put(session));
  return resp;
}

absl::StatusOr<std::vector<int64_t>> DialogueCore::Rank(const std::string& session_id, int k, Deadline deadline,
                                                        int lead_with_discussed) {
  if (k < 1 || k > 100) return absl::InvalidArgumentError("k must be 1..100");
  ASSIGN_OR_RETURN(v1::Session session, o_.sessions->Get(session_id));
  v1::ConverseResponse resp;
  Recommend(&session, StateChange(), k, deadline, &resp,
            lead_with_discussed >= 0 ? lead_with_discussed : o_.lead_with_discussed);
  std::vector<int64_t> ids;
  for (const auto& item : resp.items()) ids.push_back(item.item().id());
  return ids;
}

absl::Status DialogueCore::NoteShown(const std::string& session_id, const std::vector<int64_t>& item_ids) {
  ASSIGN_OR_RETURN(v1::Session session, o_.sessions->Get(session_id));
  auto* state = session.mutable_state();
  state->clear_last_item_ids();
  for (int64_t id : item_ids) {
    if (o_.catalog->RowOf(id) < 0) continue;
    state->add_last_item_ids(id);
    AddUnique(state->mutable_shown_item_ids(), id);
  }
  // As after our own recommendation: "it" is now the first of the items shown.
  if (state->last_item_ids_size() > 0) state->set_focus_item_id(state->last_item_ids(0));
  return o_.sessions->Put(session);
}

absl::StatusOr<std::vector<int64_t>> DialogueCore::NoteSystemText(const std::string& session_id,
                                                                  const std::string& text) {
  if (text.size() > kMaxTextBytes || !ValidUtf8(text)) {
    return absl::InvalidArgumentError(absl::StrCat("text must be valid UTF-8 of at most ", kMaxTextBytes, " bytes"));
  }
  ASSIGN_OR_RETURN(v1::Session session, o_.sessions->Get(session_id));
  nlu::Understanding u = o_.nlu->Understand(text);
  std::vector<int64_t> ids;
  for (const auto& m : u.mentions) {
    const int64_t id = catalog::ItemIdFromEntity(m.entity_id);
    if (id >= 0 && o_.catalog->RowOf(id) >= 0 && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  auto* state = session.mutable_state();
  if (!ids.empty()) state->clear_last_item_ids();
  for (int64_t id : ids) {
    state->add_last_item_ids(id);
    AddUnique(state->mutable_shown_item_ids(), id);
    NoteDiscussed(id, state);
  }
  RETURN_IF_ERROR(o_.sessions->Put(session));
  return ids;
}

std::vector<DialogueCore::Ranked> DialogueCore::PopularFallback(const v1::Filters& f, int k) const {
  const catalog::Catalog& c = *o_.catalog;
  std::vector<Ranked> out;
  for (int32_t r = 0; r < c.size(); ++r) {
    bool ok = true;
    for (const auto& id : f.must_entities()) ok = ok && c.HasEntity(r, id);
    for (const auto& id : f.must_not_entities()) ok = ok && !c.HasEntity(r, id);
    int year = c.item(r).year();
    if (f.years().min_year() && year < f.years().min_year()) ok = false;
    if (f.years().max_year() && year > f.years().max_year()) ok = false;
    if (std::find(f.exclude_item_ids().begin(), f.exclude_item_ids().end(), c.item(r).id()) != f.exclude_item_ids().end()) ok = false;
    if (ok) out.push_back({r, static_cast<float>(c.item(r).popularity()), {}});
  }
  std::sort(out.begin(), out.end(), [](const Ranked& a, const Ranked& b) { return a.score > b.score || (a.score == b.score && a.row < b.row); });
  if (out.size() > static_cast<size_t>(k)) out.resize(k);
  return out;
}

absl::Status DialogueCore::ScoreCandidates(const v1::RetrieveResponse& candidates, Deadline deadline,
                                           v1::ScoreRequest* sreq, std::vector<Ranked>* ranked,
                                           absl::flat_hash_map<int64_t, uint32_t>* sources) const {
  sreq->clear_candidate_ids();
  for (const auto& cand : candidates.candidates()) {
    sreq->add_candidate_ids(cand.item_id());
    uint32_t& mask = (*sources)[cand.item_id()];
    for (const auto& src : cand.sources()) {
      if (src.source() >= 0 && src.source() < 32) mask |= 1u << src.source();
    }
  }
  ranked->clear();
  if (sreq->candidate_ids().empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(v1::ScoreResponse scored, o_.scoring->Score(*sreq, deadline));
  for (const auto& s : scored.items()) {
    int32_t row = o_.catalog->RowOf(s.item_id());
    if (row >= 0) ranked->push_back({row, s.score(), s.breakdown()});
  }
  return absl::OkStatus();
}

std::vector<DialogueCore::Ranked> DialogueCore::MergeRankings(std::vector<Ranked> first, const std::vector<Ranked>& rest,
                                                              int top, float bonus,
                                                              const std::function<float(int32_t)>& match) {
  std::vector<Ranked> below;
  if (static_cast<int>(first.size()) > top) {
    if (bonus > 0 && match) below.assign(first.begin() + top, first.end());
    first.resize(top);
  }
  absl::flat_hash_set<int32_t> taken;
  for (const auto& r : first) taken.insert(r.row);
  if (bonus <= 0 || !match) {
    for (const auto& r : rest) {
      if (taken.insert(r.row).second) first.push_back(r);
    }
    return first;
  }
  below.insert(below.end(), rest.begin(), rest.end());
  std::vector<std::pair<float, size_t>> order;  // (score + bonus · match, index in below)
  for (size_t i = 0; i < below.size(); ++i) {
    if (taken.insert(below[i].row).second) order.push_back({below[i].score + bonus * match(below[i].row), i});
  }
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && below[a.second].row < below[b.second].row);
  });
  for (const auto& [s, i] : order) first.push_back(below[i]);
  return first;
}

std::vector<int64_t> DialogueCore::BestFirst(const absl::flat_hash_map<int64_t, float>& scores) {
  std::vector<std::pair<float, int64_t>> by_score;  // (score, id)
  by_score.reserve(scores.size());
  for (const auto& [id, score] : scores) by_score.push_back({score, id});
  std::sort(by_score.begin(), by_score.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  std::vector<int64_t> ids;
  ids.reserve(by_score.size());
  for (const auto& [score, id] : by_score) ids.push_back(id);
  return ids;
}

void DialogueCore::KeepSourceSlots(const std::vector<SourceSlots>& slots, const SourceScores& scores,
                                   std::vector<Ranked>* ranked) const {
  absl::flat_hash_map<int64_t, size_t> at;  // item id -> index in ranked
  for (size_t i = 0; i < ranked->size(); ++i) at.emplace(o_.catalog->item((*ranked)[i].row).id(), i);
  std::vector<int> every;
  std::vector<std::vector<size_t>> picks(slots.size());
  for (size_t r = 0; r < slots.size(); ++r) {
    every.push_back(slots[r].every);
    for (int64_t id : BestFirst(scores.at(slots[r].source))) {
      if (auto it = at.find(id); it != at.end()) picks[r].push_back(it->second);
    }
  }
  std::vector<Ranked> slotted;
  slotted.reserve(ranked->size());
  for (size_t i : OrderWithSlots(ranked->size(), every, picks)) slotted.push_back(std::move((*ranked)[i]));
  *ranked = std::move(slotted);
}

RerankList DialogueCore::RerankInputs(const v1::Session& session, const std::vector<Ranked>& ranked,
                                      const absl::flat_hash_map<int64_t, uint32_t>& sources, int depth,
                                      const SourceRanks& source_ranks, int source_top) const {
  const catalog::Catalog& c = *o_.catalog;
  const v1::SessionState& state = session.state();
  RerankList list;
  absl::flat_hash_set<std::string> genres, people;
  auto note = [&](const std::string& id) {
    if (id.rfind("genre:", 0) == 0) genres.insert(id);
    if (id.rfind("person:", 0) == 0) people.insert(id);
  };
  for (const auto& id : state.constraints().must_entities()) note(id);
  for (const auto& p : state.preferences()) {
    if (p.weight() > 0) note(p.entity_id());
  }
  list.turn = {.titles = state.discussed_item_ids_size(), .genres = static_cast<int>(genres.size()),
               .people = static_cast<int>(people.size()), .turn = session.turns()};
  const auto& wished = state.constraints().must_entities();
  absl::flat_hash_set<int64_t> discussed(state.discussed_item_ids().begin(), state.discussed_item_ids().end());
  const int n = source_top > 0 ? static_cast<int>(ranked.size()) : std::min(depth, static_cast<int>(ranked.size()));
  for (int i = 0; i < n; ++i) {
    const Ranked& r = ranked[i];
    RerankCandidate cand;
    cand.item_id = c.item(r.row).id();
    cand.position = i;
    if (auto it = source_ranks.find(cand.item_id); it != source_ranks.end()) {
      cand.kg_rank = it->second[0];
      cand.item_item_rank = it->second[1];
    }
    if (!Reranker::Reorders(cand, depth, source_top)) continue;
    cand.score = r.score;
    cand.breakdown = r.breakdown;
    if (auto it = sources.find(cand.item_id); it != sources.end()) cand.sources = it->second;
    if (!wished.empty()) {
      int has = 0;
      for (const auto& e : wished) has += c.HasEntity(r.row, e) ? 1 : 0;
      cand.wished_share = static_cast<float>(has) / static_cast<float>(wished.size());
    }
    cand.discussed = discussed.contains(cand.item_id);
    list.candidates.push_back(std::move(cand));
  }
  return list;
}

absl::StatusOr<RerankList> DialogueCore::RerankCandidates(const std::string& session_id, int depth, Deadline deadline,
                                                          int source_top) {
  if (depth < 1 || depth > 1000) return absl::InvalidArgumentError("depth must be 1..1000");
  if (source_top < 0 || source_top > 1000) return absl::InvalidArgumentError("source_top must be 0..1000");
  ASSIGN_OR_RETURN(v1::Session session, o_.sessions->Get(session_id));
  v1::ConverseResponse resp;
  RerankList list;
  Recommend(&session, StateChange(), depth, deadline, &resp, 0, &list, source_top);
  return list;
}

void DialogueCore::Recommend(v1::Session* mutable_session, const StateChange& change, int k, Deadline deadline,
                             v1::ConverseResponse* resp, int lead_with_discussed, RerankList* capture,
                             int capture_source_top) {
  const catalog::Catalog& c = *o_.catalog;
  const v1::Session& session = *mutable_session;
  const v1::SessionState& state = session.state();
  bool degraded_feedback = false;

  // 1. Behaviour state.
  v1::UserState user;
  auto us = o_.feedback->GetUserState(session.user_id(), deadline);
  if (us.ok()) {
    user = std::move(*us);
  } else {
    degraded_feedback = true;
    *resp->add_degradations() = Degradation("feedback", us.status());
  }

  // 2. What to ask for.
  v1::Filters filters = state.constraints();
  if (!o_.hard_genre_people) filters.clear_must_entities();
  auto exclude = [&](int64_t id) { AddUnique(filters.mutable_exclude_item_ids(), id); };
  for (int64_t id : state.rejected_item_ids()) exclude(id);
  for (int64_t id : state.accepted_item_ids()) exclude(id);
  for (const auto& p : state.preferences()) {
    int64_t id = catalog::ItemIdFromEntity(p.entity_id());
    if (id >= 0) exclude(id);  // titles the user named are known to them
  }
  for (int64_t id : user.seen_item_ids()) exclude(id);
  for (int64_t id : user.rejected_item_ids()) exclude(id);
  if (change.wants_new_items) {
    for (int64_t id : state.shown_item_ids()) exclude(id);
  }
  google::protobuf::RepeatedPtrField<v1::WeightedEntity> need = state.preferences();
  if (o_.seeker_word_weight > 0) {
    constexpr int kMaxNeed = 150;  // retrieval and scoring take up to 200
    for (int i = state.seeker_words_size() - 1; i >= 0 && need.size() < kMaxNeed; --i) {
      auto* e = need.Add();
      e->set_entity_id(absl::StrCat("word:", state.seeker_words(i)));
      e->set_weight(o_.seeker_word_weight);
    }
  }
  google::protobuf::RepeatedPtrField<v1::WeightedEntity> kg;
  for (const auto& p : state.preferences()) {
    if (p.weight() > 0 && IsPersonOrItem(p.entity_id())) *kg.Add() = p;
  }
  if (o_.discussed_context_weight > 0) {
    absl::flat_hash_set<std::string> present;
    for (const auto& p : state.preferences()) present.insert(p.entity_id());
    absl::flat_hash_set<int64_t> unwanted(state.rejected_item_ids().begin(), state.rejected_item_ids().end());
    int added = 0;
    constexpr int kMaxDiscussedContext = 20;
    for (int i = state.discussed_item_ids_size() - 1; i >= 0 && added < kMaxDiscussedContext && kg.size() < 150; --i) {
      const int64_t id = state.discussed_item_ids(i);
      std::string entity = catalog::ItemEntityId(id);
      if (unwanted.contains(id) || present.contains(entity)) continue;
      auto* e = kg.Add();
      e->set_entity_id(std::move(entity));
      e->set_weight(o_.discussed_context_weight);
      ++added;
    }
  }
  std::vector<int64_t> history_likes(user.liked_item_ids().begin(), user.liked_item_ids().end());
  if (history_likes.size() > 20) history_likes.resize(20);
  for (size_t i = 0; i < history_likes.size() && i < 5; ++i) {
    auto* e = kg.Add();
    e->set_entity_id(catalog::ItemEntityId(history_likes[i]));
    e->set_weight(0.3f);
  }

  // 3. Candidates, relaxing the most recent wishes when nothing matches all of them.
  v1::RetrieveRequest rreq;
  rreq.set_user_id(session.user_id());
  *rreq.mutable_user_vector() = user.vector();
  rreq.set_user_model_version(user.model_version());
  *rreq.mutable_need() = need;
  *rreq.mutable_kg_context() = kg;
  rreq.set_k(o_.candidates);
  std::vector<std::string> relaxed;
  // Drops the most recent person, else the years, else the last genre; false if none is left.
  auto relax_one = [&]() {
    auto* must = filters.mutable_must_entities();
    auto person = std::find_if(must->rbegin(), must->rend(), [](const std::string& id) { return id.rfind("genre:", 0) != 0; });
    if (person != must->rend()) {
      relaxed.push_back(c.EntityName(*person));
      must->erase(std::next(person).base());
    } else if (filters.years().min_year() || filters.years().max_year()) {
      relaxed.push_back("the years");
      filters.clear_years();
    } else if (!must->empty()) {
      relaxed.push_back(c.EntityName(must->Get(must->size() - 1)));
      must->RemoveLast();
    } else {
      return false;
    }
    return true;
  };
  // Every film that fits the wishes was already shown in this session (the user did not turn them
  // down, or they would be excluded) and this turn added no wish: rather than show the same few
  // again, the wishes are widened as when nothing fits, and the films shown are left out of the
  // wider list. A turn that narrows the wishes ("only from the 80s") keeps them as said.
  const bool added_wish = !change.added_must.empty() || !change.added_must_not.empty() || change.years_changed;
  bool exhausted = false;
  absl::flat_hash_set<int64_t> shown(state.shown_item_ids().begin(), state.shown_item_ids().end());
  auto only_shown = [&](const v1::RetrieveResponse& r) {
    return r.candidates_size() == r.matching_items() &&
           std::all_of(r.candidates().begin(), r.candidates().end(),
                       [&](const v1::Candidate& cand) { return shown.contains(cand.item_id()); });
  };
  absl::StatusOr<v1::RetrieveResponse> candidates;
  while (true) {
    *rreq.mutable_filters() = filters;
    candidates = o_.retrieval->Retrieve(rreq, deadline);
    if (!candidates.ok()) break;
    if (candidates->matching_items() > 0) {
      if (exhausted || added_wish || change.wants_new_items || !only_shown(*candidates) || !relax_one()) break;
      exhausted = true;
      for (int64_t id : shown) exclude(id);
      continue;
    }
    if (!relax_one()) break;
  }
  if (!relaxed.empty()) {
    const std::string wished = exhausted ? DescribeConstraints(c, state.constraints()) : "";  // as they were
    // The relaxed wishes leave the session too, so later turns do not fail on them again.
    auto* constraints = mutable_session->mutable_state()->mutable_constraints();
    *constraints->mutable_must_entities() = filters.must_entities();
    *constraints->mutable_years() = filters.years();
    const std::string left_out = absl::StrJoin(relaxed, " and ");
    resp->set_text(exhausted ? absl::StrCat("Those were all the ", wished, " I know, so I left out ", left_out, ".")
                             : absl::StrCat("Nothing matches all of that, so I left out ", left_out, "."));
  }

  std::vector<Ranked> ranked;
  if (!candidates.ok()) {
    *resp->add_degradations() = Degradation("retrieval", candidates.status());
    resp->set_path(v1::SERVING_PATH_POPULAR_FALLBACK);
    ranked = PopularFallback(filters, k);
  } else {
    // 4. Ranking.
    v1::ScoreRequest sreq;
    *sreq.mutable_user_vector() = user.vector();
    sreq.set_user_model_version(user.model_version());
    *sreq.mutable_need() = need;
    *sreq.mutable_kg_context() = kg;
    // A few more than k, so that a KG neighbour can take the last slot (below), and at least what the
    // re-ranker reorders.
    // One snapshot of the learned re-ranker for the whole turn, even if a new file is swapped in meanwhile.
    const std::shared_ptr<const Reranker> reranker =
        capture == nullptr && o_.rerankers != nullptr ? o_.rerankers->Current() : nullptr;
    const int rerank_depth = capture != nullptr ? k : reranker != nullptr ? reranker->depth() : 0;
    const int source_top = capture != nullptr ? capture_source_top : reranker != nullptr ? reranker->source_top() : 0;
    // The slot rules that apply to a list of k; with any, every candidate is scored (a slot may go
    // to any film its source returned).
    std::vector<SourceSlots> slots;
    if (capture == nullptr) {
      for (const SourceSlots& s : o_.source_slots) {
        if (s.every > 0 && k >= s.every) slots.push_back(s);
      }
    }
    const bool score_all = !slots.empty() || source_top > 0;
    sreq.set_k(std::min(std::max({k, rerank_depth, score_all ? candidates->candidates_size() : 0}) + 20, 1000));
    absl::flat_hash_map<int64_t, uint32_t> sources;
    // The films of the sources this turn needs, with their source's score, from every retrieval of
    // the turn: those the slot rules place, and KG and ITEM_ITEM for the re-ranker's source ranks.
    SourceScores source_scores;
    for (const SourceSlots& s : slots) source_scores[s.source];
    const bool reranks = capture != nullptr || reranker != nullptr;
    if (reranks) {
      source_scores[v1::CANDIDATE_SOURCE_KG];
      source_scores[v1::CANDIDATE_SOURCE_ITEM_ITEM];
    }
    auto note_scores = [&](const v1::RetrieveResponse& r) {
      if (source_scores.empty()) return;
      for (const auto& cand : r.candidates()) {
        for (const auto& src : cand.sources()) {
          auto it = source_scores.find(src.source());
          if (it == source_scores.end()) continue;
          float& best = it->second.try_emplace(cand.item_id(), src.raw_score()).first->second;
          best = std::max(best, src.raw_score());
        }
      }
    };
    note_scores(*candidates);
    absl::Status scored = ScoreCandidates(*candidates, deadline, &sreq, &ranked, &sources);
    // 4a. The genres and people (and, with years_filter_top_only, the years) filter only the first
    // hard_genre_people_top places: below them the ranking of the candidates without those filters follows.
    const int top = o_.hard_genre_people_top;
    const bool soft_years = o_.years_filter_top_only && filters.has_years();
    if (scored.ok() && o_.hard_genre_people && top > 0 && (filters.must_entities_size() > 0 || soft_years) &&
        (k > top || static_cast<int>(ranked.size()) < k)) {
      *rreq.mutable_filters() = filters;
      rreq.mutable_filters()->clear_must_entities();
      if (soft_years) rreq.mutable_filters()->clear_years();
      std::vector<Ranked> soft;
      auto more = o_.retrieval->Retrieve(rreq, deadline);
      absl::Status soft_scored = more.ok() ? ScoreCandidates(*more, deadline, &sreq, &soft, &sources) : more.status();
      if (soft_scored.ok()) {
        note_scores(*more);
        // The share of the wished genres and people a film has, for the fill's bonus.
        auto wished_share = [&](int32_t row) {
          if (filters.must_entities_size() == 0) return 0.f;
          int has = 0;
          for (const auto& e : filters.must_entities()) has += c.HasEntity(row, e) ? 1 : 0;
          return static_cast<float>(has) / static_cast<float>(filters.must_entities_size());
        };
        ranked = MergeRankings(std::move(ranked), soft, top, o_.hard_genre_people_fill_bonus, wished_share);
      } else {
        *resp->add_degradations() = Degradation("ranking below the genre filter", soft_scored);
      }
    }
    // 4b. The learned re-ranker reorders the first places (or, when learning it, what it would read).
    if (scored.ok() && reranks) {
      SourceRanks source_ranks;
      const v1::CandidateSource ranked_sources[] = {v1::CANDIDATE_SOURCE_KG, v1::CANDIDATE_SOURCE_ITEM_ITEM};
      for (size_t s = 0; s < 2; ++s) {
        const std::vector<int64_t> ids = BestFirst(source_scores.at(ranked_sources[s]));
        for (size_t r = 0; r < ids.size(); ++r) {
          source_ranks.try_emplace(ids[r], std::array<int, 2>{-1, -1}).first->second[s] = static_cast<int>(r);
        }
      }
      RerankList list = RerankInputs(session, ranked, sources, rerank_depth, source_ranks, source_top);
      if (capture != nullptr) {
        *capture = std::move(list);
      } else {
        // The films it reorders first, in its order, then the others in the engine's.
        const std::vector<size_t> order = reranker->Order(list.turn, list.candidates);
        std::vector<bool> taken(ranked.size(), false);
        std::vector<Ranked> reordered;
        reordered.reserve(ranked.size());
        for (size_t i : order) {
          const size_t at = static_cast<size_t>(list.candidates[i].position);
          taken[at] = true;
          reordered.push_back(std::move(ranked[at]));
        }
        for (size_t i = 0; i < ranked.size(); ++i) {
          if (!taken[i]) reordered.push_back(std::move(ranked[i]));
        }
        ranked = std::move(reordered);
      }
    }
    // 4c. Places kept for retrieval sources in long lists.
    if (scored.ok() && !slots.empty()) KeepSourceSlots(slots, source_scores, &ranked);
    if (scored.ok()) {
      resp->set_path(degraded_feedback ? v1::SERVING_PATH_NO_USER_STATE : v1::SERVING_PATH_FULL);
      // When the user named something they like, keep one slot for the best item
      // linked to it in the KG: the collaborative signal alone tends to fill the
      // list with generally popular films and never show the director's other work.
      auto is_kg = [&](const Ranked& r) {
        auto src = sources.find(c.item(r.row).id());
        if (src == sources.end() || !((src->second >> v1::CANDIDATE_SOURCE_KG) & 1u)) return false;
        auto reasons = ReasonsFor(c, state, r.row, r.breakdown, {});
        return !reasons.empty() && reasons[0].kind() == v1::REASON_KIND_KG_PATH;
      };
      LlmRerank(session, history_likes, deadline, &ranked, resp);
      bool has_liked = std::any_of(kg.begin(), kg.end(), [](const v1::WeightedEntity& e) { return e.weight() >= 1.f; });
      if (has_liked && !resp->llm().reranked() && static_cast<int>(ranked.size()) > k &&
          std::none_of(ranked.begin(), ranked.begin() + k, is_kg)) {
        auto best_kg = std::find_if(ranked.begin() + k, ranked.end(), is_kg);
        if (best_kg != ranked.end()) ranked[k - 1] = *best_kg;
      }
      if (static_cast<int>(ranked.size()) > k) ranked.resize(k);
    } else {
      *resp->add_degradations() = Degradation("scoring", scored);
      resp->set_path(v1::SERVING_PATH_RETRIEVAL_ORDER);
      for (const auto& cand : candidates->candidates()) {
        if (static_cast<int>(ranked.size()) == k) break;
        int32_t row = c.RowOf(cand.item_id());
        if (row >= 0) ranked.push_back({row, cand.sources_size() ? cand.sources(0).raw_score() : 0.f, {}});
      }
    }
  }

  // 4d. Titles already discussed first, when configured.
  if (lead_with_discussed > 0 && state.discussed_item_ids_size() > 0) {
    absl::flat_hash_set<int64_t> unwanted(state.rejected_item_ids().begin(), state.rejected_item_ids().end());
    unwanted.insert(state.accepted_item_ids().begin(), state.accepted_item_ids().end());
    for (const auto& p : state.preferences()) {
      if (p.weight() < 0) unwanted.insert(catalog::ItemIdFromEntity(p.entity_id()));
    }
    for (int64_t id : user.rejected_item_ids()) unwanted.insert(id);
    std::vector<Ranked> lead;
    for (int i = state.discussed_item_ids_size() - 1; i >= 0 && static_cast<int>(lead.size()) < lead_with_discussed; --i) {
      const int64_t id = state.discussed_item_ids(i);
      const int32_t row = c.RowOf(id);
      if (row < 0 || unwanted.contains(id)) continue;
      lead.push_back({row, 0.f, {}});
    }
    if (!lead.empty()) {
      absl::flat_hash_set<int32_t> lead_rows;
      for (const auto& r : lead) lead_rows.insert(r.row);
      for (const auto& r : ranked) {
        if (static_cast<int>(lead.size()) >= k) break;
        if (!lead_rows.contains(r.row)) lead.push_back(r);
      }
      ranked = std::move(lead);
    }
  }

  // 5. Items with reasons.
  for (const auto& r : ranked) {
    auto* item = resp->add_items();
    *item->mutable_item() = ItemCard(c, r.row);
    item->set_score(r.score);
    *item->mutable_breakdown() = r.breakdown;
    auto reasons = ReasonsFor(c, state, r.row, r.breakdown, history_likes);
    for (auto& reason : reasons) *item->add_reasons() = reason;
    item->set_reason(ReasonSentence(reasons));
  }
}

void DialogueCore::RecordEvents(const v1::Session& session, int turn, v1::EventType type,
                                const std::vector<int64_t>& items, Deadline deadline, v1::ConverseResponse* resp) {
  if (items.empty()) return;
  v1::RecordRequest req;
  for (int64_t id : items) {
    if (o_.catalog->RowOf(id) < 0) continue;
    auto* e = req.add_events();
    // Deterministic ids: a retried turn records nothing twice.
    e->set_event_id(absl::StrCat(session.session_id(), ":", turn, ":", v1::EventType_Name(type), ":", id));
    e->set_user_id(session.user_id());
    e->set_item_id(id);
    e->set_type(type);
    e->set_session_id(session.session_id());
    e->set_source("dialogue");
    e->set_timestamp_ms(o_.clock->NowMs());
  }
  if (req.events_size() == 0) return;
  absl::Status s = o_.feedback->Record(req, deadline);
  if (!s.ok()) *resp->add_degradations() = Degradation("feedback.Record", s);
}

absl::StatusOr<v1::ExplainItemResponse> DialogueCore::ExplainItem(const v1::ExplainItemRequest& req, Deadline deadline) {
  if (req.session_id().empty()) return absl::InvalidArgumentError("session_id is empty");
  const catalog::Catalog& c = *o_.catalog;
  int32_t row = c.RowOf(req.item_id());
  if (row < 0) return absl::InvalidArgumentError(absl::StrCat("item_id ", req.item_id(), " is not in the catalogue"));
  ASSIGN_OR_RETURN(v1::Session session, o_.sessions->Get(req.session_id()));
  const v1::SessionState& state = session.state();
  v1::UserState user;
  if (auto us = o_.feedback->GetUserState(session.user_id(), deadline); us.ok()) user = std::move(*us);
  v1::ScoreRequest sreq;
  *sreq.mutable_user_vector() = user.vector();
  sreq.set_user_model_version(user.model_version());
  *sreq.mutable_need() = state.preferences();
  for (const auto& p : state.preferences()) {
    if (p.weight() > 0 && IsPersonOrItem(p.entity_id())) *sreq.add_kg_context() = p;
  }
  sreq.add_candidate_ids(req.item_id());
  sreq.set_k(1);
  v1::ScoreBreakdown breakdown;
  if (auto scored = o_.scoring->Score(sreq, deadline); scored.ok() && scored->items_size() == 1) {
    breakdown = scored->items(0).breakdown();
  }
  std::vector<int64_t> history_likes(user.liked_item_ids().begin(), user.liked_item_ids().end());
  if (history_likes.size() > 20) history_likes.resize(20);
  auto reasons = ReasonsFor(c, state, row, breakdown, history_likes);
  v1::ExplainItemResponse resp;
  *resp.mutable_item() = ItemCard(c, row);
  for (auto& r : reasons) *resp.add_reasons() = r;
  const auto& shown = state.shown_item_ids();
  resp.set_text(WhyText(c, row, reasons, std::find(shown.begin(), shown.end(), req.item_id()) != shown.end()));
  return resp;
}

void DialogueCore::LlmRerank(const v1::Session& session, const std::vector<int64_t>& history_likes, Deadline deadline,
                             std::vector<Ranked>* ranked, v1::ConverseResponse* resp) const {
  if (o_.llm == nullptr || !o_.llm->rerank() || ranked->size() < 2) return;
  const catalog::Catalog& c = *o_.catalog;
  const v1::SessionState& state = session.state();
  llm::RerankInput in;
  std::vector<std::string> loved, disliked;
  for (const auto& p : state.preferences()) {
    (p.weight() > 0 ? loved : disliked).push_back(c.EntityName(p.entity_id()));
  }
  if (!loved.empty()) in.profile.push_back(absl::StrCat("Likes: ", absl::StrJoin(loved, ", ")));
  if (!disliked.empty()) in.profile.push_back(absl::StrCat("Dislikes: ", absl::StrJoin(disliked, ", ")));
  std::string wants = DescribeConstraints(c, state.constraints());
  if (wants != "movies") in.profile.push_back(absl::StrCat("Asked for: ", wants));
  std::vector<std::string> history;
  for (size_t i = 0; i < history_likes.size() && i < 10; ++i) {
    int32_t row = c.RowOf(history_likes[i]);
    if (row >= 0) history.push_back(c.item(row).name());
  }
  if (!history.empty()) in.profile.push_back(absl::StrCat("Rated highly before: ", absl::StrJoin(history, ", ")));
  in.recent_lines.assign(state.recent_lines().begin(), state.recent_lines().end());
  for (const auto& r : *ranked) in.candidates.push_back(c.item(r.row).id());

  auto start = std::chrono::steady_clock::now();
  auto order = o_.llm->Rerank(in, deadline);
  auto* use = resp->mutable_llm();
  use->set_latency_ms(use->latency_ms() +
                      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
  if (!order.ok()) {
    use->set_fallback(Degradation("rerank", order.status()));
    return;
  }
  absl::flat_hash_map<int64_t, Ranked> by_id;
  for (const auto& r : *ranked) by_id.emplace(c.item(r.row).id(), r);
  std::vector<Ranked> reordered;
  for (int64_t id : *order) {
    if (auto it = by_id.find(id); it != by_id.end()) reordered.push_back(it->second);
  }
  *ranked = std::move(reordered);
  use->set_used(true);
  use->set_reranked(true);
}

void DialogueCore::LlmReword(const v1::Session& session, Deadline deadline, v1::ConverseResponse* resp) const {
  if (o_.llm == nullptr || !o_.llm->reword() || resp->items_size() == 0) return;
  llm::RewordInput in;
  in.text = resp->text();
  for (const auto& item : resp->items()) {
    in.items.push_back(item.item().id());
    in.reasons.push_back(item.reason());
  }
  for (const auto& p : session.state().preferences()) {
    int64_t id = catalog::ItemIdFromEntity(p.entity_id());
    if (id >= 0) in.also_allowed.push_back(id);
  }
  in.recent_lines.assign(session.state().recent_lines().begin(), session.state().recent_lines().end());
  auto start = std::chrono::steady_clock::now();
  auto text = o_.llm->Reword(in, deadline);
  auto* use = resp->mutable_llm();
  use->set_latency_ms(use->latency_ms() +
                      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
  if (!text.ok()) {
    std::string reason = Degradation("reword", text.status());
    use->set_fallback(use->fallback().empty() ? reason : absl::StrCat(use->fallback(), "; ", reason));
    return;
  }
  resp->set_text(*text);
  use->set_used(true);
  use->set_reworded(true);
}

}  // namespace chatrec::dialogue
