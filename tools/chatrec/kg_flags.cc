#include "tools/chatrec/kg_flags.h"

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "libs/common/progress.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"

ABSL_FLAG(std::string, kg, "dbpedia",
          "KG for the TransE embeddings behind h: dbpedia (the catalogue's KG), freebase "
          "(<data_dir>/ml-100k-kg-freebase) or none (h from item-space centroids)");
ABSL_FLAG(int, kg_dim, 32, "KG embedding dimension");
ABSL_FLAG(int, kg_epochs, 100, "KG embedding epochs (at most: stops when the loss stops falling)");
ABSL_FLAG(double, kg_lr, 0.01, "KG embedding learning rate");
ABSL_FLAG(double, kg_ridge, 1.0, "Ridge penalty of M, the map from KG embeddings to item space (C = c·M)");
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(int, threads);

namespace chatrec::cli {

absl::StatusOr<std::string> KgSource() {
  std::string kg = absl::GetFlag(FLAGS_kg);
  if (kg != "dbpedia" && kg != "freebase" && kg != "none") {
    return absl::InvalidArgumentError(absl::StrCat("--kg must be dbpedia, freebase or none, not '", kg, "'"));
  }
  return kg;
}

absl::StatusOr<std::shared_ptr<const model::KgEmbedding>> TrainKgFromFlags(const catalog::Catalog& catalog,
                                                                           bool verbose) {
  auto source = KgSource();
  if (!source.ok()) return source.status();
  if (*source == "none") return std::shared_ptr<const model::KgEmbedding>();
  const auto start = std::chrono::steady_clock::now();
  model::KnowledgeGraph graph;
  if (*source == "freebase") {
    if (catalog.meta().dataset() != "ml-100k") {
      return absl::FailedPreconditionError(absl::StrCat("--kg freebase is keyed by MovieLens 100K ids; this catalogue is '",
                                                        catalog.meta().dataset(), "' (use --kg dbpedia or none)"));
    }
    auto g = model::LoadFreebaseGraph(DataDir() + "/ml-100k-kg-freebase", catalog);
    if (!g.ok()) return g.status();
    graph = *std::move(g);
  } else {
    graph = model::GraphFromCatalog(catalog);
  }
  if (graph.triples().empty()) {  // e.g. a catalogue imported without a KG: h falls back to centroids
    if (verbose) std::fprintf(stderr, "KG (TransE): the %s KG has no triples; h uses item-space centroids\n", source->c_str());
    return std::shared_ptr<const model::KgEmbedding>();
  }
  model::KgEmbeddingOptions o;
  o.dim = absl::GetFlag(FLAGS_kg_dim);
  o.epochs = absl::GetFlag(FLAGS_kg_epochs);
  o.learning_rate = static_cast<float>(absl::GetFlag(FLAGS_kg_lr));
  o.seed = absl::GetFlag(FLAGS_seed);
  o.threads = absl::GetFlag(FLAGS_threads);
  std::unique_ptr<Progress> bar;
  if (verbose) bar = std::make_unique<Progress>("KG (TransE)", o.epochs);
  auto e = model::TrainKgEmbedding(graph, o, [&](int epoch, int, double) {
    if (bar) bar->Update(epoch);
  });
  if (!e.ok()) return e.status();
  if (bar) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bar->Finish(absl::StrCat(*source, ": ", graph.entities().size(), " entities, ", graph.relations().size(),
                             " relations, ", graph.triples().size(), " triples; ", e->epochs, " epochs, loss ",
                             e->epoch_loss.front(), " -> ", e->epoch_loss.back(), ", ", secs, " s"));
  }
  return std::shared_ptr<const model::KgEmbedding>(std::make_shared<model::KgEmbedding>(*std::move(e)));
}

}  // namespace chatrec::cli
