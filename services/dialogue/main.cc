// chatrec-dialogue: the conversational front; the only service frontends call.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "libs/catalog/catalog_store.h"
#include "libs/server/server.h"
#include "libs/storage/layout.h"
#include "services/dialogue/dialogue_service.h"
#include "services/dialogue/grpc_clients.h"

ABSL_FLAG(std::string, store_dir, "var", "Root of the stores (catalog; sessions live in <store_dir>/dialogue)");
ABSL_FLAG(std::string, feedback, "127.0.0.1:50054", "Feedback service address");
ABSL_FLAG(std::string, retrieval, "127.0.0.1:50052", "Retrieval service address");
ABSL_FLAG(std::string, scoring, "127.0.0.1:50053", "Scoring service address");
ABSL_FLAG(int, session_ttl_seconds, 7 * 24 * 3600, "Sessions untouched this long expire");
ABSL_FLAG(bool, session_sync, false,
          "fsync the session store on every turn (a machine crash then loses no turn; a process crash never does)");
ABSL_FLAG(int, workers, 16, "Threads that run conversational turns");
ABSL_FLAG(int, candidates, 200, "Candidates asked from retrieval per turn");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace chatrec;
  auto server = server::Server::Create(server::ServerOptionsFromFlags("dialogue", 50051, 9461));
  if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  auto catalog = catalog::LoadCatalog(layout.catalog());
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str()), 1;
  auto nlu = nlu::Understander::Create(**catalog);
  if (!nlu.ok()) return std::fprintf(stderr, "%s\n", nlu.status().ToString().c_str()), 1;
  auto sessions = dialogue::SessionStore::Open(layout.dialogue(), absl::GetFlag(FLAGS_session_ttl_seconds),
                                               absl::GetFlag(FLAGS_session_sync));
  if (!sessions.ok()) return std::fprintf(stderr, "%s\n", sessions.status().ToString().c_str()), 1;

  dialogue::ClientTimeouts timeouts;
  dialogue::GrpcFeedbackClient feedback(absl::GetFlag(FLAGS_feedback), timeouts.feedback);
  dialogue::GrpcRetrievalClient retrieval(absl::GetFlag(FLAGS_retrieval), timeouts.retrieval);
  dialogue::GrpcScoringClient scoring(absl::GetFlag(FLAGS_scoring), timeouts.scoring);
  dialogue::DialogueCore core({.catalog = catalog->get(),
                               .nlu = nlu->get(),
                               .sessions = sessions->get(),
                               .feedback = &feedback,
                               .retrieval = &retrieval,
                               .scoring = &scoring,
                               .candidates = absl::GetFlag(FLAGS_candidates)});
  ThreadPool pool(absl::GetFlag(FLAGS_workers));
  dialogue::DialogueServiceImpl service(&core, &pool);
  (*server)->AddService(&service, "chatrec.v1.DialogueService");
  return (*server)->Run([&] { (void)core.Flush(); }).ok() ? 0 : 1;
}
