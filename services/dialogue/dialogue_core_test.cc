#include "services/dialogue/dialogue_core.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "services/dialogue/core_test_world.h"

namespace chatrec::dialogue {
namespace {

// The shared tiny world (core_test_world.h), with turns that name their session and one fixed deadline,
// which the tests below check is passed downstream.
class DialogueCoreTest : public CoreTestWorld {
 protected:
  v1::ConverseResponse Turn(const std::string& text, const std::string& session = "") {
    v1::ConverseRequest req;
    req.set_session_id(session);
    req.set_user_id("u1");
    req.set_text(text);
    auto r = core_->Converse(req, deadline_);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status();
    return r.ok() ? *r : v1::ConverseResponse();
  }

  bool IsComedy(int64_t id) { return world_.catalog->HasEntity(world_.catalog->RowOf(id), "genre:comedy"); }

  Deadline deadline_ = std::chrono::system_clock::now() + std::chrono::seconds(3);
};

TEST_F(DialogueCoreTest, ComedyFromThe90sIsServedOnTheFullPath) {
  auto r = Turn("I'd like a comedy from the 90s");
  EXPECT_EQ(r.path(), v1::SERVING_PATH_FULL);
  ASSERT_EQ(r.items_size(), 3);
  for (const auto& it : r.items()) {
    EXPECT_TRUE(IsComedy(it.item().id()));
    EXPECT_GE(it.item().year(), 1990);
    EXPECT_FALSE(it.reason().empty());
  }
  EXPECT_EQ(feedback_.Count(v1::EVENT_TYPE_IMPRESSION), 3);
  // The turn's deadline reached every downstream call.
  EXPECT_EQ(retrieval_.last_deadline, deadline_);
  EXPECT_EQ(feedback_.last_deadline, deadline_);
}

// A loaded re-ranker reorders the first depth() places as its weights say and leaves the rest; what
// it read is what RerankCandidates reports, for learning it.
TEST_F(DialogueCoreTest, RerankerReordersTheFirstPlacesAsItsWeightsSay) {
  auto r = Turn("a comedy");
  auto before = core_->Rank(r.session_id(), 10, deadline_, 0);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_GE(before->size(), 5u);
  auto list = core_->RerankCandidates(r.session_id(), 4, deadline_);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->candidates.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(list->candidates[i].item_id, (*before)[i]);
    EXPECT_EQ(list->candidates[i].position, i);
    EXPECT_EQ(list->candidates[i].wished_share, 1.f);  // all comedies, the one wish
  }
  EXPECT_EQ(list->turn.genres, 1);
  // All weight on the engine's place, positive: the later the engine placed a film, the earlier now.
  const auto& names = Reranker::FeatureNames();
  LinearRanker linear{std::vector<float>(names.size(), 0.f), std::vector<float>(names.size(), 1.f),
                      std::vector<float>(names.size(), 0.f)};
  linear.weights[std::find(names.begin(), names.end(), "log_position") - names.begin()] = 1.f;
  const auto reverse_first_four =
      RerankerWatcher::Fixed(std::make_shared<const Reranker>(Reranker(linear, 4, {}, "{}")));
  DialogueCoreOptions options = Options();
  options.rerankers = reverse_first_four.get();
  core_ = std::make_unique<DialogueCore>(options);
  auto after = core_->Rank(r.session_id(), 10, deadline_, 0);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->size(), before->size());
  EXPECT_EQ(std::vector<int64_t>(after->begin(), after->begin() + 4),
            std::vector<int64_t>(before->rend() - 4, before->rend()));
  EXPECT_EQ(std::vector<int64_t>(after->begin() + 4, after->end()),
            std::vector<int64_t>(before->begin() + 4, before->end()));
  // Converse serves the re-ranked list too.
  auto served = Turn("more comedies", r.session_id());
  ASSERT_GT(served.items_size(), 0);
}

// A running core applies the re-ranker its watcher serves at each turn: a file written to the store
// while it runs reorders the next turn, and removing it goes back to the engine's order (the watcher
// is refreshed explicitly here, as the service's poller does every --reranker_poll_ms).
TEST_F(DialogueCoreTest, RerankerFileWrittenWhileRunningAppliesFromTheNextTurn) {
  const std::filesystem::path store = dir_.string() + "_store";  // beside the session store
  std::filesystem::remove_all(store);
  std::filesystem::create_directories(store);
  auto watcher = RerankerWatcher::Create("", store.string(), std::chrono::milliseconds(0));
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  DialogueCoreOptions options = Options();
  options.rerankers = watcher->get();
  core_ = std::make_unique<DialogueCore>(options);
  auto r = Turn("a comedy");
  auto before = core_->Rank(r.session_id(), 10, deadline_, 0);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_GE(before->size(), 3u);

  const auto& names = Reranker::FeatureNames();
  LinearRanker linear{std::vector<float>(names.size(), 0.f), std::vector<float>(names.size(), 1.f),
                      std::vector<float>(names.size(), 0.f)};
  linear.weights[std::find(names.begin(), names.end(), "log_position") - names.begin()] = 1.f;
  const int depth = 3;
  ASSERT_TRUE(Reranker(linear, depth, {}, "{}").Save((store / Reranker::kStoreFile).string()).ok());
  auto same = core_->Rank(r.session_id(), 10, deadline_, 0);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, *before) << "nothing changes until the watcher has looked";
  ASSERT_TRUE((*watcher)->Refresh().value_or(false));
  auto after = core_->Rank(r.session_id(), 10, deadline_, 0);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(std::vector<int64_t>(after->begin(), after->begin() + depth),
            std::vector<int64_t>(before->rend() - depth, before->rend()));

  std::filesystem::remove(store / Reranker::kStoreFile);
  ASSERT_TRUE((*watcher)->Refresh().value_or(false));
  auto without = core_->Rank(r.session_id(), 10, deadline_, 0);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(*without, *before);
  core_.reset();  // before the watcher it points to
  std::filesystem::remove_all(store);
}

// With hard_genre_people off, "a comedy" ranks instead of filtering: the session still holds the
// wish, but films of other genres may be ranked (the tiny world has fewer comedies than k).
TEST_F(DialogueCoreTest, GenresOnlyRankWhenTheyAreNotHardConstraints) {
  DialogueCoreOptions options = Options();
  options.hard_genre_people = false;
  core_ = std::make_unique<DialogueCore>(options);
  auto r = Turn("a comedy");
  EXPECT_EQ(r.path(), v1::SERVING_PATH_FULL);
  auto ranked = core_->Rank(r.session_id(), 20, deadline_, 0);
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  EXPECT_TRUE(std::any_of(ranked->begin(), ranked->end(), [&](int64_t id) { return !IsComedy(id); }));
  core_ = std::make_unique<DialogueCore>(Options());  // as served: only comedies
  ranked = core_->Rank(r.session_id(), 20, deadline_, 0);
  ASSERT_TRUE(ranked.ok());
  ASSERT_FALSE(ranked->empty());
  EXPECT_TRUE(std::all_of(ranked->begin(), ranked->end(), [&](int64_t id) { return IsComedy(id); }));
}

// With hard_genre_people_top, the filter holds for the first places only: they are exactly the
// filtered list's, and the unfiltered ranking fills the places below without repeating a film.
TEST_F(DialogueCoreTest, GenresFilterOnlyTheTopPlacesWithHardGenrePeopleTop) {
  auto r = Turn("a comedy");
  auto filtered = core_->Rank(r.session_id(), 20, deadline_, 0);
  ASSERT_TRUE(filtered.ok()) << filtered.status();
  ASSERT_GE(filtered->size(), 2u);
  DialogueCoreOptions options = Options();
  options.hard_genre_people_top = 2;
  core_ = std::make_unique<DialogueCore>(options);
  auto ranked = core_->Rank(r.session_id(), 20, deadline_, 0);
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  EXPECT_EQ((*ranked)[0], (*filtered)[0]);
  EXPECT_EQ((*ranked)[1], (*filtered)[1]);
  EXPECT_GT(ranked->size(), filtered->size());  // the tiny world has fewer comedies than 20
  EXPECT_TRUE(std::any_of(ranked->begin() + 2, ranked->end(), [&](int64_t id) { return !IsComedy(id); }));
  std::vector<int64_t> distinct = *ranked;
  std::sort(distinct.begin(), distinct.end());
  EXPECT_EQ(std::unique(distinct.begin(), distinct.end()), distinct.end());
}

// With a fill bonus, the places below the first ones are ordered by score plus the bonus times the
// share of the wished genres the film has: a large bonus puts the rest of the comedies before any
// other film, and bonus 0 is the plain fill.
TEST_F(DialogueCoreTest, FillBonusPutsFilmsWithTheWishedGenreFirstBelowTheTop) {
  auto r = Turn("a comedy");
  auto filtered = core_->Rank(r.session_id(), 20, deadline_, 0);
  ASSERT_TRUE(filtered.ok()) << filtered.status();
  ASSERT_GE(filtered->size(), 3u);
  DialogueCoreOptions options = Options();
  options.hard_genre_people_top = 1;
  core_ = std::make_unique<DialogueCore>(options);
  auto plain = core_->Rank(r.session_id(), 20, deadline_, 0);
  ASSERT_TRUE(plain.ok()) << plain.status();
  options.hard_genre_people_fill_bonus = 1000.f;
  core_ = std::make_unique<DialogueCore>(options);
  auto bonus = core_->Rank(r.session_id(), 20, deadline_, 0);
  ASSERT_TRUE(bonus.ok()) << bonus.status();
  ASSERT_EQ(bonus->size(), plain->size());  // the same films, in another order
  EXPECT_EQ((*bonus)[0], (*filtered)[0]);
  const size_t comedies = filtered->size();
  for (size_t i = 0; i < bonus->size(); ++i) EXPECT_EQ(IsComedy((*bonus)[i]), i < comedies) << i;
  EXPECT_TRUE(std::is_permutation(bonus->begin(), bonus->begin() + comedies, filtered->begin()));
  options.hard_genre_people_fill_bonus = 0;
  core_ = std::make_unique<DialogueCore>(options);
  auto zero = core_->Rank(r.session_id(), 20, deadline_, 0);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, *plain);
}

// Source slots: every second place goes to the next of the KG source's best films not placed above
// (Wes Craven's other films first, for a liked Craven film); the other places keep the engine's
// order; lists shorter than `every` and the re-ranker's inputs are unchanged.
TEST_F(DialogueCoreTest, SourceSlotsGiveEveryNthPlaceToTheSourcesBestFilmsNotPlacedAbove) {
  auto r = Turn("I loved Fright One");
  auto plain = core_->Rank(r.session_id(), 10, deadline_, 0);
  ASSERT_TRUE(plain.ok()) << plain.status();
  DialogueCoreOptions options = Options();
  options.source_slots = {{v1::CANDIDATE_SOURCE_KG, 2}};
  core_ = std::make_unique<DialogueCore>(options);
  auto slotted = core_->Rank(r.session_id(), 10, deadline_, 0);
  ASSERT_TRUE(slotted.ok()) << slotted.status();
  ASSERT_EQ(slotted->size(), plain->size());
  EXPECT_EQ((*plain)[0], 10);    // Craven's other films lead either way
  EXPECT_NE((*plain)[1], 8);
  EXPECT_EQ((*slotted)[0], 10);  // place 1 is the engine's
  EXPECT_EQ((*slotted)[1], 8);   // place 2: the KG source's best not placed above (10 is)
  EXPECT_TRUE(std::is_permutation(slotted->begin(), slotted->end(), plain->begin()));
  // The places that are not slots keep the engine's order of the films left.
  std::vector<int64_t> slot_films, rest_slotted, rest_plain;
  for (size_t i = 1; i < slotted->size(); i += 2) slot_films.push_back((*slotted)[i]);
  auto in_slots = [&](int64_t id) { return std::find(slot_films.begin(), slot_films.end(), id) != slot_films.end(); };
  for (size_t i = 0; i < slotted->size(); i += 2) rest_slotted.push_back((*slotted)[i]);
  for (int64_t id : *plain) {
    if (!in_slots(id)) rest_plain.push_back(id);
  }
  EXPECT_EQ(rest_slotted, rest_plain);
  // A list shorter than `every` is the engine's.
  core_ = std::make_unique<DialogueCore>(Options());
  auto one = core_->Rank(r.session_id(), 1, deadline_, 0);
  core_ = std::make_unique<DialogueCore>(options);
  auto one_slotted = core_->Rank(r.session_id(), 1, deadline_, 0);
  ASSERT_TRUE(one.ok() && one_slotted.ok());
  EXPECT_EQ(*one_slotted, *one);
}

// What the re-ranker reads of each film includes its place in the KG source's own order; with
// source_top the KG source's first films join the list below the depth.
TEST_F(DialogueCoreTest, RerankCandidatesCarryTheSourcesOwnPlaces) {
  auto r = Turn("I loved Fright One");
  auto list = core_->RerankCandidates(r.session_id(), 2, deadline_);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->candidates.size(), 2u);
  auto all = core_->RerankCandidates(r.session_id(), 100, deadline_);
  ASSERT_TRUE(all.ok());
  std::vector<int> kg_ranks;
  for (const auto& c : all->candidates) {
    EXPECT_EQ(c.kg_rank >= 0, ((c.sources >> v1::CANDIDATE_SOURCE_KG) & 1u) != 0) << c.item_id;
    if (c.kg_rank >= 0) kg_ranks.push_back(c.kg_rank);
  }
  ASSERT_FALSE(kg_ranks.empty());
  std::sort(kg_ranks.begin(), kg_ranks.end());
  EXPECT_EQ(kg_ranks.front(), 0);
  EXPECT_EQ(std::adjacent_find(kg_ranks.begin(), kg_ranks.end()), kg_ranks.end()) << "one film per place";
  // The KG source's first film, wherever the engine placed it, is in a list of depth 1 with source_top 1.
  auto with_top = core_->RerankCandidates(r.session_id(), 1, deadline_, /*source_top=*/1);
  ASSERT_TRUE(with_top.ok());
  bool has_kg_first = false;
  for (const auto& c : with_top->candidates) has_kg_first = has_kg_first || c.kg_rank == 0;
  EXPECT_TRUE(has_kg_first);
  EXPECT_EQ(with_top->candidates[0].position, 0);
  EXPECT_FALSE(core_->RerankCandidates(r.session_id(), 1, deadline_, -1).ok());
}

// A list of at most hard_genre_people_top films is the filtered one, unless fewer films match
// than were asked for: then the unfiltered ranking fills it up after them.
TEST_F(DialogueCoreTest, ShortFilteredListIsFilledWhenOnlyTheTopIsHard) {
  auto r = Turn("a comedy");
  auto filtered = core_->Rank(r.session_id(), 3, deadline_, 0);
  ASSERT_TRUE(filtered.ok()) << filtered.status();
  auto all_comedies = core_->Rank(r.session_id(), 20, deadline_, 0);
  ASSERT_TRUE(all_comedies.ok());
  ASSERT_LT(all_comedies->size(), 20u);
  DialogueCoreOptions options = Options();
  options.hard_genre_people_top = 20;
  core_ = std::make_unique<DialogueCore>(options);
  auto ranked = core_->Rank(r.session_id(), 3, deadline_, 0);
  ASSERT_TRUE(ranked.ok());
  EXPECT_EQ(*ranked, *filtered);  // enough comedies: exactly as served
  ranked = core_->Rank(r.session_id(), 20, deadline_, 0);
  ASSERT_TRUE(ranked.ok());
  ASSERT_GT(ranked->size(), all_comedies->size());  // the films of the tiny world that are not excluded
  EXPECT_TRUE(std::equal(all_comedies->begin(), all_comedies->end(), ranked->begin()));
  EXPECT_FALSE(IsComedy(ranked->back()));
}

// "Something newer" after a film means newer than that film; "older" later in the conversation,
// older than the film it is about (the focus: here the first one recommended); with no film in mind
// the catalogue's last years.
TEST_F(DialogueCoreTest, ComparativeAgesAreRelativeToTheFilmNamed) {
  auto r = Turn("I loved Laugh One, something newer please");
  auto session = sessions_->Get(r.session_id());
  ASSERT_TRUE(session.ok());
  auto year_of = [&](int64_t id) { return world_.catalog->item(world_.catalog->RowOf(id)).year(); };
  EXPECT_EQ(session->state().constraints().years().min_year(), year_of(1) + 1);
  EXPECT_EQ(session->state().constraints().years().max_year(), 0);
  const int64_t focus = session->state().focus_item_id();
  ASSERT_GT(focus, 0);
  Turn("something older", r.session_id());
  session = sessions_->Get(r.session_id());
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->state().constraints().years().min_year(), 0);
  EXPECT_EQ(session->state().constraints().years().max_year(), year_of(focus) - 1);
  auto fresh = Turn("a comedy, something newer");
  ASSERT_EQ(fresh.understanding().mentions_size(), 2);
  EXPECT_GT(fresh.understanding().mentions(1).years().min_year(), year_of(1)) << "no film in mind: the last years";
}

// "I don't think it was scary" is about a film: it rules out no genre; "no horror" does.
TEST_F(DialogueCoreTest, ADescriptionOfAFilmRulesNoGenreOut) {
  auto r = Turn("I watched Fright One but I don't think it was scary");
  auto session = sessions_->Get(r.session_id());
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->state().constraints().must_not_entities_size(), 0);
  Turn("no horror please", r.session_id());
  session = sessions_->Get(r.session_id());
  ASSERT_TRUE(session.ok());
  ASSERT_EQ(session->state().constraints().must_not_entities_size(), 1);
  EXPECT_EQ(session->state().constraints().must_not_entities(0), "genre:horror");
}

// With years_filter_top_only, the wished years hold for the first hard_genre_people_top places like
// the genres; the ranking without them fills the places below.
TEST_F(DialogueCoreTest, YearsCanFilterOnlyTheFirstPlaces) {
  auto r = Turn("something from the 90s");
  auto is_nineties = [&](int64_t id) {
    const int year = world_.catalog->item(world_.catalog->RowOf(id)).year();
    return year >= 1990 && year <= 1999;
  };
  auto filtered = core_->Rank(r.session_id(), 12, deadline_, 0);
  ASSERT_TRUE(filtered.ok()) << filtered.status();
  ASSERT_FALSE(filtered->empty());
  EXPECT_TRUE(std::all_of(filtered->begin(), filtered->end(), is_nineties)) << "the years filter the whole list";
  DialogueCoreOptions options = Options();
  options.hard_genre_people_top = 3;
  core_ = std::make_unique<DialogueCore>(options);
  auto genres_only = core_->Rank(r.session_id(), 12, deadline_, 0);
  ASSERT_TRUE(genres_only.ok());
  EXPECT_EQ(*genres_only, *filtered) << "without years_filter_top_only the years stay hard";
  options.years_filter_top_only = true;
  core_ = std::make_unique<DialogueCore>(options);
  auto top_only = core_->Rank(r.session_id(), 12, deadline_, 0);
  ASSERT_TRUE(top_only.ok());
  ASSERT_GT(top_only->size(), filtered->size());
  EXPECT_TRUE(std::equal(filtered->begin(), filtered->begin() + 3, top_only->begin()));
  EXPECT_TRUE(std::any_of(top_only->begin() + 3, top_only->end(), [&](int64_t id) { return !is_nineties(id); }));
  auto three = core_->Rank(r.session_id(), 3, deadline_, 0);
  ASSERT_TRUE(three.ok());
  EXPECT_TRUE(std::all_of(three->begin(), three->end(), is_nineties)) << "a list of at most 3 is the filtered one";
}

// The session keeps the user's content words for the entity-item term, but not the words of a
// question about a title (they describe that title, not the wish).
TEST_F(DialogueCoreTest, SessionKeepsTheSeekersContentWords) {
  auto r = Turn("I want a comedy with talking animals and a heist");
  auto r2 = Turn("who directed Laugh Two?", r.session_id());
  EXPECT_EQ(r2.understanding().intent(), v1::INTENT_ASK_ABOUT_ITEM);
  Turn("more talking animals please", r.session_id());
  v1::GetSessionRequest get;
  get.set_session_id(r.session_id());
  auto session = core_->GetSession(get);
  ASSERT_TRUE(session.ok()) << session.status();
  const auto& words = session->state().seeker_words();
  std::vector<std::string> got(words.begin(), words.end());
  EXPECT_EQ(got, (std::vector<std::string>{"want", "comedy", "heist", "more", "talking", "animals"}));
}

TEST_F(DialogueCoreTest, ScoringDownFallsBackToRetrievalOrder) {
  scoring_.fail = absl::UnavailableError("scoring is down");
  auto r = Turn("a comedy");
  EXPECT_EQ(r.path(), v1::SERVING_PATH_RETRIEVAL_ORDER);
  ASSERT_GT(r.items_size(), 0);
  for (const auto& it : r.items()) EXPECT_TRUE(IsComedy(it.item().id()));
  ASSERT_EQ(r.degradations_size(), 1);
  EXPECT_NE(r.degradations(0).find("scoring"), std::string::npos);
}

TEST_F(DialogueCoreTest, RetrievalDownFallsBackToPopularItemsWithinTheConstraints) {
  retrieval_.fail = absl::DeadlineExceededError("too slow");
  auto r = Turn("a comedy from the 80s");
  EXPECT_EQ(r.path(), v1::SERVING_PATH_POPULAR_FALLBACK);
  ASSERT_EQ(r.items_size(), 3);
  EXPECT_EQ(r.items(0).item().id(), 4);  // the most popular 80s comedy
  for (const auto& it : r.items()) EXPECT_TRUE(IsComedy(it.item().id()));
}

TEST_F(DialogueCoreTest, FeedbackDownStillRecommends) {
  feedback_.fail = absl::UnavailableError("feedback is down");
  auto r = Turn("a horror film");
  EXPECT_EQ(r.path(), v1::SERVING_PATH_NO_USER_STATE);
  EXPECT_GT(r.items_size(), 0);
  EXPECT_GE(r.degradations_size(), 1);
}

TEST_F(DialogueCoreTest, NarrowingAndRejection) {
  auto r1 = Turn("a comedy");
  auto r2 = Turn("something with Tom Hanks", r1.session_id());
  ASSERT_EQ(r2.items_size(), 2);
  for (const auto& it : r2.items()) EXPECT_TRUE(it.item().id() == 2 || it.item().id() == 5);
  auto r3 = Turn("I've already seen Laugh Two", r1.session_id());
  EXPECT_EQ(r3.understanding().intent(), v1::INTENT_REJECT);
  for (const auto& it : r3.items()) EXPECT_NE(it.item().id(), 2);
  EXPECT_EQ(feedback_.Count(v1::EVENT_TYPE_REJECT), 1);
}

TEST_F(DialogueCoreTest, VagueOpeningAsksOneQuestionAndNeverTheSameTwice) {
  auto r1 = Turn("hi");
  ASSERT_FALSE(r1.question().attribute().empty());
  EXPECT_EQ(r1.items_size(), 0);
  auto r2 = Turn("hello again", r1.session_id());
  if (!r2.question().attribute().empty()) EXPECT_NE(r2.question().attribute(), r1.question().attribute());
}

TEST_F(DialogueCoreTest, BadInputWritesNothing) {
  v1::ConverseRequest req;
  req.set_user_id("u1");
  req.set_text("");
  EXPECT_EQ(core_->Converse(req, deadline_).status().code(), absl::StatusCode::kInvalidArgument);
  req.set_text("a comedy");
  req.set_k(0);
  EXPECT_EQ(core_->Converse(req, deadline_).status().code(), absl::StatusCode::kInvalidArgument);
  req.clear_k();
  req.set_session_id("s-unknown");
  EXPECT_EQ(core_->Converse(req, deadline_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(feedback_.events.empty());
}

TEST_F(DialogueCoreTest, SessionsSurviveARestart) {
  auto r1 = Turn("a comedy from the 90s");
  core_.reset();
  sessions_.reset();
  sessions_ = *SessionStore::Open(dir_.string(), 3600);
  v1::GetSessionRequest req;
  req.set_session_id(r1.session_id());
  DialogueCore again({.catalog = world_.catalog.get(), .nlu = nlu_.get(), .sessions = sessions_.get(),
                      .feedback = &feedback_, .retrieval = &retrieval_, .scoring = &scoring_});
  auto s = again.GetSession(req);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->turns(), 1);
  EXPECT_EQ(s->state().constraints().must_entities(0), "genre:comedy");
}

}  // namespace
}  // namespace chatrec::dialogue

namespace chatrec::dialogue {
namespace {

TEST_F(DialogueCoreTest, OrdinalsPickOrTurnDownShownItems) {
  auto r1 = Turn("a comedy");
  ASSERT_GE(r1.items_size(), 2);
  const int64_t first = r1.items(0).item().id();
  auto r2 = Turn("not the first one", r1.session_id());
  EXPECT_EQ(r2.understanding().intent(), v1::INTENT_REJECT);
  for (const auto& it : r2.items()) EXPECT_NE(it.item().id(), first);
  auto r3 = Turn("I'll take the second one", r1.session_id());
  EXPECT_EQ(r3.understanding().intent(), v1::INTENT_ACCEPT);
  ASSERT_EQ(feedback_.Count(v1::EVENT_TYPE_ACCEPT), 1);
  // "the second one" refers to the list shown last (r2's), not r1's.
  EXPECT_EQ(std::find_if(feedback_.events.begin(), feedback_.events.end(),
                         [](const v1::Event& e) { return e.type() == v1::EVENT_TYPE_ACCEPT; })
                ->item_id(),
            r2.items(1).item().id());
}

TEST_F(DialogueCoreTest, TitlesEitherSideNamesAreDiscussedAndCanLeadTheRanking) {
  auto r1 = Turn("I loved Laugh Two");
  auto said = core_->NoteSystemText(r1.session_id(), "Then try Fright Three (1999) or Old Laugh One");
  ASSERT_TRUE(said.ok()) << said.status();
  EXPECT_EQ(*said, (std::vector<int64_t>{9, 4}));
  v1::GetSessionRequest get;
  get.set_session_id(r1.session_id());
  auto session = core_->GetSession(get);
  ASSERT_TRUE(session.ok());
  const auto& discussed = session->state().discussed_item_ids();
  EXPECT_EQ(std::vector<int64_t>(discussed.begin(), discussed.end()), (std::vector<int64_t>{2, 9, 4}));
  EXPECT_EQ(session->state().last_item_ids(0), 9);  // "the first one" now means the recommender's first title

  // As served, a title the user named is never recommended back; leading, the most recent come first.
  auto served = core_->Rank(r1.session_id(), 5, deadline_, 0);
  ASSERT_TRUE(served.ok());
  EXPECT_EQ(std::find(served->begin(), served->end(), 2), served->end());
  auto leading = core_->Rank(r1.session_id(), 5, deadline_, 2);
  ASSERT_TRUE(leading.ok());
  ASSERT_GE(leading->size(), 3u);
  EXPECT_EQ((*leading)[0], 4);
  EXPECT_EQ((*leading)[1], 9);

  // A title the user then dislikes is not led with.
  Turn("I hated Old Laugh One", r1.session_id());
  leading = core_->Rank(r1.session_id(), 5, deadline_, 2);
  ASSERT_TRUE(leading.ok());
  EXPECT_EQ((*leading)[0], 9);  // Old Laugh One moved to the end of the discussed list but is disliked
  EXPECT_EQ(std::find(leading->begin(), leading->end(), 4), leading->end());
}

TEST_F(DialogueCoreTest, SystemTextThatIsTooLongOrForAnUnknownSessionIsRefused) {
  auto r1 = Turn("a comedy");
  EXPECT_EQ(core_->NoteSystemText(r1.session_id(), std::string(3000, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(core_->NoteSystemText("no-such-session", "hello").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace chatrec::dialogue
