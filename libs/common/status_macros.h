// Small absl::Status helpers that Debian's Abseil (20220623) does not ship.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CHATREC_CONCAT_INNER(a, b) a##b
#define CHATREC_CONCAT(a, b) CHATREC_CONCAT_INNER(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                       \
  do {                                              \
    ::absl::Status _chatrec_status = (expr);        \
    if (!_chatrec_status.ok()) return _chatrec_status; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());` unwraps a StatusOr or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  CHATREC_ASSIGN_OR_RETURN_IMPL(CHATREC_CONCAT(_chatrec_statusor_, __LINE__), lhs, expr)
#define CHATREC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()
