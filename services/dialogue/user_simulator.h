// A simulated user for the dialogue engine (`chatrec simulate`). It has one target
// film in mind; it opens without saying what it wants, answers the system's
// clarifying questions from the target's KG facts (a genre of it, its decade, one of
// its first three billed actors, its director), turns down every recommendation list
// that does not hold the target ("none of those", followed by the answer when the list
// came with a question) and accepts when the target is among the first k items. An episode ends on acceptance or
// after max_turns user turns. Deterministic for a seed (the only choice is which of the
// target's genres or people it names).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"
#include "services/dialogue/dialogue_core.h"

namespace chatrec::dialogue {

struct SimulatorOptions {
  int max_turns = 5;  // user turns, the opening included
  int k = 10;         // items shown per recommendation; success if the target is among them
  uint64_t seed = 42;
};

struct Episode {
  int64_t target = 0;
  bool success = false;
  int turns = 0;          // user turns used (max_turns when it failed)
  int questions = 0;      // clarifying questions the system asked
  std::vector<std::string> transcript;  // "user: ..." / "system: ..." lines
};

class UserSimulator {
 public:
  UserSimulator(DialogueCore* core, const catalog::Catalog* catalog, SimulatorOptions options)
      : core_(core), catalog_(catalog), o_(options), rng_(options.seed) {}

  // One conversation about `target_id` in a new session of `user_id`.
  absl::StatusOr<Episode> Run(int64_t target_id, const std::string& user_id);

  // What the user says to a question about `attribute` ("genre", "decade", "starring",
  // "director"), from the
  // target's facts; a neutral answer when the target has no such fact.
  std::string Answer(int32_t target_row, const std::string& attribute);

 private:
  DialogueCore* core_;
  const catalog::Catalog* catalog_;
  SimulatorOptions o_;
  std::mt19937_64 rng_;
};

// `n` distinct targets drawn (seeded) from the items with at least one genre fact.
std::vector<int64_t> SampleTargets(const catalog::Catalog& catalog, int n, uint64_t seed);

struct SimulationSummary {
  int episodes = 0;
  double success = 0;          // share of episodes that ended in acceptance
  double avg_turns = 0;        // over all episodes (failures count max_turns)
  double avg_turns_success = 0;
  double avg_questions = 0;
};
SimulationSummary Summarise(const std::vector<Episode>& episodes);

}  // namespace chatrec::dialogue
