#include "libs/eval/split.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace chatrec::eval {
namespace {

// A per-user stream that does not depend on how many users came before.
uint64_t UserSeed(uint64_t seed, int32_t user) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (static_cast<uint64_t>(user) + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<std::vector<RatingEvent>> ByUser(const std::vector<RatingEvent>& ratings, int32_t num_users) {
  std::vector<std::vector<RatingEvent>> by_user(num_users);
  for (const auto& r : ratings) by_user[r.user].push_back(r);
  for (auto& list : by_user) {
    // Input order must not matter: sort by (timestamp, item).
    std::sort(list.begin(), list.end(), [](const RatingEvent& a, const RatingEvent& b) {
      return a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.item < b.item;
    });
  }
  return by_user;
}

bool ParseField(std::string_view s, int64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

const char* ProtocolName(Protocol p) { return p == Protocol::kChatRec ? "chatrec" : "loo"; }

absl::StatusOr<Protocol> ParseProtocol(const std::string& name) {
  if (name == "chatrec") return Protocol::kChatRec;
  if (name == "loo") return Protocol::kLeaveLastOut;
  return absl::InvalidArgumentError(absl::StrCat("unknown protocol '", name, "'; use chatrec or loo"));
}

int64_t Split::test_users() const {
  int64_t n = 0;
  for (const auto& t : test) n += !t.empty();
  return n;
}

int64_t Split::test_positives() const {
  int64_t n = 0;
  for (const auto& t : test) n += static_cast<int64_t>(t.size());
  return n;
}

Split MakeSplit(const std::vector<RatingEvent>& ratings, int32_t num_users, int32_t num_items,
                const SplitOptions& o) {
  Split s;
  s.protocol = o.protocol;
  s.num_users = num_users;
  s.num_items = num_items;
  s.test.resize(num_users);
  auto by_user = ByUser(ratings, num_users);
  for (int32_t u = 0; u < num_users; ++u) {
    auto& list = by_user[u];
    if (list.empty()) continue;
    absl::flat_hash_set<int32_t> held;
    if (o.protocol == Protocol::kLeaveLastOut) {
      if (list.size() >= 2) held.insert(list.back().item);  // a user needs something left to train on
    } else {
      std::vector<int32_t> positives;
      for (const auto& r : list) {
        if (r.rating >= o.min_rating) positives.push_back(r.item);
      }
      std::sort(positives.begin(), positives.end());
      positives.erase(std::unique(positives.begin(), positives.end()), positives.end());
      std::mt19937_64 rng(UserSeed(o.seed, u));
      std::shuffle(positives.begin(), positives.end(), rng);
      size_t n = static_cast<size_t>(std::llround(o.test_fraction * static_cast<double>(positives.size())));
      held.insert(positives.begin(), positives.begin() + std::min(n, positives.size()));
    }
    for (const auto& r : list) {
      if (!held.contains(r.item)) s.train.push_back(r);
    }
    s.test[u].assign(held.begin(), held.end());
    std::sort(s.test[u].begin(), s.test[u].end());
  }
  return s;
}

Split SplitFromLists(const std::vector<RatingEvent>& train, const std::vector<RatingEvent>& test,
                     int32_t num_users, int32_t num_items, const SplitOptions& o) {
  Split s;
  s.protocol = o.protocol;
  s.num_users = num_users;
  s.num_items = num_items;
  s.train = train;
  s.test.resize(num_users);
  absl::flat_hash_set<std::pair<int32_t, int32_t>> seen;
  for (const auto& r : train) seen.insert({r.user, r.item});
  for (const auto& r : test) {
    if (o.protocol == Protocol::kChatRec && r.rating < o.min_rating) continue;
    if (seen.contains({r.user, r.item})) {
      ++s.dropped_test_pairs;
      continue;
    }
    s.test[r.user].push_back(r.item);
  }
  for (auto& t : s.test) {
    std::sort(t.begin(), t.end());
    t.erase(std::unique(t.begin(), t.end()), t.end());
  }
  return s;
}

absl::StatusOr<std::vector<RatingEvent>> ParseUData(const std::string& text, const std::string& name,
                                                    IdMaps* maps, int64_t* unknown_items) {
  std::vector<RatingEvent> out;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<std::string_view> f;
    std::string_view rest(line);
    while (!rest.empty()) {
      size_t start = rest.find_first_not_of(" \t");
      if (start == std::string_view::npos) break;
      rest.remove_prefix(start);
      size_t end = rest.find_first_of(" \t");
      f.push_back(rest.substr(0, end));
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    int64_t item, rating, ts = 0;
    if ((f.size() != 3 && f.size() != 4) || !ParseField(f[1], &item) || !ParseField(f[2], &rating) ||
        (f.size() == 4 && !ParseField(f[3], &ts))) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ":", line_no, ": expected `user item rating [timestamp]` with integer fields"));
    }
    auto row = maps->item_row.find(item);
    if (row == maps->item_row.end()) {
      if (unknown_items) ++*unknown_items;
      continue;
    }
    std::string user(f[0]);
    int32_t u = maps->user_index.emplace(user, static_cast<int32_t>(maps->user_index.size())).first->second;
    out.push_back({u, row->second, static_cast<float>(rating), ts});
  }
  return out;
}

absl::StatusOr<std::vector<RatingEvent>> ReadUDataFile(const std::string& path, IdMaps* maps,
                                                       int64_t* unknown_items) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseUData(ss.str(), path, maps, unknown_items);
}

}  // namespace chatrec::eval
