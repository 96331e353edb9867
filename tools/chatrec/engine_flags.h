// The engine settings `chatrec eval redial` and `chatrec simulate` share (the flags are defined in
// eval_redial_command.cc): --kg_score for the KG retrieval source and --source_slots for the places
// kept for sources in long lists, as the retrieval and dialogue services take them.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "libs/dialogue/source_slots.h"
#include "libs/retrieval/kg_expander.h"

namespace chatrec::cli {

struct EngineFlags {
  retrieval::KgScore kg_score = retrieval::KgScore::kSpread;
  std::vector<dialogue::SourceSlots> source_slots;
};

// The two flags parsed; InvalidArgument starting with the flag's name otherwise.
absl::StatusOr<EngineFlags> EngineFlagsFromCommandLine();

}  // namespace chatrec::cli
