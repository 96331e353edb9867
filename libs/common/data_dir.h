// Where the shared data sets live when no flag says: $CHATREC_DATA, else ../shared/data (the
// layout of a checkout with ../shared beside it). ctest sets CHATREC_DATA for every test from the
// CMake cache variable CHATREC_DATA_DIR.
#pragma once

#include <cstdlib>
#include <string>

namespace chatrec {

inline std::string DataDirFromEnvironment() {
  if (const char* env = std::getenv("CHATREC_DATA"); env != nullptr && *env != '\0') return env;
  return "../shared/data";
}

}  // namespace chatrec
