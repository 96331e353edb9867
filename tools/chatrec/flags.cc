// Flags shared by several subcommands.
#include "tools/chatrec/flags.h"

#include <cstdlib>

#include "libs/common/data_dir.h"

ABSL_FLAG(std::string, data_dir, "", "Data sets root (default: $CHATREC_DATA, else ../shared/data)");
ABSL_FLAG(std::string, store_dir, "var", "Root of the stores (catalog, model, feedback, dialogue)");
ABSL_FLAG(bool, json, false, "Print JSON instead of text");
ABSL_FLAG(int64_t, items, 100000, "Items, for `synth` and `bench scoring`");

namespace chatrec::cli {

std::string DataDir() {
  std::string d = absl::GetFlag(FLAGS_data_dir);
  if (!d.empty()) return d;
  return DataDirFromEnvironment();
}

}  // namespace chatrec::cli
