// What the dialogue asks of a large language model, Chat-Rec style: (a) re-rank our
// top candidates given the user's profile and the dialogue, (b) reword the reply.
// Every answer is checked before it is used: a ranking must name our candidates (the
// titles are mapped back to ids; what does not map is dropped, and candidates the LLM
// leaves out keep our order after the ones it ranked), a reworded reply must keep every
// recommended title and invent none. Any failure is an error status, and the caller
// keeps its own ranking and text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"
#include "libs/llm/chat_client.h"
#include "libs/llm/title_matcher.h"

namespace chatrec::llm {

struct LlmOptions {
  bool rerank = false;
  bool reword = false;
  int max_candidates = 20;  // sent for re-ranking
  int reserve_ms = 30;      // kept back from the turn's deadline for our own ranking and text
};

struct RerankInput {
  std::vector<std::string> profile;       // "Loved: Fargo (1996)", "Asked for: 1990s comedy movies", ...
  std::vector<std::string> recent_lines;  // "User: ...", "Assistant: ...", oldest first
  std::vector<int64_t> candidates;        // our order, best first
};

struct RewordInput {
  std::string text;                       // our reply
  std::vector<int64_t> items;             // recommended, in order
  std::vector<std::string> reasons;       // one per item
  std::vector<int64_t> also_allowed;      // other titles the reply may name (e.g. what the user said they loved)
  std::vector<std::string> recent_lines;
};

class LlmBackend {
 public:
  // `catalog` and `client` are not owned and must outlive this.
  LlmBackend(const catalog::Catalog* catalog, ChatClient* client, LlmOptions options);

  bool rerank() const { return o_.rerank; }
  bool reword() const { return o_.reword; }

  // All of `in.candidates`: the ones the LLM ranked (among the first max_candidates) in its order, then
  // the rest in ours. Errors: the client's, or InvalidArgument when the answer names none of the candidates.
  absl::StatusOr<std::vector<int64_t>> Rerank(const RerankInput& in, Deadline deadline) const;

  // The LLM's wording of the reply. Errors: the client's, or InvalidArgument when the text is empty,
  // too long, drops a recommended title or names a film that is neither recommended nor allowed.
  absl::StatusOr<std::string> Reword(const RewordInput& in, Deadline deadline) const;

  // Prompts (public for tests).
  std::vector<ChatMessage> RerankPrompt(const RerankInput& in) const;
  std::vector<ChatMessage> RewordPrompt(const RewordInput& in) const;
  // Checks a reworded reply; OK if it may replace ours.
  absl::Status CheckReworded(const RewordInput& in, const std::string& reworded) const;

  const TitleMatcher& matcher() const { return matcher_; }

 private:
  std::string Describe(int64_t id) const;  // "Fargo (1996; crime, drama, thriller)"
  Deadline CallDeadline(Deadline turn_deadline) const;

  const catalog::Catalog* catalog_;
  ChatClient* client_;
  LlmOptions o_;
  TitleMatcher matcher_;
};

}  // namespace chatrec::llm
