// chatrec: the command-line tool. `chatrec help` lists the subcommands.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tools/chatrec/commands.h"

namespace {

constexpr char kUsage[] =
    "chatrec <command> [flags]\n"
    "  import   load MovieLens 100K and its DBpedia KG into the stores (--data_dir, --store_dir)\n"
    "  train    train a new model version from the stored histories (--dim, --iterations, --seed)\n"
    "  train reranker   learn the re-ranker from replayed ReDial dialogues (--dialogues FILE [--out FILE])\n"
    "  models   list model versions with their metrics\n"
    "  eval     evaluate our model and baselines on ML-100K (--protocol chatrec|loo, --train F --test F, --json)\n"
    "  synth    a synthetic catalogue and model at scale (--items N --dim D --store_dir DIR)\n"
    "  eval redial   Recall@1/10/50 on ReDial through the dialogue engine (--turns FILE | --dialogues FILE, --json)\n"
    "  eval linking  NLU entity linking on ReDial @mentions (--dialogues FILE; a store from import --dataset redial)\n"
    "  simulate simulated users with a target film: success@1/10 in --max_turns, questions on/off (--json)\n"
    "  chat     talk to the dialogue service (--dialogue HOST:PORT --user ID [--json]); one turn per input line\n"
    "  health   check a service's gRPC health (--target HOST:PORT [--service NAME])\n"
    "  bench scoring   kernels vs Eigen/OpenBLAS in one process (--items N --dim D [--json])\n"
    "  bench scoring rpc  Score RPC latency p50/p99 against --scoring HOST:PORT (1,000 candidates; whole catalogue)\n"
    "  bench retrieval  ANN (hnswlib vs FAISS) recall@100 and q/s, build time, Retrieve RPC p99 (--items N --dim D "
    "[--json])\n"
    "  bench feedback  durable Record throughput and latency (--clients C --seconds S [--batch B] [--feedback "
    "HOST:PORT] [--json])\n";

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  if (argc < 2 || std::strcmp(argv[1], "help") == 0 || std::strcmp(argv[1], "--help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  // Flags are parsed with the command word removed.
  std::vector<char*> rest = {argv[0]};
  for (int i = 2; i < argc; ++i) rest.push_back(argv[i]);
  std::vector<char*> positional = absl::ParseCommandLine(static_cast<int>(rest.size()), rest.data());
  std::vector<std::string> args(positional.begin() + 1, positional.end());
  using namespace chatrec::cli;
  if (command == "import") return ImportCommand(args);
  if (command == "train" && !args.empty() && args[0] == "reranker") return TrainRerankerCommand(args);
  if (command == "train") return TrainCommand(args);
  if (command == "models") return ModelsCommand(args);
  if (command == "eval" && !args.empty() && args[0] == "linking") return EvalLinkingCommand(args);
  if (command == "eval" && !args.empty() && args[0] == "redial") return EvalRedialCommand(args);
  if (command == "eval") return EvalCommand(args);
  if (command == "synth") return SynthCommand(args);
  if (command == "simulate") return SimulateCommand(args);
  if (command == "chat") return ChatCommand(args);
  if (command == "health") return HealthCommand(args);
  if (command == "bench" && !args.empty() && args[0] == "scoring") return BenchScoringCommand(args);
  if (command == "bench" && !args.empty() && args[0] == "retrieval") return BenchRetrievalCommand(args);
  if (command == "bench") return BenchCommand(args);
  std::fprintf(stderr, "unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
