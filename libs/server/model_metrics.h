// Exports which model version a service serves, as
//   chatrec_model_info{version="…"} 1   and   chatrec_model_items <n>
// so dashboards can show rollouts; the old version's series is removed on a swap.
#pragma once

#include "libs/model/model_watcher.h"

namespace prometheus {
class Registry;
}

namespace chatrec::server {

void ExportModelVersion(prometheus::Registry* registry, model::ModelWatcher* models);

}  // namespace chatrec::server
