#include "tools/chatrec/engine_flags.h"

#include <cmath>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "libs/common/flag_given.h"

ABSL_FLAG(double, item_item_quota, chatrec::retrieval::SourceQuotas().item_item,
          "share of the candidates for retrieval's ITEM_ITEM source (0: off); default: the store's engine.json");
ABSL_FLAG(double, kg_quota, chatrec::retrieval::SourceQuotas().kg,
          "share of the candidates for the KG retrieval source; default: the store's engine.json");
ABSL_FLAG(double, vector_quota, chatrec::retrieval::SourceQuotas().vector,
          "share of the candidates for the vector retrieval source; default: the store's engine.json");
ABSL_FLAG(bool, hard_genre_people, true,
          "the genres and people the seeker asks for filter the candidates (DialogueCoreOptions.hard_genre_people); "
          "false: they only rank; default: the store's engine.json");
ABSL_FLAG(int, hard_genre_people_top, 0,
          "with --hard_genre_people, the genres and people filter only the first N places of the top 50 and the "
          "ranking without the filter fills the rest (DialogueCoreOptions.hard_genre_people_top); 0: the whole list "
          "is filtered; default: the store's engine.json (ReDial: 20)");
ABSL_FLAG(double, hard_genre_people_fill_bonus, 0,
          "with --hard_genre_people_top N, below the first N places the films of the filtered and the unfiltered "
          "rankings are ordered by score plus this bonus times the share of the wished genres and people the film "
          "has (DialogueCoreOptions.hard_genre_people_fill_bonus); 0: the unfiltered ranking fills; default: the "
          "store's engine.json (ReDial: 0.001)");
ABSL_FLAG(bool, years_filter_top_only, false,
          "with --hard_genre_people_top N, the wished years also filter only the first N places "
          "(DialogueCoreOptions.years_filter_top_only); default: the store's engine.json (ReDial: true)");
ABSL_FLAG(std::string, kg_score, "spread",
          "how the KG retrieval source scores films: spread or adamic_adar (retrieval::KgScore); default: the store's "
          "engine.json (ReDial: adamic_adar), else spread");
ABSL_FLAG(std::string, source_slots, "",
          "places kept for retrieval sources, e.g. kg:7,item_item:5: every 7th place goes to the next of the KG "
          "source's best films not placed above, every 5th to ITEM_ITEM's (DialogueCoreOptions.source_slots); none "
          "or empty: none; default: the store's engine.json (ReDial: kg:7,item_item:5)");
ABSL_FLAG(double, need_scale, 1,
          "factor on the need term (the model's B) of the loaded model, for tuning the mix of the terms without "
          "retraining (model::ReweightTerms); 1: as trained; default: the store's engine.json");
ABSL_FLAG(double, kg_scale, 1,
          "factor on the KG-context term (the model's C); 1: as trained; default: the store's engine.json");
ABSL_FLAG(double, bias_scale, 1,
          "factor on the item bias (on ReDial: the mention prior); 1: as trained; default: the store's engine.json "
          "(ReDial: 0.5)");
ABSL_FLAG(double, item_item_scale, -1,
          "scale of the item-item term instead of the trained one (train --item_item_weight); < 0: as trained");
ABSL_FLAG(double, entity_item_scale, -1,
          "scale of the entity-item term instead of the trained one (train --entity_item_weight); < 0: as trained");

namespace chatrec::cli {
namespace {

absl::Status Bad(const char* name, bool from_flag, const storage::StoreLayout& layout, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(from_flag ? absl::StrCat("--", name) : storage::EngineSettingName(layout, name), ": ", why));
}

}  // namespace

absl::Status ReweightCurrentModel(const model::TermWeights& weights, std::unique_ptr<model::ModelWatcher>* models) {
  if (weights.AsTrained()) return absl::OkStatus();
  model::Model reweighted = *(*models)->Current();
  if (auto s = model::ReweightTerms(weights, &reweighted); !s.ok()) return s;
  *models = model::ModelWatcher::Fixed(std::make_shared<const model::Model>(std::move(reweighted)));
  return absl::OkStatus();
}

absl::StatusOr<EngineFlags> EngineFlagsFromCommandLine(const storage::StoreLayout& layout) {
  EngineFlags out;
  auto store = storage::LoadEngineSettings(layout);
  if (!store.ok()) return store.status();
  out.store = *store;
  const auto& s = out.store;

  const std::string kg_score = FlagOrStored(FLAGS_kg_score, "kg_score", s.kg_score);
  auto parsed_score = retrieval::ParseKgScore(kg_score);
  if (!parsed_score.ok()) {
    return Bad("kg_score", !TakesStored("kg_score", s.kg_score), layout, parsed_score.status().message());
  }
  out.kg_score = *parsed_score;
  const std::string slots = FlagOrStored(FLAGS_source_slots, "source_slots", s.source_slots);
  auto parsed_slots = dialogue::ParseSourceSlots(slots == "none" ? "" : slots);
  if (!parsed_slots.ok()) {
    return Bad("source_slots", !TakesStored("source_slots", s.source_slots), layout, parsed_slots.status().message());
  }
  out.source_slots = std::move(*parsed_slots);

  struct Share {
    const char* name;
    double value;
    float* into;
  };
  for (const Share& q :
       {Share{"item_item_quota", FlagOrStored(FLAGS_item_item_quota, "item_item_quota", s.item_item_quota),
              &out.quotas.item_item},
        Share{"kg_quota", FlagOrStored(FLAGS_kg_quota, "kg_quota", s.kg_quota), &out.quotas.kg},
        Share{"vector_quota", FlagOrStored(FLAGS_vector_quota, "vector_quota", s.vector_quota),
              &out.quotas.vector}}) {
    if (!(q.value >= 0 && q.value <= 1)) return Bad(q.name, true, layout, "must be within 0..1");
    *q.into = static_cast<float>(q.value);
  }
  out.term_weights = {.need = static_cast<float>(FlagOrStored(FLAGS_need_scale, "need_scale", s.need_scale)),
                      .kg = static_cast<float>(FlagOrStored(FLAGS_kg_scale, "kg_scale", s.kg_scale)),
                      .bias = static_cast<float>(FlagOrStored(FLAGS_bias_scale, "bias_scale", s.bias_scale)),
                      .item_item_scale = static_cast<float>(absl::GetFlag(FLAGS_item_item_scale)),
                      .entity_item_scale = static_cast<float>(absl::GetFlag(FLAGS_entity_item_scale))};
  out.hard_genre_people = FlagOrStored(FLAGS_hard_genre_people, "hard_genre_people", s.hard_genre_people);
  out.hard_genre_people_top =
      FlagOrStored(FLAGS_hard_genre_people_top, "hard_genre_people_top", s.hard_genre_people_top);
  const double bonus = FlagOrStored(FLAGS_hard_genre_people_fill_bonus, "hard_genre_people_fill_bonus",
                                       s.hard_genre_people_fill_bonus);
  if (!(bonus >= 0) || !std::isfinite(bonus)) {
    return Bad("hard_genre_people_fill_bonus", true, layout, "must be a finite number >= 0");
  }
  out.hard_genre_people_fill_bonus = bonus;
  out.years_filter_top_only =
      FlagOrStored(FLAGS_years_filter_top_only, "years_filter_top_only", s.years_filter_top_only);
  return out;
}

}  // namespace chatrec::cli
