// chatrec-feedback: durable behaviour histories and online user state.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "libs/model/serving_model.h"
#include "libs/server/model_metrics.h"
#include "libs/server/server.h"
#include "libs/storage/layout.h"
#include "services/feedback/feedback_service.h"

ABSL_FLAG(std::string, store_dir, "var", "Root of the stores (catalog, model, feedback)");
ABSL_FLAG(int, record_workers, 128, "Threads that wait for group commits; bounds the calls sharing one sync");
ABSL_FLAG(bool, sync, true, "Sync the WAL before acknowledging (false trades durability for speed)");
ABSL_FLAG(int, model_poll_ms, 5000, "How often to look for a new model version (0: never)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace chatrec;
  auto server = server::Server::Create(server::ServerOptionsFromFlags("feedback", 50054, 9464));
  if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  auto serving = model::LoadServingModel(layout, std::chrono::milliseconds(absl::GetFlag(FLAGS_model_poll_ms)));
  if (!serving.ok()) return std::fprintf(stderr, "%s\n", serving.status().ToString().c_str()), 1;
  catalog::Catalog* catalog = serving->catalog.get();
  model::ModelWatcher* models = serving->models.get();
  auto store = events::EventStore::Open({.path = layout.feedback(),
                                         .sync = absl::GetFlag(FLAGS_sync),
                                         .stats_updater = feedback::FeedbackCore::StatsUpdater(models)});
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;

  feedback::FeedbackCore core({.catalog = catalog, .models = models, .store = store->get()});
  server::ExportModelVersion(&(*server)->metrics(), models);
  ThreadPool pool(absl::GetFlag(FLAGS_record_workers));
  feedback::FeedbackServiceImpl service(&core, &pool, &(*server)->metrics());
  (*server)->AddService(&service, "chatrec.v1.FeedbackService");
  auto status = (*server)->Run([&] { (void)core.Flush(); });
  return status.ok() ? 0 : 1;
}
