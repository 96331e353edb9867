#include "libs/storage/engine_settings.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace chatrec::storage {
namespace {

using Json = nlohmann::json;

absl::Status Bad(const std::string& key, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("\"", key, "\": ", what));
}

// Every setting the file may hold: its key, its field and, for numbers, their range.
struct Key {
  const char* name;
  std::variant<std::optional<std::string> EngineSettings::*, std::optional<double> EngineSettings::*,
               std::optional<bool> EngineSettings::*, std::optional<int> EngineSettings::*>
      field;
  double lo = 0, hi = 0;
};
constexpr double kHuge = 1e9;
const Key kKeys[] = {
    {"kg_score", &EngineSettings::kg_score},
    {"item_item_quota", &EngineSettings::item_item_quota, 0, 1},
    {"kg_quota", &EngineSettings::kg_quota, 0, 1},
    {"vector_quota", &EngineSettings::vector_quota, 0, 1},
    {"need_scale", &EngineSettings::need_scale, 0, kHuge},
    {"kg_scale", &EngineSettings::kg_scale, 0, kHuge},
    {"bias_scale", &EngineSettings::bias_scale, 0, kHuge},
    {"hard_genre_people", &EngineSettings::hard_genre_people},
    {"hard_genre_people_top", &EngineSettings::hard_genre_people_top, 0, 1000},
    {"hard_genre_people_fill_bonus", &EngineSettings::hard_genre_people_fill_bonus, 0, kHuge},
    {"years_filter_top_only", &EngineSettings::years_filter_top_only},
    {"source_slots", &EngineSettings::source_slots},
};

absl::Status Read(const Key& key, const Json& v, EngineSettings* s) {
  const std::string name = key.name;
  auto in_range = [&](double x) -> absl::Status {
    if (!std::isfinite(x) || x < key.lo || x > key.hi) return Bad(name, absl::StrCat("must be within ", key.lo, "..", key.hi));
    return absl::OkStatus();
  };
  return std::visit(
      [&](auto field) -> absl::Status {
        using T = typename std::remove_reference_t<decltype(s->*field)>::value_type;
        if constexpr (std::is_same_v<T, std::string>) {
          if (!v.is_string()) return Bad(name, "must be a string");
        } else if constexpr (std::is_same_v<T, bool>) {
          if (!v.is_boolean()) return Bad(name, "must be true or false");
        } else if constexpr (std::is_same_v<T, int>) {
          if (!v.is_number_integer()) return Bad(name, "must be a whole number");
          if (auto st = in_range(v.get<double>()); !st.ok()) return st;
        } else {
          if (!v.is_number()) return Bad(name, "must be a number");
          if (auto st = in_range(v.get<double>()); !st.ok()) return st;
        }
        s->*field = v.get<T>();
        return absl::OkStatus();
      },
      key.field);
}

}  // namespace

bool EngineSettings::empty() const { return *this == EngineSettings{}; }

EngineSettings DefaultEngineSettings(std::string_view dataset) {
  EngineSettings s;
  if (dataset == "redial") {
    // Issue 6, steps 4, 7 and 8 (README, "Conversations on ReDial"): every value chosen on
    // training-side dialogues held out from training, never on the development turns.
    s.kg_score = "adamic_adar";
    s.item_item_quota = 0.1;
    s.bias_scale = 0.5;
    s.hard_genre_people = true;
    s.hard_genre_people_top = 20;
    s.hard_genre_people_fill_bonus = 0.001;
    s.years_filter_top_only = true;
    s.source_slots = "kg:7,item_item:5";
  }
  return s;
}

absl::StatusOr<EngineSettings> ParseEngineSettings(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("not valid JSON");
  if (!j.is_object()) return absl::InvalidArgumentError("must be a JSON object of settings");
  EngineSettings s;
  for (const auto& [name, v] : j.items()) {
    const Key* key = nullptr;
    for (const Key& k : kKeys) {
      if (name == k.name) key = &k;
    }
    if (key == nullptr) {
      std::vector<std::string> known;
      for (const Key& k : kKeys) known.push_back(k.name);
      return Bad(name, absl::StrCat("is not an engine setting (known: ", absl::StrJoin(known, ", "), ")"));
    }
    if (auto st = Read(*key, v, &s); !st.ok()) return st;
  }
  return s;
}

std::string EngineSettingsJson(const EngineSettings& s) {
  Json j = Json::object();
  for (const Key& key : kKeys) {
    std::visit(
        [&](auto field) {
          if (s.*field) j[key.name] = *(s.*field);
        },
        key.field);
  }
  return j.dump(2);
}

absl::StatusOr<EngineSettings> LoadEngineSettings(const StoreLayout& layout) {
  const std::string path = EngineSettingsPath(layout);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return EngineSettings{};
  std::ifstream in(path);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  auto s = ParseEngineSettings(text.str());
  if (!s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.status().message(),
                                                   " (fix or remove the file; `chatrec import` writes the data "
                                                   "set's default)"));
  }
  return s;
}

absl::Status SaveEngineSettings(const StoreLayout& layout, const EngineSettings& settings) {
  const std::string path = EngineSettingsPath(layout);
  std::error_code ec;
  if (settings.empty()) {
    // Nothing to write: touch nothing when there is no file (the store's root may be read-only, as in
    // the Kubernetes init container, where only the stores below it are volumes).
    if (!std::filesystem::exists(path, ec)) return absl::OkStatus();
    std::filesystem::remove(path, ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot remove ", path, ": ", ec.message()));
    return absl::OkStatus();
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << EngineSettingsJson(settings) << '\n';
    out.flush();
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot rename ", tmp, " to ", path, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace chatrec::storage
