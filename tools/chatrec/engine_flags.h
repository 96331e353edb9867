// The engine settings `chatrec eval redial`, `chatrec train reranker` and `chatrec simulate` share,
// as the retrieval, scoring and dialogue services take them: the KG source's score, the sources'
// shares, the mix of the model's terms, the genre/people filter and the places kept for sources.
// Each comes from its flag when the flag is given on the command line, else from the store's
// engine.json (libs/storage/engine_settings.h), else from the flag's default.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "libs/dialogue/source_slots.h"
#include "libs/model/model.h"
#include "libs/model/model_watcher.h"
#include "libs/retrieval/kg_expander.h"
#include "libs/storage/engine_settings.h"
#include "libs/storage/layout.h"
#include "services/retrieval/retrieval_core.h"

namespace chatrec::cli {

struct EngineFlags {
  retrieval::KgScore kg_score = retrieval::KgScore::kSpread;
  retrieval::SourceQuotas quotas;
  model::TermWeights term_weights;
  bool hard_genre_people = true;
  int hard_genre_people_top = 0;
  double hard_genre_people_fill_bonus = 0;
  bool years_filter_top_only = false;
  std::vector<dialogue::SourceSlots> source_slots;
  storage::EngineSettings store;  // what <store_dir>/engine.json said (empty: no file)
};

// The settings resolved for the store at `layout`; InvalidArgument naming the flag (or engine.json's
// key and path) otherwise.
absl::StatusOr<EngineFlags> EngineFlagsFromCommandLine(const storage::StoreLayout& layout);

// Replaces *models by a fixed watcher over its current model reweighted by `weights`
// (model::ReweightTerms), unless they leave it as trained; *models is unchanged on an error.
absl::Status ReweightCurrentModel(const model::TermWeights& weights, std::unique_ptr<model::ModelWatcher>* models);

}  // namespace chatrec::cli
