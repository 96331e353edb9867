#include "libs/catalog/movielens.h"

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/common/csv.h"
#include "libs/common/text.h"
#include "libs/common/time.h"

namespace chatrec::catalog {
namespace {

bool ParseInt(std::string_view s, int64_t* out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path, " (set --data_dir or CHATREC_DATA)"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = SplitFields(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  for (auto& l : lines) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
  }
  return lines;
}

std::string GenreSlug(std::string_view name) {
  std::string slug;
  for (char c : name) {
    if (c == '\'') continue;
    slug.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return slug;
}

// Articles MovieLens moves to the end of a title: "Godfather, The".
const std::set<std::string>& Articles() {
  static const std::set<std::string> kArticles = {"The", "A", "An", "La", "Le", "Les", "L'", "Il", "Das", "Der", "Die", "El"};
  return kArticles;
}

std::string FixArticle(std::string t) {
  size_t comma = t.rfind(", ");
  if (comma == std::string::npos) return t;
  std::string tail = t.substr(comma + 2);
  // "Godfather: Part II, The" is rare; the article is always the last token.
  if (!Articles().count(tail)) return t;
  std::string head = t.substr(0, comma);
  return tail.back() == '\'' ? tail + head : tail + " " + head;
}

struct KgColumn {
  const char* column;
  const char* relation;
  const char* prefix;
  chatrec::v1::EntityType type;
};

constexpr KgColumn kKgColumns[] = {
    {"director", "director", "person:", chatrec::v1::ENTITY_TYPE_PERSON},
    {"starring", "starring", "person:", chatrec::v1::ENTITY_TYPE_PERSON},
    {"writer", "writer", "person:", chatrec::v1::ENTITY_TYPE_PERSON},
    {"producer", "producer", "person:", chatrec::v1::ENTITY_TYPE_PERSON},
    {"cinematography", "cinematography", "person:", chatrec::v1::ENTITY_TYPE_PERSON},
    {"distributor", "distributor", "company:", chatrec::v1::ENTITY_TYPE_COMPANY},
    {"subject", "subject", "subject:", chatrec::v1::ENTITY_TYPE_SUBJECT},
};

// DBpedia's `starring` is empty for many famous films (Toy Story, Forrest Gump),
// but their abstracts say "... directed by Robert Zemeckis and stars Tom Hanks".
// Adds person facts for known people named in an abstract sentence after a cue
// word, so that "something with Tom Hanks" finds them. Returns the facts added.
int64_t AddFactsFromAbstracts(CatalogContents* catalog) {
  absl::flat_hash_map<std::string, std::string> person_by_name;  // normalised name -> entity id
  for (const auto& e : catalog->entities) {
    if (e.type() != chatrec::v1::ENTITY_TYPE_PERSON) continue;
    std::string norm = NormalizeForMatch(e.name());
    if (norm.find(' ') == std::string::npos) continue;  // one-word names match too much
    person_by_name.emplace(norm, e.id());
  }
  struct Cue {
    const char* word;
    const char* relation;
  };
  static const Cue kCues[] = {{"star", "starring"}, {"voice", "starring"}, {"cast", "starring"},
                              {"direct", "director"}, {"written", "writer"}, {"screenplay", "writer"}};
  int64_t added = 0;
  for (auto& item : catalog->items) {
    if (item.abstract().empty()) continue;
    absl::flat_hash_set<std::string> linked;
    for (const auto& f : item.facts()) linked.insert(f.entity_id());
    for (const auto& sentence : SplitFields(item.abstract(), '.')) {
      std::vector<std::string> words = SplitFields(NormalizeForMatch(sentence), ' ');
      for (size_t i = 0; i < words.size(); ++i) {
        for (size_t n = 3; n >= 2; --n) {
          if (i + n > words.size()) continue;
          std::string name = words[i];
          for (size_t j = 1; j < n; ++j) name += " " + words[i + j];
          auto it = person_by_name.find(name);
          if (it == person_by_name.end() || linked.contains(it->second)) continue;
          // The nearest cue word before the name decides the relation.
          const char* relation = nullptr;
          for (size_t b = i; b-- > 0 && !relation;) {
            for (const Cue& cue : kCues) {
              if (words[b].rfind(cue.word, 0) == 0) {
                relation = cue.relation;
                break;
              }
            }
          }
          if (!relation) continue;
          auto* fact = item.add_facts();
          fact->set_relation(relation);
          fact->set_entity_id(it->second);
          linked.insert(it->second);
          ++added;
          break;
        }
      }
    }
  }
  return added;
}

}  // namespace

void ParseMovieLensTitle(const std::string& title, std::string* name, int* year,
                         std::vector<std::string>* aliases) {
  std::string t(absl::StripAsciiWhitespace(title));
  *year = 0;
  // Trailing "(1994)".
  if (t.size() >= 6 && t.back() == ')' && t[t.size() - 6] == '(') {
    int64_t y;
    if (ParseInt(t.substr(t.size() - 5, 4), &y) && y > 1800 && y < 2100) {
      *year = static_cast<int>(y);
      t = std::string(absl::StripAsciiWhitespace(t.substr(0, t.size() - 6)));
    }
  }
  // A second title in parentheses: "City of Lost Children, The (Cité des enfants perdus, La)".
  if (!t.empty() && t.back() == ')') {
    size_t open = t.rfind(" (");
    if (open != std::string::npos && open > 0) {
      std::string alias = t.substr(open + 2, t.size() - open - 3);
      if (aliases && !alias.empty() && alias.rfind("a.k.a. ", 0) == 0) alias = alias.substr(7);
      if (aliases && !alias.empty()) aliases->push_back(FixArticle(alias));
      t = t.substr(0, open);
    }
  }
  *name = FixArticle(t);
}

absl::StatusOr<MovieLensData> LoadMovieLens(const std::string& ml_dir, const std::string& kg_dir,
                                            const ProgressFn& progress) {
  MovieLensData data;
  auto report = [&](int64_t done, int64_t total, const std::string& step) {
    if (progress) progress(done, total, step);
  };
  auto skip = [&](const std::string& file, int line, std::string reason) {
    data.skipped.push_back({file, line, std::move(reason)});
  };

  // Genres.
  auto genre_text = ReadFile(ml_dir + "/u.genre");
  if (!genre_text.ok()) return genre_text.status();
  std::vector<std::string> genre_ids;  // by genre index; empty = unknown
  for (const auto& line : Lines(*genre_text)) {
    auto f = SplitFields(line, '|');
    int64_t idx;
    if (f.size() != 2 || !ParseInt(f[1], &idx) || idx < 0 || idx > 64) continue;
    if (genre_ids.size() <= static_cast<size_t>(idx)) genre_ids.resize(idx + 1);
    if (f[0] == "unknown") continue;
    genre_ids[idx] = "genre:" + GenreSlug(f[0]);
    EntityRecord e;
    e.set_id(genre_ids[idx]);
    e.set_name(f[0]);
    e.set_type(chatrec::v1::ENTITY_TYPE_GENRE);
    data.catalog.entities.push_back(e);
  }
  if (genre_ids.empty()) return absl::InvalidArgumentError(ml_dir + "/u.genre has no genres");

  // Items (Latin-1).
  auto item_text = ReadFile(ml_dir + "/u.item");
  if (!item_text.ok()) return item_text.status();
  absl::flat_hash_map<int64_t, size_t> item_index;
  auto item_lines = Lines(Latin1ToUtf8(*item_text));
  for (size_t n = 0; n < item_lines.size(); ++n) {
    auto f = SplitFields(item_lines[n], '|');
    int line = static_cast<int>(n + 1);
    if (f.size() != 5 + genre_ids.size()) {
      skip("u.item", line, absl::StrCat("expected ", 5 + genre_ids.size(), " fields, got ", f.size()));
      continue;
    }
    int64_t id;
    if (!ParseInt(f[0], &id) || id <= 0) {
      skip("u.item", line, "item id is not a positive integer");
      continue;
    }
    if (item_index.contains(id)) {
      skip("u.item", line, absl::StrCat("duplicate item id ", id));
      continue;
    }
    ItemRecord item;
    item.set_id(id);
    item.set_title(f[1]);
    std::string name;
    int year = 0;
    std::vector<std::string> aliases;
    ParseMovieLensTitle(f[1], &name, &year, &aliases);
    if (year == 0 && f[2].size() >= 4) {
      int64_t y;
      if (ParseInt(f[2].substr(f[2].size() - 4), &y)) year = static_cast<int>(y);
    }
    item.set_name(name);
    item.set_year(year);
    for (auto& a : aliases) item.add_aliases(a);
    bool bad_flag = false;
    for (size_t g = 0; g < genre_ids.size(); ++g) {
      const std::string& flag = f[5 + g];
      if (flag != "0" && flag != "1") bad_flag = true;
      if (flag == "1" && !genre_ids[g].empty()) {
        auto* fact = item.add_facts();
        fact->set_relation("genre");
        fact->set_entity_id(genre_ids[g]);
      }
    }
    if (bad_flag) {
      skip("u.item", line, "genre flags must be 0 or 1");
      continue;
    }
    item_index[id] = data.catalog.items.size();
    data.catalog.items.push_back(std::move(item));
  }
  report(1, 4, "items");

  // DBpedia KG: item -> people, companies, subjects.
  if (!kg_dir.empty()) {
    std::ifstream in(kg_dir + "/enriched.csv", std::ios::binary);
    if (!in) return absl::NotFoundError("cannot open " + kg_dir + "/enriched.csv");
    CsvReader csv(&in);
    std::vector<std::string> fields;
    bool unterminated = false;
    if (!csv.Next(&fields, &unterminated)) return absl::InvalidArgumentError("enriched.csv is empty");
    absl::flat_hash_map<std::string, int> col;
    for (size_t i = 0; i < fields.size(); ++i) col[fields[i].substr(0, fields[i].find("::"))] = static_cast<int>(i);
    if (!col.contains("item_id")) return absl::InvalidArgumentError("enriched.csv has no item_id column");
    absl::flat_hash_set<std::string> known_entities;
    while (csv.Next(&fields, &unterminated)) {
      int line = csv.record_line();
      if (unterminated) {
        skip("enriched.csv", line, "quoted field not terminated");
        break;
      }
      if (fields.size() != col.size()) {
        skip("enriched.csv", line, absl::StrCat("expected ", col.size(), " fields, got ", fields.size()));
        continue;
      }
      int64_t id;
      if (!ParseInt(fields[col["item_id"]], &id) || !item_index.contains(id)) {
        skip("enriched.csv", line, "item_id is not an item of u.item");
        continue;
      }
      ItemRecord& item = data.catalog.items[item_index[id]];
      if (col.contains("abstract")) item.set_abstract(fields[col["abstract"]]);
      ++data.kg_items_linked;
      for (const KgColumn& kc : kKgColumns) {
        if (!col.contains(kc.column)) continue;
        const std::string& cell = fields[col[kc.column]];
        if (cell.empty()) continue;
        size_t start = 0;
        while (start < cell.size()) {
          // Values are URIs joined by "::"; a URI itself never contains "::".
          size_t end = cell.find("::", start);
          if (end == std::string::npos) end = cell.size();
          std::string local = LocalName(cell.substr(start, end - start));
          start = end + 2;
          if (local.empty()) continue;
          std::string display = local;
          if (std::string_view(kc.prefix) == "subject:" && local.rfind("Category:", 0) == 0) {
            local = local.substr(9);
            display = local;
          }
          std::string entity_id = kc.prefix + local;
          if (known_entities.insert(entity_id).second) {
            EntityRecord e;
            e.set_id(entity_id);
            e.set_name(NameFromResource(display));
            e.set_type(kc.type);
            data.catalog.entities.push_back(std::move(e));
          }
          auto* fact = item.add_facts();
          fact->set_relation(kc.relation);
          fact->set_entity_id(entity_id);
          ++data.kg_facts;
        }
      }
    }
  }
  if (!kg_dir.empty()) data.kg_facts_from_abstracts = AddFactsFromAbstracts(&data.catalog);
  report(2, 4, "knowledge graph");

  // Users.
  auto user_text = ReadFile(ml_dir + "/u.user");
  if (!user_text.ok()) return user_text.status();
  absl::flat_hash_set<std::string> users;
  auto user_lines = Lines(*user_text);
  for (size_t n = 0; n < user_lines.size(); ++n) {
    auto f = SplitFields(user_lines[n], '|');
    int64_t id, age;
    if (f.size() != 5 || !ParseInt(f[0], &id) || !ParseInt(f[1], &age)) {
      skip("u.user", static_cast<int>(n + 1), "expected id|age|gender|occupation|zip");
      continue;
    }
    internal::UserRecord u;
    u.set_id(std::to_string(id));
    u.set_age(static_cast<int32_t>(age));
    u.set_gender(f[2]);
    u.set_occupation(f[3]);
    u.set_zip(f[4]);
    if (!users.insert(u.id()).second) {
      skip("u.user", static_cast<int>(n + 1), "duplicate user id");
      continue;
    }
    data.catalog.users.push_back(std::move(u));
  }
  report(3, 4, "users");

  // Ratings.
  auto rating_text = ReadFile(ml_dir + "/u.data");
  if (!rating_text.ok()) return rating_text.status();
  auto rating_lines = Lines(*rating_text);
  absl::flat_hash_set<std::pair<std::string, int64_t>> seen;
  data.ratings.reserve(rating_lines.size());
  for (size_t n = 0; n < rating_lines.size(); ++n) {
    int line = static_cast<int>(n + 1);
    auto f = SplitFields(rating_lines[n], '\t');
    int64_t user, item, rating, ts;
    if (f.size() != 4 || !ParseInt(f[0], &user) || !ParseInt(f[1], &item) || !ParseInt(f[2], &rating) ||
        !ParseInt(f[3], &ts)) {
      skip("u.data", line, "expected user<TAB>item<TAB>rating<TAB>timestamp, all integers");
      continue;
    }
    if (rating < 1 || rating > 5) {
      skip("u.data", line, absl::StrCat("rating ", rating, " is outside 1-5"));
      continue;
    }
    if (!item_index.contains(item)) {
      skip("u.data", line, absl::StrCat("item ", item, " is not in u.item"));
      continue;
    }
    std::string uid = std::to_string(user);
    if (!seen.insert({uid, item}).second) {
      skip("u.data", line, absl::StrCat("user ", uid, " rated item ", item, " twice; kept the first"));
      continue;
    }
    data.ratings.push_back({uid, item, static_cast<int>(rating), ts});
    auto& rec = data.catalog.items[item_index[item]];
    rec.set_popularity(rec.popularity() + 1);
    if (n % 20000 == 0) report(3, 4, "ratings");
  }
  report(4, 4, "ratings");

  auto& meta = data.catalog.meta;
  meta.set_dataset("ml-100k");
  meta.set_items(static_cast<int64_t>(data.catalog.items.size()));
  meta.set_users(static_cast<int64_t>(data.catalog.users.size()));
  meta.set_entities(static_cast<int64_t>(data.catalog.entities.size()));
  int64_t facts = 0;
  for (const auto& i : data.catalog.items) facts += i.facts_size();
  meta.set_facts(facts);
  meta.set_imported_ms(NowMs());
  return data;
}

}  // namespace chatrec::catalog
