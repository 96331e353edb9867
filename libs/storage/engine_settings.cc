#include "libs/storage/engine_settings.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace chatrec::storage {
namespace {

using Json = nlohmann::json;

absl::Status Bad(const std::string& key, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("\"", key, "\": ", what));
}

absl::Status ReadNumber(const Json& v, const std::string& key, double lo, double hi, std::optional<double>* out) {
  if (!v.is_number()) return Bad(key, "must be a number");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < lo || x > hi) return Bad(key, absl::StrCat("must be within ", lo, "..", hi));
  *out = x;
  return absl::OkStatus();
}

absl::Status ReadString(const Json& v, const std::string& key, std::optional<std::string>* out) {
  if (!v.is_string()) return Bad(key, "must be a string");
  *out = v.get<std::string>();
  return absl::OkStatus();
}

}  // namespace

bool EngineSettings::empty() const { return *this == EngineSettings{}; }

EngineSettings DefaultEngineSettings(std::string_view dataset) {
  EngineSettings s;
  if (dataset == "redial") {
    // Issue 6, step 7 (README, "Conversations on ReDial"): every value chosen on training-side
    // dialogues held out from training, never on the development turns.
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
  constexpr double kHuge = 1e9;
  for (const auto& [key, v] : j.items()) {
    absl::Status st;
    if (key == "kg_score") {
      st = ReadString(v, key, &s.kg_score);
    } else if (key == "source_slots") {
      st = ReadString(v, key, &s.source_slots);
    } else if (key == "item_item_quota") {
      st = ReadNumber(v, key, 0, 1, &s.item_item_quota);
    } else if (key == "kg_quota") {
      st = ReadNumber(v, key, 0, 1, &s.kg_quota);
    } else if (key == "vector_quota") {
      st = ReadNumber(v, key, 0, 1, &s.vector_quota);
    } else if (key == "need_scale") {
      st = ReadNumber(v, key, 0, kHuge, &s.need_scale);
    } else if (key == "kg_scale") {
      st = ReadNumber(v, key, 0, kHuge, &s.kg_scale);
    } else if (key == "bias_scale") {
      st = ReadNumber(v, key, 0, kHuge, &s.bias_scale);
    } else if (key == "hard_genre_people_fill_bonus") {
      st = ReadNumber(v, key, 0, kHuge, &s.hard_genre_people_fill_bonus);
    } else if (key == "hard_genre_people" || key == "years_filter_top_only") {
      if (!v.is_boolean()) return Bad(key, "must be true or false");
      (key == "hard_genre_people" ? s.hard_genre_people : s.years_filter_top_only) = v.get<bool>();
    } else if (key == "hard_genre_people_top") {
      if (!v.is_number_integer()) return Bad(key, "must be a whole number");
      const int64_t n = v.get<int64_t>();
      if (n < 0 || n > 1000) return Bad(key, "must be within 0..1000");
      s.hard_genre_people_top = static_cast<int>(n);
    } else {
      return Bad(key, "is not an engine setting (known: kg_score, item_item_quota, kg_quota, vector_quota, need_scale, "
                      "kg_scale, bias_scale, hard_genre_people, hard_genre_people_top, hard_genre_people_fill_bonus, "
                      "years_filter_top_only, source_slots)");
    }
    if (!st.ok()) return st;
  }
  return s;
}

std::string EngineSettingsJson(const EngineSettings& s) {
  Json j = Json::object();
  auto put = [&j](const char* key, const auto& v) {
    if (v) j[key] = *v;
  };
  put("kg_score", s.kg_score);
  put("item_item_quota", s.item_item_quota);
  put("kg_quota", s.kg_quota);
  put("vector_quota", s.vector_quota);
  put("need_scale", s.need_scale);
  put("kg_scale", s.kg_scale);
  put("bias_scale", s.bias_scale);
  put("hard_genre_people", s.hard_genre_people);
  put("hard_genre_people_top", s.hard_genre_people_top);
  put("hard_genre_people_fill_bonus", s.hard_genre_people_fill_bonus);
  put("years_filter_top_only", s.years_filter_top_only);
  put("source_slots", s.source_slots);
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
