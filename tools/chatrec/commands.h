// Subcommands of the `chatrec` command-line tool. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace chatrec::cli {

int ImportCommand(const std::vector<std::string>& args);  // data set -> stores
int TrainCommand(const std::vector<std::string>& args);   // stores -> new model version
int ModelsCommand(const std::vector<std::string>& args);  // list model versions
int ChatCommand(const std::vector<std::string>& args);    // talk to the dialogue service
int HealthCommand(const std::vector<std::string>& args);  // grpc.health.v1 check

// The data-set root: --data_dir, else $CHATREC_DATA, else ../shared/data.
std::string DataDir();

}  // namespace chatrec::cli
