#include "libs/eval/redial_turns.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/catalog/redial.h"
#include "libs/common/csv.h"

namespace chatrec::eval {
namespace {

using nlohmann::json;

bool ParseInt(std::string_view s, int64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

// Lower-case letters and digits only: "Amélie" and "Amelie" differ, "Spider-Man" and "Spiderman" do not.
std::string NameKey(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && absl::ascii_isxdigit(s[i + 1]) && absl::ascii_isxdigit(s[i + 2])) {
      int v = 0;
      std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// "<http://dbpedia.org/resource/Headhunter_(2009_film)>" -> name "Headhunter", year 2009.
void UriName(const std::string& uri, std::string* name, int* year) {
  std::string_view s = uri;
  if (!s.empty() && s.front() == '<') s.remove_prefix(1);
  if (!s.empty() && s.back() == '>') s.remove_suffix(1);
  if (size_t slash = s.rfind('/'); slash != std::string_view::npos) s.remove_prefix(slash + 1);
  std::string decoded = PercentDecode(s);
  std::replace(decoded.begin(), decoded.end(), '_', ' ');
  *year = 0;
  if (!decoded.empty() && decoded.back() == ')') {
    if (size_t open = decoded.rfind(" ("); open != std::string::npos) {
      std::string inner = decoded.substr(open + 2, decoded.size() - open - 3);
      for (size_t i = 0; i + 4 <= inner.size(); ++i) {
        int64_t y;
        if (ParseInt(std::string_view(inner).substr(i, 4), &y) && y > 1800 && y < 2100) {
          *year = static_cast<int>(y);
          break;
        }
      }
      decoded.resize(open);
    }
  }
  *name = decoded;
}

bool AddUnique(std::vector<int64_t>* v, int64_t x) {
  if (std::find(v->begin(), v->end(), x) != v->end()) return false;
  v->push_back(x);
  return true;
}

std::string DialogId(const json& d) {
  const json& c = d["conversationId"];
  return "test_" + (c.is_string() ? c.get<std::string>() : c.dump());
}

}  // namespace

bool RedialTurn::IsNew(int64_t target) const {
  return std::find(mentioned_before.begin(), mentioned_before.end(), target) == mentioned_before.end();
}

std::string NormaliseTitle(const std::string& title) {
  std::string out;
  for (char c : title) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

absl::StatusOr<MovieTitles> LoadMovieTitles(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  CsvReader csv(&in);
  std::vector<std::string> f;
  bool unterminated;
  MovieTitles titles;
  if (!csv.Next(&f, &unterminated) || f.empty() || absl::StripAsciiWhitespace(f[0]) != "movieId") {
    return absl::InvalidArgumentError(absl::StrCat(path, ": expected the header movieId,movieName,nbMentions"));
  }
  while (csv.Next(&f, &unterminated)) {
    int64_t id;
    if (unterminated || f.size() < 2 || !ParseInt(f[0], &id)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", csv.record_line(), ": expected movieId,movieName,..."));
    }
    titles[id] = NormaliseTitle(f[1]);
  }
  if (titles.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no movies"));
  return titles;
}

absl::StatusOr<EntityMovieMap> EntityMovieMap::Load(const std::string& entity2id_path,
                                                    const std::string& link_tsv_path, const MovieTitles& titles) {
  auto read = [](const std::string& path) -> absl::StatusOr<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  auto e = read(entity2id_path);
  if (!e.ok()) return e.status();
  auto l = read(link_tsv_path);
  if (!l.ok()) return l.status();
  return FromStrings(*e, *l, titles);
}

absl::StatusOr<EntityMovieMap> EntityMovieMap::FromStrings(const std::string& entity2id_json,
                                                           const std::string& link_tsv, const MovieTitles& titles) {
  json e2id = json::parse(entity2id_json, nullptr, false);
  if (e2id.is_discarded() || !e2id.is_object()) {
    return absl::InvalidArgumentError("entity2id.json is not a JSON object of URI -> entity id");
  }
  EntityMovieMap map;
  map.titles_ = &titles;
  absl::flat_hash_map<std::string, int64_t> uri_to_entity;
  for (const auto& [uri, id] : e2id.items()) {
    if (!id.is_number_integer()) continue;
    uri_to_entity[uri] = id.get<int64_t>();
    map.uri_[id.get<int64_t>()] = uri;
  }
  std::istringstream tsv(link_tsv);
  std::string line;
  int n = 0;
  while (std::getline(tsv, line)) {
    if (++n == 1 && line.rfind("redial_movie_id", 0) == 0) continue;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t tab = line.find('\t');
    int64_t movie;
    if (tab == std::string::npos || !ParseInt(std::string_view(line).substr(0, tab), &movie)) {
      return absl::InvalidArgumentError(absl::StrCat("link file line ", n, ": expected redial_movie_id<TAB>uri"));
    }
    auto it = uri_to_entity.find(line.substr(tab + 1));
    if (it != uri_to_entity.end() && titles.contains(movie)) map.by_link_.emplace(it->second, movie);
  }
  for (const auto& [id, title] : titles) {
    std::string name;
    int year;
    catalog::ParseRedialTitle(title, &name, &year);
    map.by_name_[NameKey(name)].push_back(id);
  }
  for (auto& [key, ids] : map.by_name_) std::sort(ids.begin(), ids.end());
  return map;
}

int64_t EntityMovieMap::Map(int64_t entity_id, const std::string& text, How* how) const {
  *how = How::kNone;
  if (auto it = by_link_.find(entity_id); it != by_link_.end()) {
    *how = How::kLink;
    return it->second;
  }
  auto uri = uri_.find(entity_id);
  if (uri == uri_.end()) return -1;
  std::string name;
  int year;
  UriName(uri->second, &name, &year);
  auto it = by_name_.find(NameKey(name));
  if (it == by_name_.end()) return -1;
  std::vector<int64_t> candidates;
  auto year_of = [&](int64_t id) {
    std::string n;
    int y;
    catalog::ParseRedialTitle(titles_->at(id), &n, &y);
    return y;
  };
  for (int64_t id : it->second) {
    if (year == 0 || year_of(id) == year) candidates.push_back(id);
  }
  if (candidates.empty()) candidates = it->second;
  if (candidates.size() > 1) {
    // Several films of that name: the one whose full title the text writes.
    std::vector<int64_t> written;
    for (int64_t id : candidates) {
      if (text.find(titles_->at(id)) != std::string::npos) written.push_back(id);
    }
    if (!written.empty()) candidates = written;
  }
  // Only a film the text names with its year: the link misses many films, but a bare name
  // match on any entity (a person, a genre) would also hit unrelated titles.
  const std::string text_key = NameKey(text);
  for (int64_t id : candidates) {
    // The full "Title (Year)": a short name ("It") alone would match nearly any text.
    if (text_key.find(NameKey(titles_->at(id))) != std::string::npos) {
      *how = How::kName;
      return id;
    }
  }
  return -1;
}

absl::StatusOr<RedialTurns> ParseRedialDialogues(std::istream& in, const MovieTitles& titles) {
  RedialTurns out;
  std::string line;
  while (std::getline(in, line)) {
    const int n = static_cast<int>(++out.lines);
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    json d = json::parse(line, nullptr, false);
    if (d.is_discarded() || !d.is_object()) {
      out.skipped.push_back({n, "not a JSON object"});
      continue;
    }
    if (!d.contains("messages") || !d["messages"].is_array() || !d.contains("respondentWorkerId") ||
        !d.contains("conversationId")) {
      out.skipped.push_back(
          {n, d.contains("context") && d.contains("rec")
                  ? "a UniCRS turn, not a ReDial dialogue (use --turns for this file)"
                  : "not a ReDial dialogue: needs conversationId, respondentWorkerId and a messages list"});
      continue;
    }
    const json& mentions = d.contains("movieMentions") && d["movieMentions"].is_object() ? d["movieMentions"] : json::object();
    const json recommender = d["respondentWorkerId"];
    const std::string dialog_id = DialogId(d);
    // Merge consecutive messages of one speaker; rewrite @ids as titles.
    struct Group {
      bool seeker;
      int64_t message_id;
      std::string text;
      std::vector<int64_t> movies;
    };
    std::vector<Group> groups;
    bool bad = false;
    for (const auto& m : d["messages"]) {
      if (!m.is_object() || !m.contains("text") || !m["text"].is_string() || !m.contains("senderWorkerId")) {
        bad = true;
        break;
      }
      const bool seeker = m["senderWorkerId"] != recommender;
      const std::string& text = m["text"].get_ref<const std::string&>();
      std::string rewritten;
      std::vector<int64_t> movies;
      for (size_t i = 0; i < text.size();) {
        size_t j = i + 1;
        while (text[i] == '@' && j < text.size() && absl::ascii_isdigit(text[j])) ++j;
        int64_t id;
        if (text[i] == '@' && j > i + 1 && ParseInt(std::string_view(text).substr(i + 1, j - i - 1), &id)) {
          const std::string key = text.substr(i + 1, j - i - 1);
          auto t = titles.find(id);
          if (t != titles.end()) {
            rewritten += t->second;
            AddUnique(&movies, id);
          } else if (mentions.contains(key) && mentions[key].is_string()) {
            rewritten += NormaliseTitle(mentions[key].get<std::string>());
          } else {
            rewritten += text.substr(i, j - i);
          }
          i = j;
        } else {
          rewritten.push_back(text[i]);
          ++i;
        }
      }
      const int64_t message_id = m.contains("messageId") && m["messageId"].is_number_integer() ? m["messageId"].get<int64_t>() : 0;
      if (!groups.empty() && groups.back().seeker == seeker) {
        Group& g = groups.back();
        g.text += (g.text.empty() || rewritten.empty() ? "" : " ") + rewritten;
        for (int64_t id : movies) AddUnique(&g.movies, id);
      } else {
        groups.push_back({seeker, message_id, rewritten, movies});
      }
    }
    if (bad) {
      out.skipped.push_back({n, "a message without text or senderWorkerId"});
      continue;
    }
    ++out.dialogues;
    std::vector<int64_t> mentioned;
    RedialTurn prefix;
    prefix.dialog_id = dialog_id;
    for (const Group& g : groups) {
      if (!g.seeker && !g.movies.empty()) {
        RedialTurn t = prefix;
        t.turn_id = g.message_id;
        t.targets = g.movies;
        t.mentioned_before = mentioned;
        out.turns.push_back(std::move(t));
      }
      for (int64_t id : g.movies) AddUnique(&mentioned, id);
      prefix.context.push_back({g.text, g.seeker});
    }
    out.dialogue_mentions.push_back(std::move(mentioned));
    out.dialogue_ids.push_back(dialog_id);
  }
  return out;
}

absl::StatusOr<RedialTurns> ParseUnicrsTurns(std::istream& in, const EntityMovieMap& map) {
  RedialTurns out;
  std::string line, last_dialog;
  while (std::getline(in, line)) {
    const int n = static_cast<int>(++out.lines);
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    json t = json::parse(line, nullptr, false);
    if (t.is_discarded() || !t.is_object()) {
      out.skipped.push_back({n, "not a JSON object"});
      continue;
    }
    auto int_list = [](const json& j) {
      if (!j.is_array()) return false;
      return std::all_of(j.begin(), j.end(), [](const json& x) { return x.is_number_integer(); });
    };
    if (!t.contains("context") || !t["context"].is_array() || !t.contains("rec") || !int_list(t["rec"])) {
      out.skipped.push_back({n, t.contains("messages") ? "a ReDial dialogue, not a UniCRS turn (use --dialogues for this file)"
                                                       : "not a UniCRS turn: needs a context list and a rec list of entity ids"});
      continue;
    }
    if (!std::all_of(t["context"].begin(), t["context"].end(), [](const json& x) { return x.is_string(); })) {
      out.skipped.push_back({n, "context holds something other than strings"});
      continue;
    }
    if (t.contains("prev_entity") && !int_list(t["prev_entity"])) {
      out.skipped.push_back({n, "prev_entity is not a list of entity ids"});
      continue;
    }
    RedialTurn turn;
    turn.dialog_id = t.contains("dialog_id") && t["dialog_id"].is_string() ? t["dialog_id"].get<std::string>()
                                                                             : absl::StrCat("line_", n);
    turn.turn_id = t.contains("turn_id") && t["turn_id"].is_number_integer() ? t["turn_id"].get<int64_t>() : n;
    if (turn.dialog_id != last_dialog) ++out.dialogues;
    last_dialog = turn.dialog_id;
    // Speakers alternate and the last utterance before the recommender's is the seeker's.
    const auto& context = t["context"];
    const size_t size = context.size();
    std::string all_text;
    for (size_t i = 0; i < size; ++i) {
      const std::string& text = context[i].get_ref<const std::string&>();
      all_text += text + "\n";
      if (text.empty()) continue;
      turn.context.push_back({text, (size - 1 - i) % 2 == 0});
    }
    const std::string resp = t.contains("resp") && t["resp"].is_string() ? t["resp"].get<std::string>() : "";
    for (const auto& e : t["rec"]) {
      ++out.target_entities;
      EntityMovieMap::How how;
      int64_t id = map.Map(e.get<int64_t>(), resp, &how);
      if (how == EntityMovieMap::How::kLink) ++out.mapped_by_link;
      if (how == EntityMovieMap::How::kName) ++out.mapped_by_name;
      if (id < 0) {
        ++out.unmapped;
        continue;
      }
      AddUnique(&turn.targets, id);
    }
    if (t.contains("prev_entity")) {
      for (const auto& e : t["prev_entity"]) {
        EntityMovieMap::How how;
        int64_t id = map.Map(e.get<int64_t>(), all_text, &how);
        if (id >= 0) AddUnique(&turn.mentioned_before, id);
      }
    }
    if (!turn.targets.empty()) out.turns.push_back(std::move(turn));
  }
  return out;
}

}  // namespace chatrec::eval
