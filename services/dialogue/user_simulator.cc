#include "services/dialogue/user_simulator.h"

#include <algorithm>
#include <chrono>
#include <cctype>

#include "absl/strings/str_cat.h"

namespace chatrec::dialogue {

std::string UserSimulator::Answer(int32_t row, const std::string& attribute) {
  const auto& item = catalog_->item(row);
  if (attribute == "decade" && item.year() > 0) return absl::StrCat("Something from the ", item.year() / 10 * 10, "s.");
  if (attribute == "genre") {
    std::vector<std::string> genres;
    for (const auto& f : item.facts()) {
      if (f.relation() == "genre") genres.push_back(f.entity_id());
    }
    if (!genres.empty()) {
      std::string name = catalog_->EntityName(genres[std::uniform_int_distribution<size_t>(0, genres.size() - 1)(rng_)]);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      return absl::StrCat("I'd like a ", name, " movie.");
    }
  }
  if (attribute == "starring" || attribute == "director") {
    std::vector<std::string> people;  // the first three billed actors, or the directors
    for (const auto& f : item.facts()) {
      if (f.relation() == attribute && (attribute != "starring" || people.size() < 3)) people.push_back(f.entity_id());
    }
    if (!people.empty()) {
      const std::string name = catalog_->EntityName(people[std::uniform_int_distribution<size_t>(0, people.size() - 1)(rng_)]);
      return attribute == "starring" ? absl::StrCat("Something with ", name, ".")
                                     : absl::StrCat("Something directed by ", name, ".");
    }
  }
  return "I don't mind, surprise me.";
}

absl::StatusOr<Episode> UserSimulator::Run(int64_t target_id, const std::string& user_id) {
  const int32_t row = catalog_->RowOf(target_id);
  if (row < 0) return absl::InvalidArgumentError(absl::StrCat("target ", target_id, " is not in the catalogue"));
  if (o_.max_turns < 1 || o_.k < 1 || o_.k > DialogueCore::kMaxK) {
    return absl::InvalidArgumentError(absl::StrCat("max_turns must be >= 1 and k 1..", DialogueCore::kMaxK));
  }
  Episode e;
  e.target = target_id;
  v1::StartSessionRequest start;
  start.set_user_id(user_id);
  auto session = core_->StartSession(start);
  if (!session.ok()) return session.status();
  std::string say = "Hi! Can you recommend a movie?";
  for (e.turns = 1; e.turns <= o_.max_turns; ++e.turns) {
    v1::ConverseRequest req;
    req.set_session_id(session->session_id());
    req.set_text(say);
    req.set_k(o_.k);
    e.transcript.push_back("user: " + say);
    auto resp = core_->Converse(req, std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!resp.ok()) return resp.status();
    e.transcript.push_back("system: " + resp->text());
    for (const auto& item : resp->items()) {
      if (item.item().id() == target_id) {
        e.success = true;
        e.transcript.push_back("user: Great, I'll watch " + item.item().title() + ".");
        return e;
      }
    }
    if (resp->has_question() && !resp->question().attribute().empty()) {
      ++e.questions;
      say = Answer(row, resp->question().attribute());
      // A follow-up question next to a list: that list is turned down too.
      if (resp->items_size() > 0) say = "None of those. " + say;
    } else {
      say = "No, none of those. Something else?";
    }
  }
  e.turns = o_.max_turns;
  return e;
}

std::vector<int64_t> SampleTargets(const catalog::Catalog& catalog, int n, uint64_t seed) {
  std::vector<int64_t> pool;
  for (int32_t r = 0; r < catalog.size(); ++r) {
    const auto& facts = catalog.item(r).facts();
    if (std::any_of(facts.begin(), facts.end(), [](const auto& f) { return f.relation() == "genre"; })) {
      pool.push_back(catalog.item(r).id());
    }
  }
  std::mt19937_64 rng(seed);
  std::shuffle(pool.begin(), pool.end(), rng);
  if (n >= 0 && pool.size() > static_cast<size_t>(n)) pool.resize(n);
  return pool;
}

SimulationSummary Summarise(const std::vector<Episode>& episodes) {
  SimulationSummary s;
  s.episodes = static_cast<int>(episodes.size());
  if (episodes.empty()) return s;
  int successes = 0;
  double turns = 0, success_turns = 0, questions = 0;
  for (const auto& e : episodes) {
    successes += e.success;
    turns += e.turns;
    questions += e.questions;
    if (e.success) success_turns += e.turns;
  }
  s.success = static_cast<double>(successes) / s.episodes;
  s.avg_turns = turns / s.episodes;
  s.avg_turns_success = successes ? success_turns / successes : 0;
  s.avg_questions = questions / s.episodes;
  return s;
}

}  // namespace chatrec::dialogue
