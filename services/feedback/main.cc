// chatrec-feedback: durable behaviour histories and online user state.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "libs/server/model_service.h"
#include "services/feedback/feedback_service.h"

ABSL_FLAG(int, record_workers, 128, "Threads that wait for group commits; bounds the calls sharing one sync");
ABSL_FLAG(bool, sync, true, "Sync the WAL before acknowledging (false trades durability for speed)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace chatrec;
  auto started = server::StartModelService("feedback", 50054, 9464);
  if (!started.ok()) return std::fprintf(stderr, "%s\n", started.status().ToString().c_str()), 1;
  model::ModelWatcher* models = started->models();
  auto store = events::EventStore::Open({.path = started->layout.feedback(),
                                         .sync = absl::GetFlag(FLAGS_sync),
                                         .stats_updater = feedback::FeedbackCore::StatsUpdater(models)});
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;

  feedback::FeedbackCore core({.catalog = started->catalog(), .models = models, .store = store->get()});
  ThreadPool pool(absl::GetFlag(FLAGS_record_workers));
  feedback::FeedbackServiceImpl service(&core, &pool, &started->server->metrics());
  started->server->AddService(&service, "chatrec.v1.FeedbackService");
  auto status = started->server->Run([&] { (void)core.Flush(); });
  return status.ok() ? 0 : 1;
}
