// chatrec-scoring: ranks candidates with the bilinear model.
#include <cstdio>

#include "absl/flags/parse.h"
#include "libs/server/model_service.h"
#include "services/scoring/scoring_service.h"

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace chatrec;
  auto started = server::StartModelService("scoring", 50053, 9463);
  if (!started.ok()) return std::fprintf(stderr, "%s\n", started.status().ToString().c_str()), 1;
  scoring::ScoringCore core(started->catalog(), started->models());
  scoring::ScoringServiceImpl service(&core);
  started->server->AddService(&service, "chatrec.v1.ScoringService");
  return started->server->Run().ok() ? 0 : 1;
}
