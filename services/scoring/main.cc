// chatrec-scoring: ranks candidates with the bilinear model.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "libs/model/serving_model.h"
#include "libs/server/model_metrics.h"
#include "libs/server/server.h"
#include "libs/storage/layout.h"
#include "services/scoring/scoring_service.h"

ABSL_FLAG(std::string, store_dir, "var", "Root of the stores (catalog, model)");
ABSL_FLAG(int, model_poll_ms, 5000, "How often to look for a new model version (0: never)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace chatrec;
  auto server = server::Server::Create(server::ServerOptionsFromFlags("scoring", 50053, 9463));
  if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  auto serving = model::LoadServingModel(layout, std::chrono::milliseconds(absl::GetFlag(FLAGS_model_poll_ms)));
  if (!serving.ok()) return std::fprintf(stderr, "%s\n", serving.status().ToString().c_str()), 1;
  catalog::Catalog* catalog = serving->catalog.get();
  model::ModelWatcher* models = serving->models.get();

  server::ExportModelVersion(&(*server)->metrics(), models);
  scoring::ScoringCore core(catalog, models);
  scoring::ScoringServiceImpl service(&core);
  (*server)->AddService(&service, "chatrec.v1.ScoringService");
  return (*server)->Run().ok() ? 0 : 1;
}
