// The user-behaviour vector u, computed from the history without retraining:
// the implicit-ALS fold-in  u = (YᵀY + Σ(c-1) y yᵀ + λI)⁻¹ Σ c·p·y.
// The two sums are kept per user (UserSummary.gram/rhs) and grow by one term per
// event, so every event changes u at once and the cost of an update is O(d²).
// Σ(c-1) y yᵀ is symmetric: UserSummary.gram (d×d, row-major) holds its lower
// triangle (column <= row) and zeros above, which is all the solve reads.
#pragma once

#include <optional>
#include <vector>

#include "chatrec/internal/store.pb.h"
#include "chatrec/v1/feedback.pb.h"
#include "libs/model/model.h"

namespace chatrec::model {

// Preference p ∈ {0, 1} and extra confidence c-1 (in units of the model's alpha)
// that an event carries. Impressions carry none.
struct Signal {
  float preference = 0;
  float strength = 0;
};
std::optional<Signal> SignalOf(v1::EventType type, float rating);

// Adds one event on item `row` to the summary's statistics. If the summary was
// built for another model version, the caller must Rebuild first.
void Accumulate(const Model& model, int32_t row, const Signal& s, internal::UserSummary* summary);

// Clears the statistics and starts them for `model` (empty history).
void ResetStatistics(const Model& model, internal::UserSummary* summary);

// Solves for u. Empty if the summary has no statistics for this model version.
std::vector<float> EncodeUser(const Model& model, const internal::UserSummary& summary);

}  // namespace chatrec::model
