// Subcommands of the `chatrec` command-line tool. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace chatrec::cli {

int ImportCommand(const std::vector<std::string>& args);  // data set -> stores
int TrainCommand(const std::vector<std::string>& args);   // stores -> new model version
int ModelsCommand(const std::vector<std::string>& args);  // list model versions
int EvalCommand(const std::vector<std::string>& args);    // offline top-k evaluation against baselines
int SynthCommand(const std::vector<std::string>& args);   // synthetic catalogue + model at scale
int BenchScoringCommand(const std::vector<std::string>& args);  // Score RPC latency on loopback
int BenchRetrievalCommand(const std::vector<std::string>& args);  // ANN recall/speed and Retrieve latency at scale
int EvalLinkingCommand(const std::vector<std::string>& args);  // NLU linking on ReDial mentions
int EvalRedialCommand(const std::vector<std::string>& args);   // conversational eval on ReDial
int TrainRerankerCommand(const std::vector<std::string>& args);  // learn the re-ranker from replayed dialogues
int SimulateCommand(const std::vector<std::string>& args);  // simulated users with a target film
int ChatCommand(const std::vector<std::string>& args);    // talk to the dialogue service
int HealthCommand(const std::vector<std::string>& args);  // grpc.health.v1 check
int BenchCommand(const std::vector<std::string>& args);   // `bench feedback`: durable events/s and latency

// The data-set root: --data_dir, else $CHATREC_DATA, else ../shared/data.
std::string DataDir();
// The training-side ReDial dialogue files (--redial_dialogues, default the KGSF and CFCRS
// validation splits): what `import --dataset redial` reads answers from, what `train` learns
// the item-item term and the mention prior from, and the co-mention floor of `eval redial`.
std::vector<std::string> RedialTrainingDialogues();
// The non-empty parts of a comma-separated flag value.
std::vector<std::string> SplitCommas(const std::string& list);

}  // namespace chatrec::cli
