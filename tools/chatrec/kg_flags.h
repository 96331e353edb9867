// The --kg flags shared by `chatrec train` and `chatrec eval`: which knowledge graph
// the TransE embeddings are trained on, and how.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"
#include "libs/model/kg_embedding.h"

namespace chatrec::cli {

// "dbpedia", "freebase" or "none" (validated).
absl::StatusOr<std::string> KgSource();

// Trains the embeddings chosen by --kg (null for none), with a progress bar and a
// one-line summary on stderr when `verbose`.
absl::StatusOr<std::shared_ptr<const model::KgEmbedding>> TrainKgFromFlags(const catalog::Catalog& catalog,
                                                                           bool verbose);

}  // namespace chatrec::cli
