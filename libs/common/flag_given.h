// Whether a flag was given on the command line (as opposed to keeping its default), for settings
// whose default comes from elsewhere when the flag is absent (the store's engine.json). Abseil keeps
// this in its flags_internal namespace; it is the one place we reach into it.
#pragma once

#include "absl/flags/internal/parse.h"
#include "absl/strings/string_view.h"

namespace chatrec {

inline bool FlagGiven(absl::string_view name) { return absl::flags_internal::WasPresentOnCommandLine(name); }

}  // namespace chatrec
