// <store_dir>/engine.json: the engine settings chosen for the data set a store holds, so that every
// program that opens the store (the services, `chatrec eval redial`, `chatrec simulate`, `chatrec
// train reranker`) serves it the same way without a list of flags. `chatrec import` writes the data
// set's chosen settings (DefaultEngineSettings; ReDial: issue 6's step 7, MovieLens: none); a flag
// given on a command line wins over the file, the file over the built-in default.
//
// Only the settings the file names are set; the others keep the program's own default. The names are
// the flags' names: kg_score, item_item_quota, kg_quota, vector_quota (retrieval); need_scale,
// kg_scale, bias_scale (the model's terms, applied when a model version is loaded);
// hard_genre_people, hard_genre_people_top, hard_genre_people_fill_bonus, years_filter_top_only,
// source_slots (dialogue).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/storage/layout.h"

namespace chatrec::storage {

struct EngineSettings {
  // Retrieval.
  std::optional<std::string> kg_score;  // spread | adamic_adar (parsed by retrieval::ParseKgScore)
  std::optional<double> item_item_quota, kg_quota, vector_quota;
  // The model's terms (model::TermWeights).
  std::optional<double> need_scale, kg_scale, bias_scale;
  // Dialogue.
  std::optional<bool> hard_genre_people;
  std::optional<int> hard_genre_people_top;
  std::optional<double> hard_genre_people_fill_bonus;
  std::optional<bool> years_filter_top_only;
  std::optional<std::string> source_slots;  // e.g. "kg:7,item_item:5" (dialogue::ParseSourceSlots)

  bool empty() const;
  bool operator==(const EngineSettings&) const = default;
};

inline constexpr char kEngineSettingsFile[] = "engine.json";
inline std::string EngineSettingsPath(const StoreLayout& layout) { return layout.root + "/" + kEngineSettingsFile; }
// How messages name one setting of the file: `<store_dir>/engine.json: "key"`.
inline std::string EngineSettingName(const StoreLayout& layout, const std::string& key) {
  return EngineSettingsPath(layout) + ": \"" + key + "\"";
}

// The settings chosen for a data set ("redial": issue 6's step 7, chosen on held-out training-side
// dialogues); empty for the others.
EngineSettings DefaultEngineSettings(std::string_view dataset);

// Parses the JSON text. InvalidArgument naming the key for an unknown key, a value of the wrong type
// or out of range (quotas 0..1, scales finite and >= 0, hard_genre_people_top 0..1000).
absl::StatusOr<EngineSettings> ParseEngineSettings(std::string_view json);
std::string EngineSettingsJson(const EngineSettings& settings);

// <store_dir>/engine.json; a store without one has empty settings. Errors name the file.
absl::StatusOr<EngineSettings> LoadEngineSettings(const StoreLayout& layout);
// Written whole (a temporary file renamed over the old one); empty settings remove the file.
absl::Status SaveEngineSettings(const StoreLayout& layout, const EngineSettings& settings);

}  // namespace chatrec::storage
