// Rating data in dense form and the train/test splits of `chatrec eval`.
//
//   protocol "chatrec": per user, a seeded random 20% of the items rated >= 4 are
//     test positives; every other rating of the user is training data.
//   protocol "loo":     per user, the last rating by timestamp (any value) is the
//     test item; the rest is training data.
//   files:              --train/--test in u.data format (user \t item \t rating \t ts);
//     test positives are the test ratings >= min_rating ("chatrec") or all test
//     ratings ("loo"); a test pair that also appears in training is dropped.
//
// Items are catalogue rows (0..num_items-1); users are dense indexes in order of
// first appearance. Everything here is deterministic for a seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace chatrec::eval {

struct RatingEvent {
  int32_t user = 0;
  int32_t item = 0;  // catalogue row
  float rating = 0;
  int64_t timestamp = 0;
};

enum class Protocol { kChatRec, kLeaveLastOut };
const char* ProtocolName(Protocol p);  // "chatrec", "loo"
absl::StatusOr<Protocol> ParseProtocol(const std::string& name);

struct Split {
  Protocol protocol = Protocol::kChatRec;
  int32_t num_users = 0;
  int32_t num_items = 0;
  std::vector<RatingEvent> train;
  std::vector<std::vector<int32_t>> test;  // per user: held-out positive rows, ascending
  int64_t dropped_test_pairs = 0;          // file splits: test pairs already in training

  int64_t test_users() const;
  int64_t test_positives() const;
};

struct SplitOptions {
  Protocol protocol = Protocol::kChatRec;
  double test_fraction = 0.2;  // "chatrec": share of each user's positives held out (rounded)
  float min_rating = 4;        // a positive is a rating >= min_rating
  uint64_t seed = 42;
};

// Splits all ratings of `num_users` users over `num_items` items.
Split MakeSplit(const std::vector<RatingEvent>& ratings, int32_t num_users, int32_t num_items,
                const SplitOptions& options);

// Builds a split from separate train and test rating lists (same user/item indexes).
Split SplitFromLists(const std::vector<RatingEvent>& train, const std::vector<RatingEvent>& test,
                     int32_t num_users, int32_t num_items, const SplitOptions& options);

// Maps data-set ids to dense indexes while reading u.data-format files.
struct IdMaps {
  absl::flat_hash_map<int64_t, int32_t> item_row;  // data-set item id -> catalogue row (given)
  absl::flat_hash_map<std::string, int32_t> user_index;  // grows as users are seen
  int32_t num_items = 0;
};

// Parses u.data-format text ("user item rating timestamp", tab or space separated).
// Lines naming an item not in `maps->item_row` are counted in *unknown_items and skipped;
// malformed lines are InvalidArgument with the line number.
absl::StatusOr<std::vector<RatingEvent>> ParseUData(const std::string& text, const std::string& name,
                                                    IdMaps* maps, int64_t* unknown_items = nullptr);
absl::StatusOr<std::vector<RatingEvent>> ReadUDataFile(const std::string& path, IdMaps* maps,
                                                       int64_t* unknown_items = nullptr);

}  // namespace chatrec::eval
