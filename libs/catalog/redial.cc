#include "libs/catalog/redial.h"

#include <cctype>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/common/csv.h"
#include "libs/common/time.h"

namespace chatrec::catalog {
namespace {

bool ParseId(std::string_view s, int64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string PersonId(const std::string& name) {
  std::string id = "person:";
  for (char c : name) id.push_back(c == ' ' ? '_' : c);
  return id;
}

}  // namespace

void ParseRedialTitle(const std::string& title, std::string* name, int* year) {
  std::string t(absl::StripAsciiWhitespace(title));
  *year = 0;
  if (t.size() >= 6 && t.back() == ')' && t[t.size() - 6] == '(') {
    int64_t y;
    if (ParseId(std::string_view(t).substr(t.size() - 5, 4), &y) && y > 1800 && y < 2100) {
      *year = static_cast<int>(y);
      t = std::string(absl::StripAsciiWhitespace(t.substr(0, t.size() - 6)));
    }
  }
  *name = t;
}

absl::StatusOr<RedialData> LoadRedial(const std::string& redial_dir, const std::string& cfcrs_dir,
                                      const std::vector<std::string>& dialogue_files) {
  RedialData data;
  std::ifstream movies(redial_dir + "/movies_with_mentions.csv", std::ios::binary);
  if (!movies) return absl::NotFoundError("cannot open " + redial_dir + "/movies_with_mentions.csv");
  CsvReader csv(&movies);
  std::vector<std::string> f;
  bool unterminated;
  csv.Next(&f, &unterminated);  // header
  absl::flat_hash_map<int64_t, size_t> index;
  while (csv.Next(&f, &unterminated)) {
    int64_t id, mentions;
    if (unterminated || f.size() != 3 || !ParseId(f[0], &id) || !ParseId(f[2], &mentions)) {
      data.skipped.push_back({"movies_with_mentions.csv", csv.record_line(), "expected movieId,movieName,nbMentions"});
      continue;
    }
    if (index.contains(id)) {
      data.skipped.push_back({"movies_with_mentions.csv", csv.record_line(), absl::StrCat("duplicate movieId ", id)});
      continue;
    }
    ItemRecord item;
    item.set_id(id);
    item.set_title(f[1]);
    std::string name;
    int year;
    ParseRedialTitle(f[1], &name, &year);
    item.set_name(name);
    item.set_year(year);
    // nbMentions counts the test dialogues too: popularity is set from the training-side dialogues below.
    index[id] = data.catalog.items.size();
    data.catalog.items.push_back(std::move(item));
  }

  absl::flat_hash_set<std::string> entities;
  auto add_entity = [&](const std::string& id, const std::string& name, v1::EntityType type) {
    if (!entities.insert(id).second) return;
    EntityRecord e;
    e.set_id(id);
    e.set_name(name);
    e.set_type(type);
    data.catalog.entities.push_back(std::move(e));
  };
  if (!cfcrs_dir.empty()) {
    std::ifstream in(cfcrs_dir + "/id2info.fixed.json", std::ios::binary);
    if (!in) return absl::NotFoundError("cannot open " + cfcrs_dir + "/id2info.fixed.json");
    nlohmann::json info = nlohmann::json::parse(in, nullptr, false);
    if (info.is_discarded() || !info.is_object()) return absl::InvalidArgumentError("id2info.fixed.json is not a JSON object");
    for (const auto& [key, v] : info.items()) {
      int64_t id;
      if (!ParseId(key, &id) || !index.contains(id) || !v.is_object()) continue;
      ItemRecord& item = data.catalog.items[index[id]];
      if (v.contains("plot") && v["plot"].is_string()) item.set_abstract(v["plot"].get<std::string>());
      auto facts = [&](const char* field, const char* relation) {
        if (!v.contains(field) || !v[field].is_array()) return;
        for (const auto& x : v[field]) {
          if (!x.is_string() || x.get<std::string>().empty()) continue;
          std::string value = x.get<std::string>();
          std::string entity_id;
          if (std::string_view(relation) == "genre") {
            entity_id = "genre:" + absl::AsciiStrToLower(value);
            add_entity(entity_id, value, v1::ENTITY_TYPE_GENRE);
          } else {
            entity_id = PersonId(value);
            add_entity(entity_id, value, v1::ENTITY_TYPE_PERSON);
          }
          auto* fact = item.add_facts();
          fact->set_relation(relation);
          fact->set_entity_id(entity_id);
        }
      };
      facts("genre", "genre");
      facts("director", "director");
      facts("writer", "writer");
      facts("star", "starring");
    }
  }

  absl::flat_hash_set<std::string> seen_dialogues;
  for (const auto& path : dialogue_files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError("cannot open " + path);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      nlohmann::json d = nlohmann::json::parse(line, nullptr, false);
      if (d.is_discarded() || !d.is_object()) {
        data.skipped.push_back({path, n, "not a JSON object"});
        continue;
      }
      std::string conv = d.contains("conversationId") ? d["conversationId"].dump() : "";
      if (conv.empty() || !seen_dialogues.insert(conv).second) continue;  // the two splits overlap
      ++data.dialogues;
      if (d.contains("messages") && d["messages"].is_array()) {
        for (const auto& m : d["messages"]) {
          if (!m.is_object() || !m.contains("text") || !m["text"].is_string()) continue;
          const std::string& text = m["text"].get_ref<const std::string&>();
          for (size_t at = text.find('@'); at != std::string::npos; at = text.find('@', at + 1)) {
            size_t end = at + 1;
            while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
            int64_t id;
            if (end > at + 1 && ParseId(text.substr(at + 1, end - at - 1), &id) && index.contains(id)) {
              auto& item = data.catalog.items[index[id]];
              item.set_dialogue_mentions(item.dialogue_mentions() + 1);
            }
          }
        }
      }
      const char* answers = d.contains("initiatorQuestions") && d["initiatorQuestions"].is_object() &&
                                    !d["initiatorQuestions"].empty()
                                ? "initiatorQuestions"
                                : "respondentQuestions";
      if (!d.contains(answers) || !d[answers].is_object()) continue;
      std::string user = "redial:" + (d["conversationId"].is_string() ? d["conversationId"].get<std::string>() : conv);
      for (const auto& [key, q] : d[answers].items()) {
        int64_t id;
        if (!ParseId(key, &id) || !index.contains(id) || !q.is_object() || !q.contains("liked")) continue;
        int liked = q["liked"].is_number() ? q["liked"].get<int>() : 2;
        if (liked != 0 && liked != 1) continue;  // 2: did not say
        // No real time in ReDial: the dialogue's line in its file orders the events.
        data.interactions.push_back({user, id, liked == 1, n});
      }
    }
  }
  // Popularity (the fallback ranking, the KG source's order within broad entities, what is cold) is
  // how often the training-side dialogues mention the film, never nbMentions.
  for (auto& item : data.catalog.items) item.set_popularity(item.dialogue_mentions());
  auto& meta = data.catalog.meta;
  meta.set_dataset("redial");
  meta.set_items(static_cast<int64_t>(data.catalog.items.size()));
  meta.set_entities(static_cast<int64_t>(data.catalog.entities.size()));
  int64_t facts = 0;
  for (const auto& i : data.catalog.items) facts += i.facts_size();
  meta.set_facts(facts);
  meta.set_users(static_cast<int64_t>(seen_dialogues.size()));
  meta.set_imported_ms(NowMs());
  return data;
}

}  // namespace chatrec::catalog
