// `chatrec eval`: offline top-k evaluation of our model and of baselines on one split.
//
//   chatrec eval [--protocol chatrec|loo] [--seed N]        split generated from ml-100k/u.data
//   chatrec eval --train FILE --test FILE [--protocol ...]  split given as u.data-format files
//   --json prints one object: {"protocol", "split", "models": {name: {metric: value}}, "fit_seconds", "reference"}
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "libs/catalog/movielens.h"
#include "libs/eval/baselines.h"
#include "libs/eval/ours.h"
#include "libs/eval/rating.h"
#include "libs/eval/split.h"
#include "tools/chatrec/commands.h"
#include "tools/chatrec/flags.h"
#include "tools/chatrec/kg_flags.h"

ABSL_FLAG(std::string, protocol, "chatrec", "chatrec (20% of each user's >=4 ratings held out) or loo (last one out)");
ABSL_FLAG(std::string, train, "", "Training ratings in u.data format (with --test; default: split u.data by --seed)");
ABSL_FLAG(std::string, test, "", "Test ratings in u.data format (with --train)");
ABSL_FLAG(double, test_fraction, 0.2, "Protocol chatrec: share of each user's positives held out");
ABSL_FLAG(std::string, methods, "all", "Comma-separated methods, or all: pop,itemknn,bpr,ease,ours and ours-* ablations");
ABSL_FLAG(double, ease_lambda, 250, "EASE L2 regularisation");
ABSL_FLAG(int, knn_neighbours, 200, "ItemKNN neighbours kept per item");
ABSL_FLAG(int, bpr_epochs, 100, "BPR-MF epochs");
ABSL_FLAG(int, bpr_dim, 64, "BPR-MF dimension");
ABSL_DECLARE_FLAG(int, dim);
ABSL_DECLARE_FLAG(int, iterations);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(int, threads);
ABSL_DECLARE_FLAG(double, alpha);
ABSL_DECLARE_FLAG(double, lambda);
ABSL_DECLARE_FLAG(double, validation_fraction);
ABSL_DECLARE_FLAG(int, patience);
ABSL_DECLARE_FLAG(std::string, head);
ABSL_DECLARE_FLAG(double, kg_ridge);
ABSL_FLAG(bool, rating, true, "Also evaluate rating prediction (RMSE/MAE): our biased-MF head against ItemKNN and baselines");
ABSL_FLAG(int, rating_dim, 32, "Rating head (biased MF, ALS-WR): dimension");
ABSL_FLAG(double, rating_lambda, 0.13, "Rating head: weighted-lambda regularisation of the factors");
ABSL_FLAG(double, rating_bias_lambda, 2, "Rating head: ridge on the user and item biases");
ABSL_FLAG(int, rating_iterations, 15, "Rating head: ALS iterations");
ABSL_FLAG(double, bpr_lr, 0.05, "BPR-MF learning rate");
ABSL_FLAG(double, bpr_reg, 0.01, "BPR-MF L2 regularisation");

namespace chatrec::cli {
namespace {

struct Reference {
  const char* name;
  double p5, r5, n5;
};
// Published ML-100K top-5 numbers (Chat-Rec paper, Gao et al. 2023). Not our split.
constexpr Reference kReferences[] = {{"LightGCN (published)", 0.3030, 0.1455, 0.3425},
                                     {"Chat-Rec davinci-003 (published)", 0.3240, 0.1404, 0.3802}};
// Published ML-100K rating prediction RMSE (Chat-Rec paper). Not our split.
constexpr std::pair<const char*, double> kRatingReferences[] = {{"Item-KNN (published)", 0.933},
                                                               {"Chat-Rec (published)", 0.785}};

std::vector<std::unique_ptr<eval::Recommender>> MakeMethods(const catalog::Catalog& catalog,
                                                            std::shared_ptr<const model::KgEmbedding> kg) {
  std::vector<std::unique_ptr<eval::Recommender>> all;
  all.push_back(std::make_unique<eval::MostPopular>());
  all.push_back(std::make_unique<eval::ItemKnn>(absl::GetFlag(FLAGS_knn_neighbours)));
  eval::BprOptions bpr;
  bpr.dim = absl::GetFlag(FLAGS_bpr_dim);
  bpr.epochs = absl::GetFlag(FLAGS_bpr_epochs);
  bpr.seed = absl::GetFlag(FLAGS_seed);
  bpr.learning_rate = static_cast<float>(absl::GetFlag(FLAGS_bpr_lr));
  bpr.reg = static_cast<float>(absl::GetFlag(FLAGS_bpr_reg));
  all.push_back(std::make_unique<eval::BprMf>(bpr));
  all.push_back(std::make_unique<eval::Ease>(absl::GetFlag(FLAGS_ease_lambda)));
  auto shared = std::make_shared<eval::OursShared>();
  shared->catalog = &catalog;
  shared->options.dim = absl::GetFlag(FLAGS_dim);
  shared->options.iterations = absl::GetFlag(FLAGS_iterations);
  shared->options.seed = absl::GetFlag(FLAGS_seed);
  shared->options.threads = absl::GetFlag(FLAGS_threads);
  shared->options.alpha = static_cast<float>(absl::GetFlag(FLAGS_alpha));
  shared->options.lambda = static_cast<float>(absl::GetFlag(FLAGS_lambda));
  shared->options.validation_fraction = absl::GetFlag(FLAGS_validation_fraction);
  shared->options.patience = absl::GetFlag(FLAGS_patience);
  shared->options.kg = std::move(kg);
  shared->options.kg_ridge = static_cast<float>(absl::GetFlag(FLAGS_kg_ridge));
  shared->options.kg_source = KgSource().value_or("none");
  shared->options.head = absl::GetFlag(FLAGS_head);
  auto ours = [&](const char* name, bool u, bool q, bool h, bool b) {
    all.push_back(std::make_unique<eval::OursRecommender>(name, shared, eval::OursTerms{u, q, h, b}));
  };
  ours("ours", true, true, true, true);
  ours("ours-u", true, false, false, true);        // behaviour only: the fold-in user vector + bias
  ours("ours-no-q", true, false, true, true);
  ours("ours-no-h", true, true, false, true);
  ours("ours-no-bias", true, true, true, false);
  ours("ours-q+h", false, true, true, true);       // no behaviour vector: genres + KG context only
  ours("ours-h", false, false, true, false);       // the KG context alone
  return all;
}

std::string Cell(const std::map<std::string, double>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? "" : absl::StrFormat("%.4f", it->second);
}

}  // namespace

int EvalCommand(const std::vector<std::string>&) {
  auto protocol = eval::ParseProtocol(absl::GetFlag(FLAGS_protocol));
  if (!protocol.ok()) return std::fprintf(stderr, "%s\n", protocol.status().message().data()), 2;
  const std::string train_file = absl::GetFlag(FLAGS_train), test_file = absl::GetFlag(FLAGS_test);
  if (train_file.empty() != test_file.empty()) return std::fprintf(stderr, "--train and --test go together\n"), 2;
  const bool json = absl::GetFlag(FLAGS_json);

  const std::string ml_dir = DataDir() + "/ml-100k";
  auto data = catalog::LoadMovieLens(ml_dir, DataDir() + "/ml-100k-kg-dbpedia");
  if (!data.ok()) return std::fprintf(stderr, "loading the data failed: %s\n", data.status().ToString().c_str()), 1;
  auto catalog = catalog::Catalog::Create(data->catalog.items, data->catalog.entities, data->catalog.meta);
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str()), 1;

  eval::SplitOptions so;
  so.protocol = *protocol;
  so.seed = absl::GetFlag(FLAGS_seed);
  so.test_fraction = absl::GetFlag(FLAGS_test_fraction);
  eval::IdMaps maps;
  maps.num_items = (*catalog)->size();
  for (int32_t r = 0; r < (*catalog)->size(); ++r) maps.item_row[(*catalog)->item(r).id()] = r;
  eval::Split split;
  eval::RatingSplit rating_split;  // all held-out ratings, for RMSE/MAE
  int64_t unknown = 0;
  if (!train_file.empty()) {
    auto train = eval::ReadUDataFile(train_file, &maps, &unknown);
    if (!train.ok()) return std::fprintf(stderr, "%s\n", train.status().ToString().c_str()), 2;
    auto test = eval::ReadUDataFile(test_file, &maps, &unknown);
    if (!test.ok()) return std::fprintf(stderr, "%s\n", test.status().ToString().c_str()), 2;
    split = eval::SplitFromLists(*train, *test, static_cast<int32_t>(maps.user_index.size()), maps.num_items, so);
    rating_split.train = *train;
    rating_split.test = *test;
  } else {
    std::vector<eval::RatingEvent> ratings;
    for (const auto& r : data->ratings) {
      int32_t row = (*catalog)->RowOf(r.item_id);
      if (row < 0) {
        ++unknown;
        continue;
      }
      int32_t u = maps.user_index.emplace(r.user_id, static_cast<int32_t>(maps.user_index.size())).first->second;
      ratings.push_back({u, row, static_cast<float>(r.rating), r.timestamp_s});
    }
    split = eval::MakeSplit(ratings, static_cast<int32_t>(maps.user_index.size()), maps.num_items, so);
    rating_split = eval::MakeRatingSplit(ratings, static_cast<int32_t>(maps.user_index.size()), so.test_fraction,
                                         so.seed);
  }
  if (split.test_users() == 0) return std::fprintf(stderr, "the split has no test positives\n"), 1;
  const eval::TrainData train = eval::TrainData::From(split);
  if (!json) {
    std::printf("protocol %s, %s: %d users, %d items, %zu training ratings, %lld test positives of %lld users\n",
                eval::ProtocolName(split.protocol), train_file.empty() ? "seeded split" : "split from files",
                split.num_users, split.num_items, split.train.size(), static_cast<long long>(split.test_positives()),
                static_cast<long long>(split.test_users()));
  }

  std::string wanted = absl::GetFlag(FLAGS_methods);
  std::vector<std::string> wanted_list = absl::StrSplit(wanted, ',', absl::SkipEmpty());
  eval::EvalOptions eo;
  eo.threads = absl::GetFlag(FLAGS_threads);
  if (split.protocol == eval::Protocol::kLeaveLastOut) eo.ks = {5, 10, 20};
  nlohmann::json out, models = nlohmann::json::object(), fit_seconds = nlohmann::json::object();
  std::vector<std::pair<std::string, std::map<std::string, double>>> rows;
  // The KG embeddings are trained once, up front, for every variant of ours.
  std::shared_ptr<const model::KgEmbedding> kg;
  if (wanted == "all" || wanted.find("ours") != std::string::npos) {
    auto start = std::chrono::steady_clock::now();
    auto trained = TrainKgFromFlags(**catalog, /*verbose=*/!json);
    if (!trained.ok()) return std::fprintf(stderr, "%s\n", trained.status().ToString().c_str()), 2;
    kg = *trained;
    fit_seconds["kg-embedding"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  for (auto& method : MakeMethods(**catalog, kg)) {
    if (wanted != "all" && std::find(wanted_list.begin(), wanted_list.end(), method->name()) == wanted_list.end()) {
      continue;
    }
    auto start = std::chrono::steady_clock::now();
    if (auto s = method->Fit(train); !s.ok()) {
      return std::fprintf(stderr, "%s failed: %s\n", method->name().c_str(), s.ToString().c_str()), 1;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto metrics = eval::Evaluate(*method, split, train, eo);
    if (!json) std::fprintf(stderr, "  %-13s fitted in %.1f s, ndcg@10 %.4f\n", method->name().c_str(), secs, metrics["ndcg@10"]);
    models[method->name()] = metrics;
    fit_seconds[method->name()] = secs;
    rows.emplace_back(method->name(), std::move(metrics));
  }

  nlohmann::json rating = nlohmann::json::object();
  std::map<std::string, std::map<std::string, double>> rating_rows;
  if (absl::GetFlag(FLAGS_rating) && !rating_split.test.empty()) {
    model::RatingMfOptions mf;
    mf.dim = absl::GetFlag(FLAGS_rating_dim);
    mf.lambda = static_cast<float>(absl::GetFlag(FLAGS_rating_lambda));
    mf.bias_lambda = static_cast<float>(absl::GetFlag(FLAGS_rating_bias_lambda));
    mf.iterations = absl::GetFlag(FLAGS_rating_iterations);
    mf.seed = absl::GetFlag(FLAGS_seed);
    mf.threads = absl::GetFlag(FLAGS_threads);
    rating_rows = eval::EvaluateRatings(rating_split, split.num_users, split.num_items, mf);
    rating["split"] = {{"source", train_file.empty() ? "seed" : "files"},
                       {"train_ratings", rating_split.train.size()},
                       {"test_ratings", rating_split.test.size()}};
    rating["models"] = rating_rows;
    nlohmann::json ref = nlohmann::json::object();
    for (const auto& [name, rmse] : kRatingReferences) ref[name] = {{"rmse", rmse}};
    rating["reference"] = ref;
  }

  if (json) {
    out["protocol"] = eval::ProtocolName(split.protocol);
    out["split"] = {{"source", train_file.empty() ? "seed" : "files"},
                    {"seed", absl::GetFlag(FLAGS_seed)},
                    {"train_file", train_file},
                    {"test_file", test_file},
                    {"users", split.num_users},
                    {"items", split.num_items},
                    {"train_ratings", split.train.size()},
                    {"test_users", split.test_users()},
                    {"test_positives", split.test_positives()},
                    {"dropped_test_pairs", split.dropped_test_pairs},
                    {"unknown_item_lines", unknown}};
    out["models"] = models;
    out["fit_seconds"] = fit_seconds;
    nlohmann::json ref = nlohmann::json::object();
    for (const auto& r : kReferences) ref[r.name] = {{"precision@5", r.p5}, {"recall@5", r.r5}, {"ndcg@5", r.n5}};
    out["reference"] = ref;
    if (!rating.empty()) out["rating"] = rating;
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::vector<std::string> cols;
  if (split.protocol == eval::Protocol::kChatRec) {
    cols = {"precision@5", "recall@5", "ndcg@5", "precision@10", "recall@10", "ndcg@10",
            "precision@20", "recall@20", "ndcg@20", "coverage@20"};
  } else {
    cols = {"hr@10", "ndcg@10", "hr@20", "ndcg@20", "coverage@10"};
  }
  std::printf("%-34s", "method");
  for (const auto& c : cols) std::printf(" %12s", c.c_str());
  std::printf("\n");
  for (const auto& [name, m] : rows) {
    std::printf("%-34s", name.c_str());
    for (const auto& c : cols) std::printf(" %12s", Cell(m, c).c_str());
    std::printf("\n");
  }
  if (split.protocol == eval::Protocol::kChatRec) {
    for (const auto& r : kReferences) {
      std::map<std::string, double> m = {{"precision@5", r.p5}, {"recall@5", r.r5}, {"ndcg@5", r.n5}};
      std::printf("%-34s", r.name);
      for (const auto& c : cols) std::printf(" %12s", Cell(m, c).c_str());
      std::printf("\n");
    }
    std::printf("(published numbers are from the Chat-Rec paper's own split, shown for context only)\n");
  }
  if (!rating_rows.empty()) {
    std::printf("\nrating prediction, %zu training and %zu held-out ratings (%s)\n", rating_split.train.size(),
                rating_split.test.size(), train_file.empty() ? "seeded: a share of each user's ratings" : "test file");
    std::printf("%-34s %12s %12s %12s\n", "method", "rmse", "mae", "fit seconds");
    for (const auto& [name, m] : rating_rows) {
      std::printf("%-34s %12.4f %12.4f %12.1f\n", name.c_str(), m.at("rmse"), m.at("mae"), m.at("fit_seconds"));
    }
    for (const auto& [name, rmse] : kRatingReferences) std::printf("%-34s %12.4f\n", name, rmse);
  }
  return 0;
}

}  // namespace chatrec::cli
