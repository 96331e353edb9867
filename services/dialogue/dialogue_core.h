// The dialogue engine without gRPC: validates a turn, understands it, updates
// and persists the session, then either asks one question or recommends via
// feedback -> retrieval -> scoring, with a fallback for each failing call, and
// records what was shown and what the user did.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "chatrec/v1/dialogue.pb.h"
#include "libs/catalog/catalog.h"
#include "libs/common/time.h"
#include "libs/dialogue/clients.h"
#include "libs/dialogue/reranker.h"
#include "libs/dialogue/reranker_watcher.h"
#include "libs/dialogue/source_slots.h"
#include "libs/dialogue/session_store.h"
#include "libs/dialogue/state.h"
#include "libs/llm/llm_backend.h"
#include "libs/nlu/understander.h"

namespace chatrec::dialogue {

struct DialogueCoreOptions {
  const catalog::Catalog* catalog = nullptr;
  const nlu::Understander* nlu = nullptr;
  SessionStore* sessions = nullptr;
  FeedbackClient* feedback = nullptr;
  RetrievalClient* retrieval = nullptr;
  ScoringClient* scoring = nullptr;
  const Clock* clock = &Clock::System();
  int candidates = 200;  // asked from retrieval per turn
  // Optional LLM backend (re-ranking and/or rewording); null: off. Any LLM failure falls back to our
  // own ranking and text within the turn's deadline, and ConverseResponse.llm says why.
  const llm::LlmBackend* llm = nullptr;
  int recent_lines = 8;  // dialogue lines kept in the session for the LLM prompts
  // Lead the recommendation with up to this many titles already discussed in the
  // session (most recent first, never one the user rejected, accepted or disliked).
  // Off (0) when serving: people rarely want what they just named. On, the engine
  // behaves like ReDial's human recommenders, who often come back to a title.
  int lead_with_discussed = 0;
  // Titles discussed in the session (either speaker, not disliked or rejected) join the KG
  // context with this weight, so the KG, co-occurrence and item-item terms build on them too.
  float discussed_context_weight = 0.5f;
  // The clarifying-question policy (libs/dialogue/policy.h); off, every turn recommends.
  bool ask_questions = true;
  // With questions on: after the user turns a whole list down without saying anything new,
  // the new list comes with a follow-up question (ChooseFollowUpQuestion) while at least this
  // many films are still in play; 0 never asks one.
  int follow_up_min_candidates = 30;
  std::vector<std::string> follow_up_attributes;  // what a follow-up may ask about; empty: all (policy.h)
  // The genres and people the user asked for filter the candidates (hard constraints, as
  // served). Off, they only rank (through the need and the entity-item term): ReDial's human
  // recommenders name a film outside the genre the seeker said about a quarter of the time.
  // Years and what the user ruled out ("no horror") stay hard either way.
  bool hard_genre_people = true;
  // With hard_genre_people: the filter holds for the first this many places only, and the
  // ranking of the candidates without it fills the places below (after the matching films
  // already shown above); 0: the whole list is filtered. Lists of at most this many are
  // exactly as with the filter, and only longer lists pay for the second retrieval.
  int hard_genre_people_top = 0;
  // With hard_genre_people_top: below the first places, the films of both rankings (the filtered
  // one's rest and the unfiltered one) are ordered by score plus this bonus times the share of the
  // wished genres and people the film has; 0: the unfiltered ranking alone fills, in its order.
  float hard_genre_people_fill_bonus = 0;
  // With hard_genre_people_top: the years the user asked for ("from the 90s", "something older")
  // also hold for the first places only, the ranking without them filling the places below; false:
  // they filter the whole list. ReDial's human recommenders often name films outside the years the
  // seeker's words give, which are vague ("something more recent" than a film named) or describe a
  // film rather than a wish.
  bool years_filter_top_only = false;
  // The user's content words (SessionState.seeker_words, most recent first) join the need as
  // "word:<w>" entities with this weight: the entity-item term then adds what recommenders named
  // after those words in the training dialogues (when the model has rows for them); 0: off.
  float seeker_word_weight = 0;
  // The learned re-ranker (libs/dialogue/reranker.h; `chatrec train reranker` writes one to
  // <store_dir>/reranker.json), through the watcher that owns it and swaps in newer files: each turn
  // takes rerankers->Current() once and, when it is set, reorders the first depth() films of the
  // engine's ranking (after the genre filter's merge, before the lead with discussed titles); null: off.
  const RerankerWatcher* rerankers = nullptr;
  // Places kept for retrieval sources in long lists (libs/dialogue/source_slots.h), after the
  // re-ranker and before the lead with discussed titles; each source's films in the order of its own
  // score, from the turn's retrievals. Lists shorter than a rule's `every` are unchanged; empty: off.
  std::vector<SourceSlots> source_slots;
};

// The engine's ranking of one turn before the re-ranker, with what the re-ranker reads
// (DialogueCore::RerankCandidates), for learning it.
struct RerankList {
  RerankTurn turn;
  // The films the re-ranker reorders: the engine's first places, then the KG and ITEM_ITEM sources'
  // first films placed further down (Reranker::source_top).
  std::vector<RerankCandidate> candidates;
};

class DialogueCore {
 public:
  static constexpr int kMaxTextBytes = 2000;
  static constexpr int kMaxK = 20;
  static constexpr int kDefaultK = 5;
  static constexpr int kMaxIdBytes = 256;

  explicit DialogueCore(DialogueCoreOptions options) : o_(options) {}

  absl::StatusOr<v1::Session> StartSession(const v1::StartSessionRequest& request);
  absl::StatusOr<v1::ConverseResponse> Converse(const v1::ConverseRequest& request, Deadline deadline);
  absl::StatusOr<v1::Session> GetSession(const v1::GetSessionRequest& request) const;
  absl::Status EndSession(const v1::EndSessionRequest& request);
  absl::StatusOr<v1::ExplainItemResponse> ExplainItem(const v1::ExplainItemRequest& request, Deadline deadline);
  absl::Status Flush() { return o_.sessions->Flush(); }

  // For offline evaluation (`chatrec eval redial`): the item ids the system would
  // recommend now in this session (k up to 100), through the same path as
  // Converse; nothing is recorded or saved.
  // `lead_with_discussed` >= 0 overrides the option of that name for this call.
  absl::StatusOr<std::vector<int64_t>> Rank(const std::string& session_id, int k, Deadline deadline,
                                            int lead_with_discussed = -1);
  // For offline evaluation: items a human recommender mentioned become the
  // session's last shown list, so "seen it" or "the first one" refer to them.
  absl::Status NoteShown(const std::string& session_id, const std::vector<int64_t>& item_ids);
  // For offline evaluation: what a human recommender said. The titles the NLU finds in
  // it become the last shown list and are noted as discussed. Returns their ids.
  absl::StatusOr<std::vector<int64_t>> NoteSystemText(const std::string& session_id, const std::string& text);
  // For learning the re-ranker (`chatrec train reranker`): the engine's first `depth` (1..1000)
  // films now in this session, as the re-ranker would see them (without applying one); nothing
  // is recorded or saved. Empty when the turn has no scored ranking (a fallback path).
  // `source_top` > 0: the first source_top films of the KG and ITEM_ITEM sources join the list
  // wherever the engine placed them (as a re-ranker learned with it reorders them).
  absl::StatusOr<RerankList> RerankCandidates(const std::string& session_id, int depth, Deadline deadline,
                                              int source_top = 0);

 private:
  struct Ranked {
    int32_t row;
    float score;
    v1::ScoreBreakdown breakdown;
  };
  // The recommendation path with its fallbacks; fills items, path, degradations.
  // With `capture`, the re-ranker is not applied and its inputs are stored there instead.
  void Recommend(v1::Session* session, const StateChange& change, int k, Deadline deadline,
                 v1::ConverseResponse* resp, int lead_with_discussed, RerankList* capture = nullptr,
                 int capture_source_top = 0);
  // Scores the retrieved candidates with `sreq` (its candidate ids are replaced) into `ranked`,
  // best first, and ORs each candidate's retrieval sources (bit v1::CandidateSource) into `sources`.
  absl::Status ScoreCandidates(const v1::RetrieveResponse& candidates, Deadline deadline, v1::ScoreRequest* sreq,
                               std::vector<Ranked>* ranked, absl::flat_hash_map<int64_t, uint32_t>* sources) const;
  // Each film's place in the KG and ITEM_ITEM sources' own orders (RerankCandidate::kg_rank, item_item_rank).
  using SourceRanks = absl::flat_hash_map<int64_t, std::array<int, 2>>;
  // What the re-ranker reads about the films of `ranked` it reorders in this session state: the
  // first `depth`, and those among the sources' first `source_top` (candidate.position is the
  // film's index in `ranked`).
  RerankList RerankInputs(const v1::Session& session, const std::vector<Ranked>& ranked,
                          const absl::flat_hash_map<int64_t, uint32_t>& sources, int depth,
                          const SourceRanks& source_ranks, int source_top) const;
  // The first `top` of `first`, then `rest` without the rows already taken. With `bonus` > 0 the
  // places below `top` take the films of first's rest and of `rest` by score + bonus · `match(row)`.
  static std::vector<Ranked> MergeRankings(std::vector<Ranked> first, const std::vector<Ranked>& rest, int top,
                                           float bonus = 0, const std::function<float(int32_t)>& match = {});
  // Per retrieval source (v1::CandidateSource), the films it returned with its score.
  using SourceScores = absl::flat_hash_map<int, absl::flat_hash_map<int64_t, float>>;
  // The ids of `scores` (item id -> a source's score), best first, ties by id.
  static std::vector<int64_t> BestFirst(const absl::flat_hash_map<int64_t, float>& scores);
  // Reorders `ranked` as `slots` say (OrderWithSlots), each rule's films by its source's scores
  // (`scores` holds every rule's source), best first.
  void KeepSourceSlots(const std::vector<SourceSlots>& slots, const SourceScores& scores,
                       std::vector<Ranked>* ranked) const;
  std::vector<Ranked> PopularFallback(const v1::Filters& filters, int k) const;
  // Puts `ranked` in the LLM's order when it is on and answers in time; notes what happened in resp->llm.
  void LlmRerank(const v1::Session& session, const std::vector<int64_t>& history_likes, Deadline deadline,
                 std::vector<Ranked>* ranked, v1::ConverseResponse* resp) const;
  // Replaces resp->text by the LLM's wording when it is on and the wording keeps every title.
  void LlmReword(const v1::Session& session, Deadline deadline, v1::ConverseResponse* resp) const;
  // Records events for the user's reactions and the impressions, best effort.
  void RecordEvents(const v1::Session& session, int turn, v1::EventType type, const std::vector<int64_t>& items,
                    Deadline deadline, v1::ConverseResponse* resp);

  DialogueCoreOptions o_;
};

}  // namespace chatrec::dialogue
