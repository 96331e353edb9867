// `chatrec chat`: one session with the dialogue service, one turn per input line.
// Interactive on a terminal; with --json one JSON object per turn (for scripts and tests).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "chatrec/v1/dialogue.grpc.pb.h"
#include "libs/server/client.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"

ABSL_FLAG(std::string, dialogue, "127.0.0.1:50051", "Dialogue service address");
ABSL_FLAG(std::string, user, "guest", "User id (a new id is a new user)");
ABSL_FLAG(int, k, 5, "Items per recommendation");
ABSL_FLAG(int, turn_timeout_ms, 5000, "Deadline of each turn");

namespace chatrec::cli {
namespace {

nlohmann::json ToJson(const v1::ConverseResponse& r) {
  nlohmann::json j;
  j["session_id"] = r.session_id();
  j["turn"] = r.turn();
  j["text"] = r.text();
  j["path"] = v1::ServingPath_Name(r.path());
  j["intent"] = v1::Intent_Name(r.understanding().intent());
  j["items"] = nlohmann::json::array();
  for (const auto& it : r.items()) {
    nlohmann::json item = {{"id", it.item().id()},
                           {"title", it.item().title()},
                           {"year", it.item().year()},
                           {"genres", it.item().genres()},
                           {"score", it.score()},
                           {"reason", it.reason()}};
    j["items"].push_back(item);
  }
  if (!r.question().text().empty()) j["question"] = r.question().text();
  nlohmann::json mentions = nlohmann::json::array();
  for (const auto& m : r.understanding().mentions()) {
    nlohmann::json mj = {{"text", m.text()}, {"negative", m.polarity() == v1::POLARITY_NEGATIVE}};
    if (!m.entity().id().empty()) mj["entity"] = m.entity().id();
    if (m.years().min_year() || m.years().max_year()) mj["years"] = {m.years().min_year(), m.years().max_year()};
    mentions.push_back(mj);
  }
  j["mentions"] = mentions;
  if (!r.degradations().empty()) j["degradations"] = r.degradations();
  if (r.has_llm()) {
    j["llm"] = {{"used", r.llm().used()}, {"reranked", r.llm().reranked()}, {"reworded", r.llm().reworded()},
                {"latency_ms", r.llm().latency_ms()}};
    if (!r.llm().fallback().empty()) j["llm"]["fallback"] = r.llm().fallback();
  }
  return j;
}

}  // namespace

int ChatCommand(const std::vector<std::string>&) {
  auto stub = v1::DialogueService::NewStub(server::MakeChannel(absl::GetFlag(FLAGS_dialogue)));
  const bool json = absl::GetFlag(FLAGS_json);
  const bool interactive = isatty(STDIN_FILENO) && !json;
  std::string session_id, line;
  if (interactive) std::printf("Chat-Rec: what would you like to watch? (Ctrl-D to quit)\n> ");
  int failures = 0;
  while (std::getline(std::cin, line)) {
    if (line.empty()) {
      if (interactive) std::printf("> ");
      continue;
    }
    v1::ConverseRequest req;
    req.set_session_id(session_id);
    req.set_user_id(absl::GetFlag(FLAGS_user));
    req.set_text(line);
    req.set_k(absl::GetFlag(FLAGS_k));
    v1::ConverseResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(absl::GetFlag(FLAGS_turn_timeout_ms)));
    grpc::Status s = stub->Converse(&ctx, req, &resp);
    if (!s.ok()) {
      ++failures;
      if (json) {
        std::cout << nlohmann::json{{"error", {{"code", static_cast<int>(s.error_code())}, {"message", s.error_message()}}}}.dump()
                  << std::endl;
      } else {
        std::fprintf(stderr, "error: %s\n", s.error_message().c_str());
      }
      if (s.error_code() == grpc::StatusCode::UNAVAILABLE) return 1;
      continue;
    }
    session_id = resp.session_id();
    if (json) {
      std::cout << ToJson(resp).dump() << std::endl;
    } else {
      if (!interactive) std::printf("you> %s\n", line.c_str());
      std::printf("chatrec> %s\n", resp.text().c_str());
      for (int i = 0; i < resp.items_size(); ++i) {
        const auto& it = resp.items(i);
        std::printf("  %d. %s (%d): %s\n", i + 1, it.item().title().c_str(), it.item().year(), it.reason().c_str());
      }
      if (interactive) std::printf("> ");
    }
    std::fflush(stdout);
  }
  return failures == 0 ? 0 : 3;
}

}  // namespace chatrec::cli
