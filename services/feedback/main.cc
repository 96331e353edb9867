// chatrec-feedback: durable behaviour histories and online user state.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "libs/server/model_service.h"
#include "services/feedback/feedback_service.h"

ABSL_FLAG(bool, sync, true, "Sync the WAL before acknowledging (false trades durability for speed)");
ABSL_FLAG(int64_t, checkpoint_events, 20'000,
          "Events between checkpoints of the summaries and item counters (kept in memory in between, and "
          "replayed from the journal after an unclean stop; see libs/events/event_store.h)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace chatrec;
  auto started = server::StartModelService("feedback", 50054, 9464);
  if (!started.ok()) return std::fprintf(stderr, "%s\n", started.status().ToString().c_str()), 1;
  model::ModelWatcher* models = started->models();
  if (absl::GetFlag(FLAGS_checkpoint_events) < 1) return std::fprintf(stderr, "--checkpoint_events must be >= 1\n"), 2;
  auto store = events::EventStore::Open({.path = started->layout.feedback(),
                                         .sync = absl::GetFlag(FLAGS_sync),
                                         .stats_updater = feedback::FeedbackCore::StatsUpdater(models),
                                         .checkpoint_events = absl::GetFlag(FLAGS_checkpoint_events)});
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;

  feedback::FeedbackCore core({.catalog = started->catalog(), .models = models, .store = store->get()});
  feedback::FeedbackServiceImpl service(&core, &started->server->metrics());
  started->server->AddService(&service, "chatrec.v1.FeedbackService");
  auto status = started->server->Run([&] { (void)core.Flush(); });
  return status.ok() ? 0 : 1;
}
