// `chatrec import`: MovieLens 100K + DBpedia KG -> catalog store, ratings -> feedback store.
#include <cstdio>
#include <map>

#include "absl/strings/str_cat.h"
#include "libs/catalog/movielens.h"
#include "libs/catalog/redial.h"
#include "libs/storage/engine_settings.h"
#include "libs/common/progress.h"
#include "libs/events/event_store.h"
#include "libs/storage/layout.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"

ABSL_FLAG(std::string, dataset, "ml-100k", "Data set to import: ml-100k or redial");
ABSL_FLAG(std::string, ml_dir, "", "MovieLens 100K folder (default: <data_dir>/ml-100k)");
ABSL_FLAG(std::string, kg_dir, "", "DBpedia KG folder (default: <data_dir>/ml-100k-kg-dbpedia; 'none' to skip)");

namespace chatrec::cli {
namespace {

// Appends events in chunks with a progress bar; re-running stores nothing twice.
int WriteEvents(const storage::StoreLayout& layout, const std::vector<v1::Event>& events, events::AppendResult* total) {
  auto store = events::EventStore::Open({.path = layout.feedback(), .sync = false});
  if (!store.ok()) {
    std::fprintf(stderr, "opening the feedback store failed: %s\n", store.status().ToString().c_str());
    return 1;
  }
  Progress progress("events", static_cast<int64_t>(events.size()));
  constexpr size_t kChunk = 10000;
  for (size_t start = 0; start < events.size(); start += kChunk) {
    size_t end = std::min(events.size(), start + kChunk);
    auto r = (*store)->Append(absl::MakeConstSpan(events).subspan(start, end - start));
    if (!r.ok()) {
      std::fprintf(stderr, "\nwriting events failed: %s\n", r.status().ToString().c_str());
      return 1;
    }
    total->recorded += r->recorded;
    total->duplicates += r->duplicates;
    progress.Update(static_cast<int64_t>(end));
  }
  progress.Finish();
  if (auto s = (*store)->Flush(); !s.ok()) {
    std::fprintf(stderr, "flushing the feedback store failed: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

void PrintSkipped(const std::vector<catalog::SkippedLine>& skipped) {
  std::printf("  skipped    %zu lines\n", skipped.size());
  for (size_t i = 0; i < skipped.size() && i < 10; ++i) {
    std::printf("    %s:%d: %s\n", skipped[i].file.c_str(), skipped[i].line, skipped[i].reason.c_str());
  }
  if (skipped.size() > 10) std::printf("    ... and %zu more\n", skipped.size() - 10);
}

// <store_dir>/engine.json: the engine settings chosen for the data set (none: the file is removed).
int WriteEngineSettings(const storage::StoreLayout& layout, const std::string& dataset) {
  const storage::EngineSettings settings = storage::DefaultEngineSettings(dataset);
  if (auto s = storage::SaveEngineSettings(layout, settings); !s.ok()) {
    std::fprintf(stderr, "writing the engine settings failed: %s\n", s.ToString().c_str());
    return 1;
  }
  if (!settings.empty()) {
    std::printf("  engine     %s (the settings chosen for %s; flags given to a program win over them)\n",
                storage::EngineSettingsPath(layout).c_str(), dataset.c_str());
  }
  return 0;
}

int ImportRedial(const storage::StoreLayout& layout) {
  const std::string root = DataDir();
  auto data = catalog::LoadRedial(root + "/redial", root + "/redial-kg-cfcrs", RedialTrainingDialogues());
  if (!data.ok()) {
    std::fprintf(stderr, "import failed: %s\n", data.status().ToString().c_str());
    return 1;
  }
  if (auto s = catalog::SaveCatalog(layout.catalog(), data->catalog); !s.ok()) {
    std::fprintf(stderr, "writing the catalogue failed: %s\n", s.ToString().c_str());
    return 1;
  }
  std::vector<v1::Event> events;
  for (const auto& i : data->interactions) {
    v1::Event& e = events.emplace_back();
    e.set_event_id(absl::StrCat(i.user_id, ":", i.item_id));
    e.set_user_id(i.user_id);
    e.set_item_id(i.item_id);
    e.set_type(i.liked ? v1::EVENT_TYPE_LIKE : v1::EVENT_TYPE_DISLIKE);
    e.set_timestamp_ms(i.timestamp_s * 1000);
    e.set_source("import:redial");
  }
  events::AppendResult total;
  if (int rc = WriteEvents(layout, events, &total); rc != 0) return rc;
  const auto& meta = data->catalog.meta;
  std::printf("imported redial into %s\n", layout.root.c_str());
  std::printf("  items      %lld (%lld KG facts from CFCRS metadata)\n", static_cast<long long>(meta.items()),
              static_cast<long long>(meta.facts()));
  std::printf("  entities   %lld\n", static_cast<long long>(meta.entities()));
  std::printf("  dialogues  %lld training-side (one user each)\n", static_cast<long long>(data->dialogues));
  std::printf("  events     %zu likes/dislikes, %d new, %d already stored\n", events.size(), total.recorded,
              total.duplicates);
  PrintSkipped(data->skipped);
  return WriteEngineSettings(layout, "redial");
}

}  // namespace

int ImportCommand(const std::vector<std::string>&) {
  if (absl::GetFlag(FLAGS_dataset) == "redial") return ImportRedial(storage::StoreLayout(absl::GetFlag(FLAGS_store_dir)));
  if (absl::GetFlag(FLAGS_dataset) != "ml-100k") {
    std::fprintf(stderr, "--dataset must be ml-100k or redial\n");
    return 2;
  }
  std::string ml_dir = absl::GetFlag(FLAGS_ml_dir), kg_dir = absl::GetFlag(FLAGS_kg_dir);
  if (ml_dir.empty()) ml_dir = DataDir() + "/ml-100k";
  if (kg_dir.empty()) kg_dir = DataDir() + "/ml-100k-kg-dbpedia";
  if (kg_dir == "none") kg_dir.clear();
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));

  Progress load("reading files", 4);
  auto data = catalog::LoadMovieLens(ml_dir, kg_dir, [&](int64_t done, int64_t, const std::string&) { load.Update(done); });
  if (!data.ok()) {
    std::fprintf(stderr, "\nimport failed: %s\n", data.status().ToString().c_str());
    return 1;
  }
  load.Finish();
  // Every record of the catalogue goes in one atomic batch: all or nothing.
  if (auto s = catalog::SaveCatalog(layout.catalog(), data->catalog); !s.ok()) {
    std::fprintf(stderr, "writing the catalogue failed: %s\n", s.ToString().c_str());
    return 1;
  }
  // Ratings become RATING events. Event ids are deterministic, so a re-run stores nothing twice.
  auto store = events::EventStore::Open({.path = layout.feedback(), .sync = false});
  if (!store.ok()) {
    std::fprintf(stderr, "opening the feedback store failed: %s\n", store.status().ToString().c_str());
    return 1;
  }
  Progress progress("ratings", static_cast<int64_t>(data->ratings.size()));
  events::AppendResult total;
  constexpr size_t kChunk = 10000;
  for (size_t start = 0; start < data->ratings.size(); start += kChunk) {
    std::vector<v1::Event> chunk;
    for (size_t i = start; i < std::min(data->ratings.size(), start + kChunk); ++i) {
      const auto& r = data->ratings[i];
      v1::Event& e = chunk.emplace_back();
      e.set_event_id(absl::StrCat("ml-100k:", r.user_id, ":", r.item_id));
      e.set_user_id(r.user_id);
      e.set_item_id(r.item_id);
      e.set_type(v1::EVENT_TYPE_RATING);
      e.set_rating(static_cast<float>(r.rating));
      e.set_timestamp_ms(r.timestamp_s * 1000);
      e.set_source("import:ml-100k");
    }
    auto r = (*store)->Append(chunk);
    if (!r.ok()) {
      std::fprintf(stderr, "\nwriting ratings failed: %s\n", r.status().ToString().c_str());
      return 1;
    }
    total.recorded += r->recorded;
    total.duplicates += r->duplicates;
    progress.Update(static_cast<int64_t>(start + chunk.size()));
  }
  progress.Finish();
  if (auto s = (*store)->Flush(); !s.ok()) {
    std::fprintf(stderr, "flushing the feedback store failed: %s\n", s.ToString().c_str());
    return 1;
  }

  const auto& meta = data->catalog.meta;
  std::printf("imported %s into %s\n", meta.dataset().c_str(), layout.root.c_str());
  std::printf("  items      %lld (%lld linked to DBpedia, %lld KG facts + %lld people found in abstracts)\n",
              static_cast<long long>(meta.items()), static_cast<long long>(data->kg_items_linked),
              static_cast<long long>(data->kg_facts), static_cast<long long>(data->kg_facts_from_abstracts));
  std::printf("  entities   %lld\n", static_cast<long long>(meta.entities()));
  std::printf("  users      %lld\n", static_cast<long long>(meta.users()));
  std::printf("  ratings    %zu read, %d new, %d already stored\n", data->ratings.size(), total.recorded,
              total.duplicates);
  std::map<std::string, int> by_reason;
  for (const auto& s : data->skipped) by_reason[s.file + ": " + s.reason] += 1;
  std::printf("  skipped    %zu lines\n", data->skipped.size());
  int shown = 0;
  for (const auto& s : data->skipped) {
    if (shown++ == 10) {
      std::printf("    ... and %zu more\n", data->skipped.size() - 10);
      break;
    }
    std::printf("    %s:%d: %s\n", s.file.c_str(), s.line, s.reason.c_str());
  }
  return WriteEngineSettings(layout, meta.dataset());
}

}  // namespace chatrec::cli
