// Flags shared by several subcommands.
#include "tools/chatrec/flags.h"

#include <cstdlib>

#include "absl/strings/str_split.h"
#include "libs/common/data_dir.h"
#include "tools/chatrec/commands.h"

ABSL_FLAG(std::string, data_dir, "", "Data sets root (default: $CHATREC_DATA, else ../shared/data)");
ABSL_FLAG(std::string, store_dir, "var", "Root of the stores (catalog, model, feedback, dialogue)");
ABSL_FLAG(bool, json, false, "Print JSON instead of text");
ABSL_FLAG(std::string, redial_dialogues, "",
          "Comma-separated training-side ReDial dialogue files for import, train and the co-mention floor "
          "(default: <data_dir>/redial/valid_data_kgsf.jsonl,<data_dir>/redial/valid_data_cfcrs.jsonl); give one "
          "split to hold the other out for tuning");
ABSL_FLAG(int64_t, items, 100000, "Items, for `synth` and `bench scoring`");

namespace chatrec::cli {

std::string DataDir() {
  std::string d = absl::GetFlag(FLAGS_data_dir);
  if (!d.empty()) return d;
  return DataDirFromEnvironment();
}

std::vector<std::string> RedialTrainingDialogues() {
  const std::string f = absl::GetFlag(FLAGS_redial_dialogues);
  if (f.empty()) return {DataDir() + "/redial/valid_data_kgsf.jsonl", DataDir() + "/redial/valid_data_cfcrs.jsonl"};
  return SplitCommas(f);
}

std::vector<std::string> SplitCommas(const std::string& list) {
  return absl::StrSplit(list, ',', absl::SkipEmpty());
}

}  // namespace chatrec::cli
