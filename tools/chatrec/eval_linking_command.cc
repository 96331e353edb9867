// `chatrec eval linking --dialogues FILE`: entity-linking precision and recall of
// the NLU on real human text. ReDial marks the movies people mention as @ids, so
// each @id is replaced by the movie's name (as the person would have typed it,
// with and without the year) and the links the NLU finds are compared with the
// ids; the films it links in messages with no @mention are counted too (wrong links,
// and titles people typed without the marker). Needs a store imported with
// `chatrec import --dataset redial`.
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "libs/catalog/catalog_store.h"
#include "libs/catalog/redial.h"
#include "libs/nlu/understander.h"
#include "libs/storage/layout.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"

ABSL_FLAG(int, show_errors, 0,
          "Print up to this many name-only messages with a missed or a wrong link, and as many films linked in "
          "messages with no @mention (for error analysis; use a validation split, not the test dialogues)");
ABSL_FLAG(std::string, dialogues, "", "Dialogues in ReDial's JSONL format (default: <data_dir>/redial/test_data.dev.jsonl)");

namespace chatrec::cli {
namespace {

struct Counts {
  int64_t gold = 0, predicted = 0, correct = 0, messages = 0;
  double precision() const { return predicted ? static_cast<double>(correct) / predicted : 0; }
  double recall() const { return gold ? static_cast<double>(correct) / gold : 0; }
};

}  // namespace

int EvalLinkingCommand(const std::vector<std::string>&) {
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  auto catalog = catalog::LoadCatalog(layout.catalog());
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str()), 1;
  if ((*catalog)->meta().dataset() != "redial") {
    std::fprintf(stderr, "the store holds %s; import ReDial first: chatrec import --dataset redial --store_dir DIR\n",
                 (*catalog)->meta().dataset().c_str());
    return 2;
  }
  auto nlu = nlu::Understander::Create(**catalog);
  if (!nlu.ok()) return std::fprintf(stderr, "%s\n", nlu.status().ToString().c_str()), 1;
  std::string path = absl::GetFlag(FLAGS_dialogues);
  if (path.empty()) path = DataDir() + "/redial/test_data.dev.jsonl";
  std::ifstream in(path);
  if (!in) return std::fprintf(stderr, "cannot open %s\n", path.c_str()), 1;

  const std::regex mention("@(\\d+)");
  Counts with_year, without_year;
  int shown_errors = 0, shown_spurious = 0;
  int64_t plain_messages = 0, spurious = 0;  // messages naming no movie, and the films linked in them
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json d = nlohmann::json::parse(line, nullptr, false);
    if (d.is_discarded() || !d.contains("messages") || !d.contains("movieMentions")) continue;
    for (const auto& m : d["messages"]) {
      if (!m.contains("text") || !m["text"].is_string()) continue;
      std::string text = m["text"].get<std::string>();
      if (text.find('@') == std::string::npos) {
        // No @mention: a film linked here is a wrong link or a title typed without the marker.
        ++plain_messages;
        for (const auto& found : (*nlu)->Understand(text).mentions) {
          const int64_t id = catalog::ItemIdFromEntity(found.entity_id);
          if (id < 0) continue;
          ++spurious;
          if (shown_spurious < absl::GetFlag(FLAGS_show_errors)) {
            ++shown_spurious;
            const int32_t row = (*catalog)->RowOf(id);
            std::printf("%s\n   linked without an @mention: [%s] from \"%s\"\n", text.c_str(),
                        row >= 0 ? (*catalog)->item(row).title().c_str() : std::to_string(id).c_str(),
                        found.text.c_str());
          }
        }
        continue;
      }
      for (bool keep_year : {true, false}) {
        absl::flat_hash_set<int64_t> gold;
        std::string rewritten;
        auto begin = std::sregex_iterator(text.begin(), text.end(), mention);
        size_t last = 0;
        for (auto it = begin; it != std::sregex_iterator(); ++it) {
          rewritten += text.substr(last, it->position() - last);
          last = it->position() + it->length();
          std::string id = (*it)[1];
          int64_t item_id = std::stoll(id);
          const auto& names = d["movieMentions"];
          int32_t row = (*catalog)->RowOf(item_id);
          if (row < 0 || !names.contains(id) || !names[id].is_string()) {
            rewritten += it->str();  // unknown movie: leave the marker
            continue;
          }
          std::string name = names[id].get<std::string>();
          int year = 0;
          std::string bare;
          catalog::ParseRedialTitle(name, &bare, &year);
          rewritten += keep_year && year ? bare + " (" + std::to_string(year) + ")" : bare;
          gold.insert(item_id);
        }
        rewritten += text.substr(last);
        if (gold.empty()) continue;
        Counts& c = keep_year ? with_year : without_year;
        ++c.messages;
        c.gold += static_cast<int64_t>(gold.size());
        absl::flat_hash_set<int64_t> predicted;
        for (const auto& mention_found : (*nlu)->Understand(rewritten).mentions) {
          int64_t id = catalog::ItemIdFromEntity(mention_found.entity_id);
          if (id >= 0) predicted.insert(id);
        }
        c.predicted += static_cast<int64_t>(predicted.size());
        int correct = 0;
        for (int64_t id : predicted) correct += gold.contains(id);
        c.correct += correct;
        if (!keep_year && shown_errors < absl::GetFlag(FLAGS_show_errors) &&
            (correct != static_cast<int>(gold.size()) || correct != static_cast<int>(predicted.size()))) {
          ++shown_errors;
          auto names = [&](const absl::flat_hash_set<int64_t>& ids, const absl::flat_hash_set<int64_t>& other) {
            std::string out;
            for (int64_t id : ids) {
              if (other.contains(id)) continue;
              int32_t row = (*catalog)->RowOf(id);
              out += " [" + (row >= 0 ? (*catalog)->item(row).title() : std::to_string(id)) + "]";
            }
            return out;
          };
          std::printf("%s\n   missed:%s\n   wrong:%s\n", rewritten.c_str(), names(gold, predicted).c_str(),
                      names(predicted, gold).c_str());
        }
      }
    }
  }
  auto obj = [](const Counts& c) {
    return nlohmann::json{{"messages", c.messages}, {"mentions", c.gold},   {"links", c.predicted},
                          {"correct", c.correct},   {"precision", c.precision()}, {"recall", c.recall()}};
  };
  nlohmann::json j = {{"dialogues", path},
                      {"with_year", obj(with_year)},
                      {"without_year", obj(without_year)},
                      {"without_mentions", {{"messages", plain_messages}, {"film_links", spurious}}}};
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("entity linking on %s (%lld messages with movie mentions)\n", path.c_str(),
                static_cast<long long>(with_year.messages));
    std::printf("  titles with year:    precision %.3f  recall %.3f  (%lld mentions)\n", with_year.precision(),
                with_year.recall(), static_cast<long long>(with_year.gold));
    std::printf("  titles without year: precision %.3f  recall %.3f\n", without_year.precision(), without_year.recall());
    std::printf("  messages with no @mention: %lld, films linked in them: %lld (wrong links, and titles typed "
                "without @)\n",
                static_cast<long long>(plain_messages), static_cast<long long>(spurious));
  }
  return 0;
}

}  // namespace chatrec::cli
