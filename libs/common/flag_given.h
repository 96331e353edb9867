// Whether a flag was given on the command line (as opposed to keeping its default), for settings
// whose default comes from elsewhere when the flag is absent (the store's engine.json). Abseil keeps
// this in its flags_internal namespace; it is the one place we reach into it.
#pragma once

#include <optional>

#include "absl/flags/flag.h"
#include "absl/flags/internal/parse.h"
#include "absl/strings/string_view.h"

namespace chatrec {

inline bool FlagGiven(absl::string_view name) { return absl::flags_internal::WasPresentOnCommandLine(name); }

// True when a setting takes `stored` (set, and the flag `name` not given on the command line).
template <typename T>
bool TakesStored(absl::string_view name, const std::optional<T>& stored) {
  return stored.has_value() && !FlagGiven(name);
}

// The flag's value when it was given on the command line, else `stored` when set, else the flag's default.
template <typename T>
T FlagOrStored(const absl::Flag<T>& flag, absl::string_view name, const std::optional<T>& stored) {
  return TakesStored(name, stored) ? *stored : absl::GetFlag(flag);
}

}  // namespace chatrec
