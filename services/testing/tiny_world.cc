#include "services/testing/tiny_world.h"

#include "libs/model/trainer.h"

namespace chatrec::testing {

TinyWorld MakeTinyWorld() {
  std::vector<catalog::ItemRecord> items;
  auto fact = [](catalog::ItemRecord* r, const char* rel, const char* id) {
    auto* f = r->add_facts();
    f->set_relation(rel);
    f->set_entity_id(id);
  };
  const char* names[] = {"Laugh One", "Laugh Two", "Laugh Three", "Old Laugh One", "Old Laugh Two", "Old Laugh Three",
                         "Fright One", "Fright Two", "Fright Three", "Old Fright One", "Old Fright Two", "Old Fright Three"};
  for (int i = 1; i <= 12; ++i) {
    catalog::ItemRecord r;
    r.set_id(i);
    r.set_name(names[i - 1]);
    bool nineties = (i - 1) % 6 < 3;
    r.set_year(nineties ? 1990 + i : 1980 + i % 10);
    r.set_title(std::string(names[i - 1]) + " (" + std::to_string(r.year()) + ")");
    r.set_popularity(100 - i);
    fact(&r, "genre", i <= 6 ? "genre:comedy" : "genre:horror");
    if (i == 2 || i == 5) fact(&r, "starring", "person:Tom_Hanks");
    if (i == 7 || i == 8 || i == 10) fact(&r, "director", "person:Wes_Craven");
    items.push_back(r);
  }
  std::vector<catalog::EntityRecord> entities;
  auto entity = [&](const char* id, const char* name, v1::EntityType type) {
    catalog::EntityRecord e;
    e.set_id(id);
    e.set_name(name);
    e.set_type(type);
    entities.push_back(e);
  };
  entity("genre:comedy", "Comedy", v1::ENTITY_TYPE_GENRE);
  entity("genre:horror", "Horror", v1::ENTITY_TYPE_GENRE);
  entity("person:Tom_Hanks", "Tom Hanks", v1::ENTITY_TYPE_PERSON);
  entity("person:Wes_Craven", "Wes Craven", v1::ENTITY_TYPE_PERSON);
  TinyWorld w;
  w.catalog = *catalog::Catalog::Create(items, entities);
  // Users 0-9 like comedies, 10-19 horror.
  std::vector<model::Interaction> interactions;
  for (int u = 0; u < 20; ++u) {
    for (int r = 0; r < 6; ++r) {
      if ((u + r) % 3 == 0) continue;
      interactions.push_back({u, u < 10 ? r : r + 6, model::Signal{1.f, 1.f}});
    }
  }
  model::TrainOptions o;
  o.dim = 8;
  o.iterations = 5;
  auto m = model::TrainModel(*w.catalog, 20, interactions, o);
  m->version = "tiny-v1";
  w.models = model::ModelWatcher::Fixed(std::make_shared<model::Model>(std::move(*m)));
  return w;
}

}  // namespace chatrec::testing
