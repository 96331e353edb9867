// A small, fully in-memory world for unit tests of the service cores: a dozen
// films with genres, years and people, and a model trained on synthetic tastes.
#pragma once

#include <memory>

#include "libs/catalog/catalog.h"
#include "libs/model/model_watcher.h"

namespace chatrec::testing {

struct TinyWorld {
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<model::ModelWatcher> models;
};

// Items 1-6 are comedies (1-3 from the 1990s, 4-6 from the 1980s), 7-12 horror
// (7-9 from the 1990s, 10-12 from the 1980s). Tom Hanks stars in 2 and 5; Wes
// Craven directs 7, 8 and 10. Popularity falls with the id.
TinyWorld MakeTinyWorld();

}  // namespace chatrec::testing
