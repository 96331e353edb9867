#include "services/dialogue/in_process_clients.h"

#include <algorithm>

namespace chatrec::dialogue {

absl::StatusOr<v1::UserState> InProcessFeedback::GetUserState(const std::string& user_id, Deadline deadline) {
  last_deadline = deadline;
  if (!fail.ok()) return fail;
  v1::UserState s;
  s.set_user_id(user_id);
  s.set_cold_start(true);
  return s;
}

absl::Status InProcessFeedback::Record(const v1::RecordRequest& request, Deadline) {
  if (!fail.ok()) return fail;
  for (const auto& e : request.events()) events.push_back(e);
  return absl::OkStatus();
}

int InProcessFeedback::Count(v1::EventType type) const {
  return static_cast<int>(
      std::count_if(events.begin(), events.end(), [&](const v1::Event& e) { return e.type() == type; }));
}

absl::StatusOr<v1::RetrieveResponse> InProcessRetrieval::Retrieve(const v1::RetrieveRequest& request,
                                                                  Deadline deadline) {
  last_deadline = deadline;
  if (!fail.ok()) return fail;
  return core_->Retrieve(request);
}

absl::StatusOr<v1::ScoreResponse> InProcessScoring::Score(const v1::ScoreRequest& request, Deadline) {
  if (!fail.ok()) return fail;
  return core_->Score(request);
}

}  // namespace chatrec::dialogue
