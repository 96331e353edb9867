// chatrec-retrieval: finds candidates for scoring.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "libs/catalog/catalog_store.h"
#include "libs/server/model_metrics.h"
#include "libs/server/server.h"
#include "libs/storage/layout.h"
#include "services/retrieval/retrieval_service.h"

ABSL_FLAG(std::string, store_dir, "var", "Root of the stores (catalog, model)");
ABSL_FLAG(int, model_poll_ms, 5000, "How often to look for a new model version (0: never)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace chatrec;
  auto server = server::Server::Create(server::ServerOptionsFromFlags("retrieval", 50052, 9462));
  if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
  storage::StoreLayout layout(absl::GetFlag(FLAGS_store_dir));
  auto catalog = catalog::LoadCatalog(layout.catalog());
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str()), 1;
  auto models = model::ModelWatcher::Create(layout.model(), **catalog,
                                            std::chrono::milliseconds(absl::GetFlag(FLAGS_model_poll_ms)));
  if (!models.ok()) return std::fprintf(stderr, "%s\n", models.status().ToString().c_str()), 1;

  server::ExportModelVersion(&(*server)->metrics(), models->get());
  retrieval::RetrievalCore core(catalog->get(), models->get());
  retrieval::RetrievalServiceImpl service(&core, &(*server)->metrics());
  (*server)->AddService(&service, "chatrec.v1.RetrievalService");
  return (*server)->Run().ok() ? 0 : 1;
}
