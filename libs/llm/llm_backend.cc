#include "libs/llm/llm_backend.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace chatrec::llm {
namespace {

constexpr size_t kMaxRewordBytes = 2000;  // what a Converse reply may be

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

void AppendLines(const std::string& heading, const std::vector<std::string>& lines, std::string* out) {
  if (lines.empty()) return;
  absl::StrAppend(out, heading, "\n");
  for (const auto& l : lines) absl::StrAppend(out, "- ", l, "\n");
}

}  // namespace

LlmBackend::LlmBackend(const catalog::Catalog* catalog, ChatClient* client, LlmOptions options)
    : catalog_(catalog), client_(client), o_(options), matcher_(*catalog) {}

std::string LlmBackend::Describe(int64_t id) const {
  int32_t row = catalog_->RowOf(id);
  if (row < 0) return "";
  const auto& item = catalog_->item(row);
  std::vector<std::string> genres;
  for (const auto& f : item.facts()) {
    if (f.relation() == "genre") genres.push_back(absl::AsciiStrToLower(catalog_->EntityName(f.entity_id())));
  }
  std::string out = item.name();
  if (item.year() || !genres.empty()) {
    absl::StrAppend(&out, " (", item.year() ? absl::StrCat(item.year()) : "", item.year() && !genres.empty() ? "; " : "",
                    absl::StrJoin(genres, ", "), ")");
  }
  return out;
}

Deadline LlmBackend::CallDeadline(Deadline turn_deadline) const {
  return turn_deadline - std::chrono::milliseconds(o_.reserve_ms);
}

std::vector<ChatMessage> LlmBackend::RerankPrompt(const RerankInput& in) const {
  std::string user;
  AppendLines("What I know about the user:", in.profile, &user);
  if (in.profile.empty()) user += "Nothing is known about the user yet.\n";
  AppendLines("The conversation so far:", in.recent_lines, &user);
  user += "Candidate movies:\n";
  int n = 0;
  for (int64_t id : in.candidates) {
    if (n == o_.max_candidates) break;
    std::string d = Describe(id);
    if (!d.empty()) absl::StrAppend(&user, ++n, ". ", d, "\n");
  }
  user += "Rank these candidates for this user, best first.";
  return {{"system",
           "You are a movie recommender. Answer only with movie titles from the candidate list, one per line, "
           "best first, written as in the list. Do not add any other text or movies that are not in the list."},
          {"user", user}};
}

absl::StatusOr<std::vector<int64_t>> LlmBackend::Rerank(const RerankInput& in, Deadline deadline) const {
  absl::flat_hash_set<int64_t> sent;
  for (int64_t id : in.candidates) {
    if (static_cast<int>(sent.size()) == o_.max_candidates) break;
    if (catalog_->RowOf(id) >= 0) sent.insert(id);
  }
  if (sent.empty()) return absl::InvalidArgumentError("no candidates to re-rank");
  auto answer = client_->Complete(RerankPrompt(in), CallDeadline(deadline));
  if (!answer.ok()) return answer.status();
  std::vector<int64_t> ranked = matcher_.MatchLines(*answer, &sent);
  if (ranked.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the LLM's answer names none of the candidates: \"", answer->substr(0, 80), "\""));
  }
  absl::flat_hash_set<int64_t> placed(ranked.begin(), ranked.end());
  for (int64_t id : in.candidates) {
    if (placed.insert(id).second) ranked.push_back(id);
  }
  return ranked;
}

std::vector<ChatMessage> LlmBackend::RewordPrompt(const RewordInput& in) const {
  std::string user;
  AppendLines("The conversation so far:", in.recent_lines, &user);
  absl::StrAppend(&user, "My draft reply: ", in.text, "\nThe movies I recommend, with why:\n");
  for (size_t i = 0; i < in.items.size(); ++i) {
    absl::StrAppend(&user, i + 1, ". ", Describe(in.items[i]), i < in.reasons.size() ? absl::StrCat(": ", in.reasons[i]) : "",
                    "\n");
  }
  user += "Rewrite the reply as a short, friendly message that names every one of these movies by its title.";
  return {{"system",
           "You reword a movie recommender's replies. Keep every recommended title, do not mention any other "
           "movie, do not invent facts. Answer with the reply only, at most 120 words."},
          {"user", user}};
}

absl::Status LlmBackend::CheckReworded(const RewordInput& in, const std::string& reworded) const {
  std::string_view text = Trim(reworded);
  if (text.empty()) return absl::InvalidArgumentError("the LLM's reworded reply is empty");
  if (text.size() > kMaxRewordBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the LLM's reworded reply is ", text.size(), " bytes"));
  }
  for (int64_t id : in.items) {
    if (!matcher_.TextMentions(text, id)) {
      return absl::InvalidArgumentError(absl::StrCat("the LLM's reworded reply drops ", Describe(id)));
    }
  }
  absl::flat_hash_set<int64_t> allowed(in.items.begin(), in.items.end());
  allowed.insert(in.also_allowed.begin(), in.also_allowed.end());
  for (int64_t id : matcher_.TitlesInText(in.text)) allowed.insert(id);
  for (const auto& r : in.reasons) {
    for (int64_t id : matcher_.TitlesInText(r)) allowed.insert(id);
  }
  for (int64_t id : matcher_.TitlesInText(text)) {
    if (allowed.contains(id)) continue;
    // A title inside a recommended one ("Godfather" in "Godfather: Part II") is no invention.
    bool inside = std::any_of(in.items.begin(), in.items.end(), [&](int64_t item) {
      return matcher_.TextMentions(Describe(item), id);
    });
    if (!inside) return absl::InvalidArgumentError(absl::StrCat("the LLM's reworded reply names ", Describe(id)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LlmBackend::Reword(const RewordInput& in, Deadline deadline) const {
  auto answer = client_->Complete(RewordPrompt(in), CallDeadline(deadline));
  if (!answer.ok()) return answer.status();
  absl::Status ok = CheckReworded(in, *answer);
  if (!ok.ok()) return ok;
  return std::string(Trim(*answer));
}

}  // namespace chatrec::llm
