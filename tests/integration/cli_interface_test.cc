// The CLI's JSON interface, as the issues define it and independent checks read it: `chatrec
// eval` on a split given as files, `chatrec eval redial` on both ReDial formats, and the bench
// commands at tiny sizes must each print one JSON object with the promised fields, and `chatrec
// simulate` applies the re-ranker --reranker names. (Speed is measured by running the benches,
// never asserted here.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "libs/common/data_dir.h"
#include "libs/dialogue/reranker.h"
#include "tests/integration/process.h"

namespace chatrec::testing {
namespace {

using json = nlohmann::json;

class CliInterfaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("CHATREC_BIN_DIR");
    ASSERT_NE(bin, nullptr) << "CHATREC_BIN_DIR is set by ctest";
    chatrec_ = std::string(bin) + "/chatrec";
    dir_ = std::filesystem::temp_directory_path() /
           ("bench_interface_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `chatrec args...`; returns the exit code and the last line of the output that is a
  // JSON object (stderr progress lines share the log).
  int Run(const std::vector<std::string>& args, json* out) {
    std::vector<std::string> argv = {chatrec_};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string log = (dir_ / "run.log").string();
    std::filesystem::remove(log);
    const int rc = RunCommand(argv, log);
    std::istringstream lines(ReadFileOrEmpty(log));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line[0] == '{') *out = json::parse(line, nullptr, false);
    }
    last_log_ = ReadFileOrEmpty(log);
    return rc;
  }
  static void ExpectFields(const json& j, const std::vector<std::string>& fields) {
    ASSERT_TRUE(j.is_object()) << j.dump();
    for (const auto& f : fields) EXPECT_TRUE(j.contains(f)) << "missing " << f << " in " << j.dump();
  }

  static std::string Data(const std::string& relative) { return DataDirFromEnvironment() + "/" + relative; }

  std::string chatrec_;
  std::filesystem::path dir_;
  std::string last_log_;
};

// Any split in u.data format: here ua.base / ua.test, every method of issue 3 side by side.
TEST_F(CliInterfaceTest, EvalOnASplitGivenAsFilesPrintsEveryModelsMetrics) {
  json j;
  ASSERT_EQ(Run({"eval", "--train", Data("ml-100k/ua.base"), "--test", Data("ml-100k/ua.test"), "--rating=false",
                 "--json"},
                &j),
            0)
      << last_log_;
  ASSERT_TRUE(j.contains("models")) << j.dump();
  EXPECT_EQ(j["protocol"], "chatrec");
  for (const char* model : {"ours", "ease", "bpr", "itemknn", "pop"}) {
    ASSERT_TRUE(j["models"].contains(model)) << model;
    ExpectFields(j["models"][model], {"precision@5", "recall@5", "ndcg@5", "precision@10", "ndcg@20"});
    EXPECT_GT(j["models"][model]["ndcg@5"].get<double>(), 0) << model;
  }
}

TEST_F(CliInterfaceTest, EvalRejectsASplitFileThatIsNotUData) {
  const std::string bad = (dir_ / "bad.data").string();
  std::ofstream(bad) << "this is not a rating line\n";
  json j;
  EXPECT_NE(Run({"eval", "--train", bad, "--test", Data("ml-100k/ua.test"), "--json"}, &j), 0);
  EXPECT_NE(last_log_.find("bad.data"), std::string::npos) << "the message names the file: " << last_log_;
}

// Both ReDial input formats, through a ReDial store built the way the README says.
TEST_F(CliInterfaceTest, EvalRedialOnTurnsAndOnDialoguesPrintsRecallAtOneTenFifty) {
  const std::string store = (dir_ / "redial").string();
  json ignored;
  ASSERT_EQ(Run({"import", "--dataset", "redial", "--store_dir", store}, &ignored), 0) << last_log_;
  ASSERT_EQ(Run({"train", "--store_dir", store}, &ignored), 0) << last_log_;
  const std::vector<std::vector<std::string>> inputs = {
      {"--turns", Data("redial-kg-dbpedia-unicrs/test.dev.jsonl")},
      {"--dialogues", Data("redial/test_data.dev.jsonl")}};
  for (const auto& input : inputs) {
    json j;
    std::vector<std::string> args = {"eval", "redial", "--store_dir", store, "--max_dialogues", "30", "--json"};
    args.insert(args.end(), input.begin(), input.end());
    ASSERT_EQ(Run(args, &j), 0) << input[0] << ": " << last_log_;
    ExpectFields(j, {"turns", "recall@1", "recall@10", "recall@50", "ndcg@10", "mrr", "new_items_only"});
    ExpectFields(j["new_items_only"], {"turns", "recall@1", "recall@10", "recall@50"});
    EXPECT_GT(j["turns"].get<int>(), 0) << input[0];
    EXPECT_LE(j["recall@10"].get<double>(), j["recall@50"].get<double>()) << input[0];
  }
  // A turn file given as dialogues: nothing usable, said plainly.
  json j;
  EXPECT_NE(Run({"eval", "redial", "--store_dir", store, "--dialogues",
                 Data("redial-kg-dbpedia-unicrs/test.dev.jsonl"), "--max_dialogues", "5", "--json"},
                &j),
            0);
  EXPECT_NE(last_log_.find("use --turns"), std::string::npos) << last_log_;
  // A filter depth beyond the top 50 is refused with the range.
  EXPECT_EQ(Run({"eval", "redial", "--store_dir", store, "--hard_genre_people_top", "60", "--json"}, &j), 2);
  EXPECT_NE(last_log_.find("--hard_genre_people_top must be 0..50"), std::string::npos) << last_log_;
  // The mix of the terms and the fill bonus can be set at evaluation time and are reported.
  ASSERT_EQ(Run({"eval", "redial", "--store_dir", store, "--max_dialogues", "10", "--hard_genre_people_top", "20",
                 "--hard_genre_people_fill_bonus", "0.001", "--bias_scale", "0.5", "--item_item_scale", "0.02",
                 "--json"},
                &j),
            0)
      << last_log_;
  EXPECT_DOUBLE_EQ(j["hard_genre_people_fill_bonus"].get<double>(), 0.001);
  EXPECT_DOUBLE_EQ(j["term_weights"]["bias_scale"].get<double>(), 0.5);
  EXPECT_NEAR(j["term_weights"]["item_item_scale"].get<double>(), 0.02, 1e-7);
  // Step 7's setting: the KG source by Adamic-Adar and places kept for the KG and ITEM_ITEM sources,
  // reported; --rankings_out writes each turn's two lists.
  ASSERT_EQ(Run({"eval", "redial", "--store_dir", store, "--max_dialogues", "10", "--kg_score", "adamic_adar",
                 "--source_slots", "kg:7,item_item:5", "--rankings_out",
                 (dir_ / "rankings.jsonl").string(), "--json"},
                &j),
            0)
      << last_log_;
  EXPECT_EQ(j["kg_score"].get<std::string>(), "adamic_adar");
  EXPECT_EQ(j["source_slots"].get<std::string>(), "kg:7,item_item:5");
  {
    std::ifstream rankings(dir_ / "rankings.jsonl");
    std::string line;
    int lines = 0;
    while (std::getline(rankings, line)) {
      ++lines;
      json turn = json::parse(line);
      ExpectFields(turn, {"dialog_id", "utterances", "targets", "new_targets", "as_served", "leading"});
      EXPECT_LE(turn["as_served"].size(), 50u);
      EXPECT_LE(turn["new_targets"].size(), turn["targets"].size());
    }
    EXPECT_EQ(lines, j["turns"].get<int>());
  }
  EXPECT_EQ(Run({"eval", "redial", "--store_dir", store, "--kg_score", "pagerank", "--json"}, &j), 2);
  EXPECT_NE(last_log_.find("KG score must be spread or adamic_adar"), std::string::npos) << last_log_;
  EXPECT_EQ(Run({"eval", "redial", "--store_dir", store, "--source_slots", "kg:0", "--json"}, &j), 2);
  EXPECT_NE(last_log_.find("--source_slots: source slots 'kg:0': 'kg:0' needs places per slot 1..1000"),
            std::string::npos)
      << last_log_;
  // Where the new targets are in the ranking before the re-ranker, and which sources returned them.
  ASSERT_EQ(Run({"eval", "redial", "--store_dir", store, "--max_dialogues", "10", "--candidates", "300",
                 "--candidate_recall_depth", "300", "--kg_quota", "0.4", "--candidate_recall_out",
                 (dir_ / "places.tsv").string(), "--json"},
                &j),
            0)
      << last_log_;
  ASSERT_TRUE(j.contains("candidate_recall")) << j.dump();
  const json& cr = j["candidate_recall"];
  EXPECT_EQ(cr["depth"].get<int>(), 300);
  EXPECT_NEAR(j["kg_quota"].get<double>(), 0.4, 1e-7);
  {
    // One line per new target: dialogue, utterances, target, place (-1: not in the list), source bits.
    std::ifstream places(dir_ / "places.tsv");
    std::string line;
    int lines = 0;
    while (std::getline(places, line)) {
      ++lines;
      EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), 4) << line;
    }
    EXPECT_EQ(lines, cr["new_targets"].get<int>());
  }
  EXPECT_GT(cr["new_targets"].get<int>(), 0);
  double previous = 0;
  for (const char* d : {"10", "50", "100", "200", "300"}) {
    ASSERT_TRUE(cr["within"].contains(d)) << cr.dump();
    const double share = cr["within"][d].get<double>();
    EXPECT_GE(share, previous) << d;
    EXPECT_LE(share, 1.0) << d;
    previous = share;
  }
  EXPECT_FALSE(cr["within"].contains("500")) << "deeper than asked";
  for (const auto& [source, share] : cr["returned_by"].items()) {
    EXPECT_GE(share.get<double>(), cr["only_by"][source].get<double>()) << source;
    EXPECT_LE(share.get<double>(), previous + 1e-9) << source << ": only films in the list count";
  }
  EXPECT_EQ(Run({"eval", "redial", "--store_dir", store, "--candidate_recall_depth", "1001", "--json"}, &j), 2);
  EXPECT_NE(last_log_.find("--candidate_recall_depth must be 0..1000"), std::string::npos) << last_log_;
  EXPECT_EQ(Run({"eval", "redial", "--store_dir", store, "--need_scale", "-1", "--json"}, &j), 2);
  EXPECT_NE(last_log_.find("the need factor must be >= 0"), std::string::npos) << last_log_;
  EXPECT_EQ(Run({"eval", "redial", "--store_dir", store, "--hard_genre_people_fill_bonus", "-0.5", "--json"}, &j), 2);
  EXPECT_NE(last_log_.find("--hard_genre_people_fill_bonus: must be"), std::string::npos) << last_log_;

  // Import wrote the settings chosen for ReDial into <store>/engine.json: with no flag, eval redial
  // runs them (and says where they came from); a flag given wins, even one that names a default.
  ASSERT_TRUE(std::filesystem::exists(store + "/engine.json"));
  ASSERT_EQ(Run({"eval", "redial", "--store_dir", store, "--max_dialogues", "10", "--json"}, &j), 0) << last_log_;
  EXPECT_EQ(j["kg_score"], "adamic_adar");
  EXPECT_EQ(j["source_slots"], "kg:7,item_item:5");
  EXPECT_EQ(j["hard_genre_people_top"], 20);
  EXPECT_NEAR(j["item_item_quota"].get<double>(), 0.1, 1e-7);
  EXPECT_DOUBLE_EQ(j["term_weights"]["bias_scale"].get<double>(), 0.5);
  EXPECT_EQ(j["engine_json"]["kg_score"], "adamic_adar");
  ASSERT_EQ(Run({"eval", "redial", "--store_dir", store, "--max_dialogues", "10", "--kg_score", "spread",
                 "--source_slots", "none", "--hard_genre_people_top", "0", "--bias_scale", "1", "--json"},
                &j),
            0)
      << last_log_;
  EXPECT_EQ(j["kg_score"], "spread");
  EXPECT_EQ(j["source_slots"], "");
  EXPECT_EQ(j["hard_genre_people_top"], 0);
  EXPECT_DOUBLE_EQ(j["term_weights"]["bias_scale"].get<double>(), 1.0);
  // A broken engine.json is refused, naming the file and the key, before anything is evaluated.
  std::ofstream(store + "/engine.json") << R"({"kg_score": "adamic_adar", "source_slots": "kg:0"})";
  EXPECT_EQ(Run({"eval", "redial", "--store_dir", store, "--max_dialogues", "10", "--json"}, &j), 2);
  EXPECT_NE(last_log_.find(store + "/engine.json: \"source_slots\""), std::string::npos) << last_log_;
  std::ofstream(store + "/engine.json") << R"({"kg_quota": 2})";
  EXPECT_EQ(Run({"eval", "redial", "--store_dir", store, "--max_dialogues", "10", "--json"}, &j), 2);
  EXPECT_NE(last_log_.find("\"kg_quota\": must be within 0..1"), std::string::npos) << last_log_;
  // Re-importing writes the chosen settings again.
  ASSERT_EQ(Run({"import", "--dataset", "redial", "--store_dir", store}, &ignored), 0) << last_log_;
  ASSERT_EQ(Run({"eval", "redial", "--store_dir", store, "--max_dialogues", "10", "--json"}, &j), 0) << last_log_;
  EXPECT_EQ(j["kg_score"], "adamic_adar");

  // The training dialogues are never replayed: evaluating on (or learning a re-ranker from) the
  // store's own training split leaves every turn out, and says so.
  EXPECT_EQ(Run({"eval", "redial", "--store_dir", store, "--dialogues", Data("redial/valid_data_kgsf.jsonl"),
                 "--max_dialogues", "20", "--json"},
                &j),
            1);
  EXPECT_NE(last_log_.find("20 dialogues are training dialogues"), std::string::npos) << last_log_;
  EXPECT_NE(last_log_.find("every dialogue is a training dialogue; nothing to evaluate"), std::string::npos)
      << last_log_;
}

// scripts/redial_store.sh: a ReDial store with its engine settings and a cross-fitted re-ranker,
// which `chatrec eval redial` then applies with no flag (here on few dialogues, to stay quick).
TEST_F(CliInterfaceTest, RedialStoreScriptLearnsACrossFittedRerankerThatEvalApplies) {
  const char* source = std::getenv("CHATREC_SOURCE_DIR");
  ASSERT_NE(source, nullptr) << "CHATREC_SOURCE_DIR is set by ctest";
  const std::string store = (dir_ / "redial").string();
  const std::string log = (dir_ / "script.log").string();
  ::setenv("CHATREC_BIN", chatrec_.c_str(), 1);  // the script's child processes: this build's chatrec
  ASSERT_EQ(RunCommand({std::string(source) + "/scripts/redial_store.sh", store, "--max_dialogues", "60"}, log), 0)
      << ReadFileOrEmpty(log);
  const std::string reranker = store + "/reranker.json";
  ASSERT_TRUE(std::filesystem::exists(reranker)) << ReadFileOrEmpty(log);
  const json learned = json::parse(ReadFileOrEmpty(reranker), nullptr, false)["training"];
  ASSERT_TRUE(learned.is_object()) << ReadFileOrEmpty(reranker);
  EXPECT_GT(learned["lists"].get<int>(), learned["lists_replayed"].get<int>()) << "the other split's lists joined";
  EXPECT_GT(learned["training_dialogues_left_out"].get<int>(), 0) << "the dialogues in both splits";
  EXPECT_EQ(learned["engine"]["kg_score"], "adamic_adar") << "the temporary stores have ReDial's settings too";
  EXPECT_EQ(learned["recommended_counts_from"].size(), 2u) << "both splits' counts kept for serving";
  json j;
  ASSERT_EQ(Run({"eval", "redial", "--store_dir", store, "--max_dialogues", "10", "--json"}, &j), 0) << last_log_;
  EXPECT_EQ(j["reranker"], reranker);
  EXPECT_EQ(j["source_slots"], "kg:7,item_item:5");
  EXPECT_GT(j["turns"].get<int>(), 0);

  // The services serve the store with the same settings: retrieval's KG score and shares, dialogue's
  // filter depth, places kept and the re-ranker, all from the store's files with no flag.
  const std::string bin_dir = std::getenv("CHATREC_BIN_DIR");
  auto start = [&](const std::string& name, ChildProcess* p, const std::string& service_log) {
    const std::string ready = (dir_ / (name + ".ready")).string();
    std::filesystem::remove(ready);
    EXPECT_TRUE(p->Start({bin_dir + "/chatrec-" + name, "--store_dir", store, "--host", "127.0.0.1", "--port", "0",
                          "--metrics_port", "0", "--ready_file", ready},
                         service_log));
    for (int i = 0; i < 600 && p->Running() && !std::filesystem::exists(ready); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::filesystem::exists(ready);
  };
  {
    ChildProcess retrieval, dialogue;
    const std::string retrieval_log = (dir_ / "retrieval.log").string(), dialogue_log = (dir_ / "dialogue.log").string();
    ASSERT_TRUE(start("retrieval", &retrieval, retrieval_log)) << ReadFileOrEmpty(retrieval_log);
    ASSERT_TRUE(start("dialogue", &dialogue, dialogue_log)) << ReadFileOrEmpty(dialogue_log);
    EXPECT_NE(ReadFileOrEmpty(retrieval_log).find("KG score adamic_adar, ITEM_ITEM share 0.10"), std::string::npos)
        << ReadFileOrEmpty(retrieval_log);
    EXPECT_NE(ReadFileOrEmpty(dialogue_log).find("genres and people (and years) filter the first 20 places, places kept for "
                                                 "sources: kg:7,item_item:5"),
              std::string::npos)
        << ReadFileOrEmpty(dialogue_log);
    EXPECT_NE(ReadFileOrEmpty(dialogue_log).find("re-ranker " + reranker), std::string::npos)
        << ReadFileOrEmpty(dialogue_log);
    EXPECT_EQ(retrieval.Terminate(), 0);
    EXPECT_EQ(dialogue.Terminate(), 0);
  }
  // A broken engine.json stops a service at start, naming the file and the key (exit code 2).
  std::ofstream(store + "/engine.json") << R"({"kg_score": "pagerank"})";
  const std::string bad_log = (dir_ / "bad.log").string();
  EXPECT_EQ(RunCommand({bin_dir + "/chatrec-retrieval", "--store_dir", store, "--port", "0", "--metrics_port", "0"},
                       bad_log),
            2);
  EXPECT_NE(ReadFileOrEmpty(bad_log).find(store + "/engine.json: \"kg_score\""), std::string::npos)
      << ReadFileOrEmpty(bad_log);
}

// `chatrec simulate` runs the engine as served, the learned re-ranker included, with --reranker as
// for `eval redial` and the dialogue service: the store's reranker.json by default, a named file,
// or none; a file that cannot be loaded is an error (exit 2) naming it.
TEST_F(CliInterfaceTest, SimulateAppliesTheRerankerTheStoreOrTheFlagNames) {
  const std::string store = (dir_ / "ml").string();
  json j;
  ASSERT_EQ(Run({"import", "--store_dir", store}, &j), 0) << last_log_;
  ASSERT_EQ(Run({"train", "--store_dir", store, "--iterations", "6"}, &j), 0) << last_log_;
  auto simulate = [&](const std::vector<std::string>& extra, json* out) {
    std::vector<std::string> args = {"simulate", "--store_dir", store, "--episodes", "20", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args, out);
  };
  json plain, none;
  ASSERT_EQ(simulate({}, &plain), 0) << last_log_;
  EXPECT_EQ(plain["reranker"], "none") << "the store has no reranker.json";
  ASSERT_EQ(simulate({"--reranker", "none"}, &none), 0) << last_log_;
  EXPECT_EQ(none["questions_on"], plain["questions_on"]);
  const double success_at_1 = plain["questions_on"]["success@1"].get<double>();
  ASSERT_GT(success_at_1, 0.2) << plain.dump() << ": too few successes to see a re-ranker's effect";

  // A re-ranker that reverses the engine's first 100 places (all weight on the engine's place).
  const auto& names = dialogue::Reranker::FeatureNames();
  dialogue::LinearRanker reverse{std::vector<float>(names.size(), 0.f), std::vector<float>(names.size(), 1.f),
                                 std::vector<float>(names.size(), 0.f)};
  reverse.weights[std::find(names.begin(), names.end(), "log_position") - names.begin()] = 1.f;
  const std::string store_file = store + "/" + dialogue::Reranker::kStoreFile;
  ASSERT_TRUE(dialogue::Reranker(reverse, 100, {}, "{}").Save(store_file).ok());
  json reversed, named, off;
  ASSERT_EQ(simulate({}, &reversed), 0) << last_log_;
  EXPECT_EQ(reversed["reranker"], store_file);
  EXPECT_LT(reversed["questions_on"]["success@1"].get<double>(), success_at_1) << reversed.dump();
  const std::string copy = (dir_ / "copy.json").string();
  std::filesystem::copy_file(store_file, copy);
  ASSERT_EQ(simulate({"--reranker", copy}, &named), 0) << last_log_;
  EXPECT_EQ(named["reranker"], copy);
  EXPECT_EQ(named["questions_on"], reversed["questions_on"]);
  ASSERT_EQ(simulate({"--reranker", "none"}, &off), 0) << last_log_;
  EXPECT_EQ(off["reranker"], "none");
  EXPECT_EQ(off["questions_on"], plain["questions_on"]) << "none ignores the store's file";
  // The KG score and the source slots as for eval redial, reported; a bad spec is refused.
  json slotted;
  ASSERT_EQ(simulate({"--reranker", "none", "--kg_score", "adamic_adar", "--source_slots", "kg:3"}, &slotted), 0)
      << last_log_;
  EXPECT_EQ(slotted["kg_score"], "adamic_adar");
  EXPECT_EQ(slotted["source_slots"], "kg:3");
  EXPECT_EQ(plain["kg_score"], "spread");
  EXPECT_EQ(plain["source_slots"], "");
  EXPECT_EQ(simulate({"--source_slots", "kg"}, &j), 2);
  EXPECT_NE(last_log_.find("--source_slots: source slots 'kg'"), std::string::npos) << last_log_;

  // Files that cannot be used: named, with the way out, exit code 2; the store's own file too.
  const std::string bad = (dir_ / "bad_reranker.json").string();
  std::ofstream(bad) << "{\"format\": \"chatrec-reranker\", \"version\": 1";
  EXPECT_EQ(simulate({"--reranker", bad}, &j), 2);
  EXPECT_NE(last_log_.find("re-ranker file " + bad + ": not a JSON object"), std::string::npos) << last_log_;
  EXPECT_NE(last_log_.find("(or --reranker none)"), std::string::npos) << last_log_;
  EXPECT_EQ(simulate({"--reranker", (dir_ / "missing.json").string()}, &j), 2);
  EXPECT_NE(last_log_.find("cannot open re-ranker file"), std::string::npos) << last_log_;
  std::filesystem::copy_file(bad, store_file, std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(simulate({}, &j), 2);
  EXPECT_NE(last_log_.find(store_file), std::string::npos) << last_log_;
}

TEST_F(CliInterfaceTest, BenchScoringPrintsTheFieldsOfIssue4) {
  json j;
  ASSERT_EQ(Run({"bench", "scoring", "--items", "2000", "--dim", "16", "--repetitions", "1", "--json"}, &j), 0)
      << last_log_;
  ExpectFields(j, {"items", "dim", "bandwidth_gb_per_s", "fp32_items_per_s", "quantized_items_per_s",
                   "eigen_items_per_s", "openblas_items_per_s", "quantized_top100_identical_fraction"});
  EXPECT_EQ(j["items"], 2000);
  EXPECT_EQ(j["dim"], 16);
  EXPECT_GT(j["fp32_items_per_s"].get<double>(), 0);
  EXPECT_GE(j["quantized_top100_identical_fraction"].get<double>(), 0.99);
}

TEST_F(CliInterfaceTest, BenchRetrievalPrintsTheFieldsOfIssue8) {
  json j;
  const std::string store = (dir_ / "synth").string();
  ASSERT_EQ(Run({"bench", "retrieval", "--items", "2000", "--dim", "16", "--bench_queries", "20", "--store_dir", store,
                 "--json"},
                &j),
            0)
      << last_log_;
  ExpectFields(j, {"items", "dim", "ann_recall@100", "ann_queries_per_s", "retrieve_p99_ms", "build_seconds",
                   "bytes_per_item"});
  EXPECT_EQ(j["items"], 2000);
  EXPECT_EQ(j["retrieve_errors"], 0);
  EXPECT_GE(j["ann_recall@100"].get<double>(), 0.95);
}

TEST_F(CliInterfaceTest, BenchRetrievalNeverReplacesAStoreThatIsNotSynthetic) {
  const std::filesystem::path keep = dir_ / "real" / "keep.txt";
  std::filesystem::create_directories(keep.parent_path());
  std::ofstream(keep) << "someone's data";
  json j;
  EXPECT_EQ(Run({"bench", "retrieval", "--items", "2000", "--dim", "16", "--bench_queries", "20", "--store_dir",
                 keep.parent_path().string(), "--json"},
                &j),
            2);
  EXPECT_NE(last_log_.find("will not replace it"), std::string::npos) << last_log_;
  EXPECT_EQ(ReadFileOrEmpty(keep.string()), "someone's data");
}

TEST_F(CliInterfaceTest, BenchFeedbackPrintsTheFieldsOfIssue7) {
  json j;
  ASSERT_EQ(Run({"bench", "feedback", "--clients", "2", "--seconds", "1", "--json"}, &j), 0) << last_log_;
  ExpectFields(j, {"clients", "acked_events_per_s", "p50_ms", "p99_ms", "durable"});
  EXPECT_EQ(j["clients"], 2);
  EXPECT_EQ(j["durable"], true);
  EXPECT_EQ(j["errors"], 0);
  EXPECT_GT(j["acked_events_per_s"].get<double>(), 0);
  // What one event cost the server it started (CPU and disk writes) and the client.
  ExpectFields(j, {"server_cpu_us_per_event", "server_disk_bytes_per_event", "client_cpu_us_per_event"});
  EXPECT_GT(j["server_cpu_us_per_event"].get<double>(), 0);
  EXPECT_GT(j["server_disk_bytes_per_event"].get<double>(), 0);  // a durable event reaches the disk
  EXPECT_GT(j["client_cpu_us_per_event"].get<double>(), 0);
}

}  // namespace
}  // namespace chatrec::testing
