#include "libs/dialogue/reranker.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "chatrec/v1/retrieval.pb.h"

namespace chatrec::dialogue {
namespace {

constexpr char kFormat[] = "chatrec-reranker";

// The per-candidate features, in order (Features() fills them in this order).
const std::vector<std::string>& BaseNames() {
  static const std::vector<std::string> kNames = {
      "score",       "need",          "kg",           "bias",          "user",          "item_item",
      "entity_item", "has_item_item", "has_entity_item", "log_position", "top10",        "top20",
      "src_vector",  "src_kg",        "src_attribute", "src_popular",   "src_cold_start", "src_trending",
      "src_co_occurrence", "src_item_item", "sources",  "wished_share",  "discussed",     "recommended",
      "never_recommended", "kg_rank_recip", "kg_top10", "item_item_rank_recip", "item_item_top10"};
  return kNames;
}
// Per-turn features; alone they are constant within a list, so they enter as products with the terms below.
const std::vector<std::string>& TurnNames() {
  static const std::vector<std::string> kNames = {"no_title", "titles_1_2", "titles_3plus", "genre", "person", "turn"};
  return kNames;
}
// The candidate features that are multiplied by each turn feature.
const std::vector<std::string>& CrossedNames() {
  static const std::vector<std::string> kNames = {"score",     "need",       "bias",          "item_item",
                                                  "entity_item", "log_position", "recommended", "wished_share",
                                                  "discussed", "src_item_item", "src_kg",      "src_vector"};
  return kNames;
}

int IndexOf(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<int>(std::find(names.begin(), names.end(), name) - names.begin());
}

bool AllFinite(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
}

}  // namespace

float LinearRanker::Score(const std::vector<float>& x) const {
  float s = 0;
  const size_t n = std::min(x.size(), weights.size());
  for (size_t j = 0; j < n; ++j) s += weights[j] * (x[j] - mean[j]) / scale[j];
  return s;
}

absl::StatusOr<LinearRanker> TrainPairwise(const std::vector<RerankGroup>& groups, const PairwiseOptions& o) {
  if (o.epochs < 0 || !(o.learning_rate > 0) || !(o.l2 >= 0)) {
    return absl::InvalidArgumentError("epochs must be >= 0, learning_rate > 0 and l2 >= 0");
  }
  size_t dim = 0;
  for (const auto& g : groups) {
    if (g.features.size() != g.relevant.size()) return absl::InvalidArgumentError("a group has features and labels of different lengths");
    for (const auto& x : g.features) {
      if (dim == 0) dim = x.size();
      if (x.size() != dim) return absl::InvalidArgumentError("feature rows of different lengths");
    }
  }
  if (dim == 0) return absl::InvalidArgumentError("no training rows");
  // Standardisation on all rows of the groups that take part.
  std::vector<size_t> usable;
  for (size_t i = 0; i < groups.size(); ++i) {
    const auto& r = groups[i].relevant;
    const auto pos = std::count(r.begin(), r.end(), 1);
    if (pos > 0 && pos < static_cast<long>(r.size())) usable.push_back(i);
  }
  if (usable.empty()) return absl::InvalidArgumentError("no group has both a relevant and an irrelevant item");
  LinearRanker m;
  m.mean.assign(dim, 0);
  m.scale.assign(dim, 1);
  m.weights.assign(dim, 0);
  std::vector<double> sum(dim, 0), sq(dim, 0);
  double rows = 0;
  for (size_t gi : usable) {
    for (const auto& x : groups[gi].features) {
      for (size_t j = 0; j < dim; ++j) sum[j] += x[j], sq[j] += static_cast<double>(x[j]) * x[j];
      rows += 1;
    }
  }
  for (size_t j = 0; j < dim; ++j) {
    const double mean = sum[j] / rows, var = std::max(0.0, sq[j] / rows - mean * mean);
    m.mean[j] = static_cast<float>(mean);
    m.scale[j] = var > 1e-20 ? static_cast<float>(std::sqrt(var)) : 1.f;
  }
  // Standardised copies of the usable groups.
  std::vector<std::vector<float>> z(usable.size());
  for (size_t u = 0; u < usable.size(); ++u) {
    const auto& g = groups[usable[u]];
    z[u].resize(g.features.size() * dim);
    for (size_t r = 0; r < g.features.size(); ++r) {
      for (size_t j = 0; j < dim; ++j) z[u][r * dim + j] = (g.features[r][j] - m.mean[j]) / m.scale[j];
    }
  }
  std::mt19937_64 rng(o.seed);
  std::vector<size_t> order(usable.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> w(dim, 0), grad(dim);
  std::vector<double> s, coef, discount;
  std::vector<size_t> rank_of;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    const double lr = o.learning_rate / std::sqrt(1.0 + epoch);
    for (size_t u : order) {
      const auto& rel = groups[usable[u]].relevant;
      const size_t n = rel.size();
      s.assign(n, 0);
      for (size_t r = 0; r < n; ++r) {
        const float* x = &z[u][r * dim];
        double v = 0;
        for (size_t j = 0; j < dim; ++j) v += w[j] * x[j];
        s[r] = v;
      }
      const double pos = static_cast<double>(std::count(rel.begin(), rel.end(), 1));
      const double neg = static_cast<double>(n) - pos;
      coef.assign(n, 0);
      // LambdaRank-style pair weights from the current ranks (kRankDiscount), normalised to mean 1.
      double weight_norm = 1;
      if (o.weighting == PairwiseOptions::Weighting::kRankDiscount) {
        rank_of.resize(n);
        std::iota(rank_of.begin(), rank_of.end(), 0);
        // Ties (as at the start) keep the engine's order, which is the order of the rows.
        std::stable_sort(rank_of.begin(), rank_of.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
        discount.resize(n);
        for (size_t r = 0; r < n; ++r) discount[rank_of[r]] = 1.0 / std::log2(2.0 + static_cast<double>(r));
        double total = 0;
        for (size_t p = 0; p < n; ++p) {
          if (!rel[p]) continue;
          for (size_t q = 0; q < n; ++q) {
            if (!rel[q]) total += std::abs(discount[p] - discount[q]);
          }
        }
        weight_norm = total > 0 ? pos * neg / total : 0;
      }
      for (size_t p = 0; p < n; ++p) {
        if (!rel[p]) continue;
        for (size_t q = 0; q < n; ++q) {
          if (rel[q]) continue;
          const double pair_weight = o.weighting == PairwiseOptions::Weighting::kRankDiscount
                                         ? weight_norm * std::abs(discount[p] - discount[q])
                                         : 1.0;
          // d/ds_p log(1 + exp(-(s_p - s_q))) = -sigmoid(-(s_p - s_q)).
          const double g = -pair_weight / (1.0 + std::exp(s[p] - s[q])) / (pos * neg);
          coef[p] += g;
          coef[q] -= g;
        }
      }
      std::fill(grad.begin(), grad.end(), 0);
      for (size_t r = 0; r < n; ++r) {
        if (coef[r] == 0) continue;
        const float* x = &z[u][r * dim];
        for (size_t j = 0; j < dim; ++j) grad[j] += coef[r] * x[j];
      }
      for (size_t j = 0; j < dim; ++j) w[j] -= lr * (grad[j] + o.l2 * w[j]);
    }
  }
  for (size_t j = 0; j < dim; ++j) m.weights[j] = static_cast<float>(w[j]);
  return m;
}

double PairwiseLoss(const LinearRanker& ranker, const std::vector<RerankGroup>& groups) {
  double total = 0;
  int used = 0;
  for (const auto& g : groups) {
    std::vector<double> s;
    for (const auto& x : g.features) s.push_back(ranker.Score(x));
    double pos = 0, neg = 0, loss = 0;
    for (uint8_t r : g.relevant) (r ? pos : neg) += 1;
    if (pos == 0 || neg == 0) continue;
    for (size_t p = 0; p < s.size(); ++p) {
      if (!g.relevant[p]) continue;
      for (size_t q = 0; q < s.size(); ++q) {
        if (!g.relevant[q]) loss += std::log1p(std::exp(-(s[p] - s[q])));
      }
    }
    total += loss / (pos * neg);
    ++used;
  }
  return used ? total / used : 0;
}

const std::vector<std::string>& Reranker::FeatureNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names = BaseNames();
    for (const auto& t : TurnNames()) {
      for (const auto& c : CrossedNames()) names.push_back(absl::StrCat(t, "*", c));
    }
    return names;
  }();
  return kNames;
}

std::vector<float> Reranker::Features(const RerankTurn& t, const RerankCandidate& c,
                                      const absl::flat_hash_map<int64_t, int>& recommended, int max_recommended) {
  const auto& b = c.breakdown;
  auto src = [&](v1::CandidateSource s) { return (c.sources >> static_cast<int>(s)) & 1u ? 1.f : 0.f; };
  auto rec = recommended.find(c.item_id);
  const int rec_count = rec == recommended.end() ? 0 : rec->second;
  const float item_item = b.item_item() - b.entity_item();
  std::vector<float> x = {
      c.score,
      b.need(),
      b.kg(),
      b.bias(),
      b.user(),
      item_item,
      b.entity_item(),
      item_item > 0 ? 1.f : 0.f,
      b.entity_item() > 0 ? 1.f : 0.f,
      std::log1p(static_cast<float>(c.position)),
      c.position < 10 ? 1.f : 0.f,
      c.position < 20 ? 1.f : 0.f,
      src(v1::CANDIDATE_SOURCE_VECTOR),
      src(v1::CANDIDATE_SOURCE_KG),
      src(v1::CANDIDATE_SOURCE_ATTRIBUTE),
      src(v1::CANDIDATE_SOURCE_POPULAR),
      src(v1::CANDIDATE_SOURCE_COLD_START),
      src(v1::CANDIDATE_SOURCE_TRENDING),
      src(v1::CANDIDATE_SOURCE_CO_OCCURRENCE),
      src(v1::CANDIDATE_SOURCE_ITEM_ITEM),
      static_cast<float>(__builtin_popcount(c.sources)),
      c.wished_share,
      c.discussed ? 1.f : 0.f,
      max_recommended > 0 ? std::log1p(static_cast<float>(rec_count)) / std::log1p(static_cast<float>(max_recommended))
                          : 0.f,
      rec_count == 0 ? 1.f : 0.f,
      c.kg_rank >= 0 ? 1.f / (1.f + static_cast<float>(c.kg_rank)) : 0.f,
      c.kg_rank >= 0 && c.kg_rank < 10 ? 1.f : 0.f,
      c.item_item_rank >= 0 ? 1.f / (1.f + static_cast<float>(c.item_item_rank)) : 0.f,
      c.item_item_rank >= 0 && c.item_item_rank < 10 ? 1.f : 0.f,
  };
  const float turn[] = {t.titles == 0 ? 1.f : 0.f,
                        t.titles >= 1 && t.titles <= 2 ? 1.f : 0.f,
                        t.titles >= 3 ? 1.f : 0.f,
                        t.genres > 0 ? 1.f : 0.f,
                        t.people > 0 ? 1.f : 0.f,
                        std::min(t.turn, 10) / 10.f};
  static const std::vector<int> crossed = [] {
    std::vector<int> idx;
    for (const auto& n : CrossedNames()) idx.push_back(IndexOf(BaseNames(), n));
    return idx;
  }();
  for (float tv : turn) {
    for (int i : crossed) x.push_back(tv * x[i]);
  }
  return x;
}

Reranker::Reranker(LinearRanker ranker, int depth, absl::flat_hash_map<int64_t, int> recommended, std::string info_json,
                   int source_top)
    : ranker_(std::move(ranker)),
      depth_(depth),
      source_top_(source_top),
      recommended_(std::move(recommended)),
      info_json_(std::move(info_json)) {
  for (const auto& [id, n] : recommended_) max_recommended_ = std::max(max_recommended_, n);
}

float Reranker::Score(const RerankTurn& turn, const RerankCandidate& c) const {
  return ranker_.Score(Features(turn, c, recommended_, max_recommended_));
}

std::vector<size_t> Reranker::Order(const RerankTurn& turn, const std::vector<RerankCandidate>& candidates) const {
  std::vector<size_t> order, rest;
  for (size_t i = 0; i < candidates.size(); ++i) (Reorders(candidates[i]) ? order : rest).push_back(i);
  std::vector<float> s(candidates.size());
  for (size_t i : order) s[i] = Score(turn, candidates[i]);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
  order.insert(order.end(), rest.begin(), rest.end());
  return order;
}

absl::StatusOr<Reranker> Reranker::Parse(const std::string& text, const std::string& name) {
  auto bad = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat("re-ranker file ", name, ": ", what,
                                                   " (write a new one with `chatrec train reranker`)"));
  };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (!j.contains("format") || j["format"] != kFormat) return bad(absl::StrCat("\"format\" is not \"", kFormat, "\""));
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != kFormatVersion) {
    return bad(absl::StrCat("format version ", j.contains("version") ? j["version"].dump() : "missing", ", this build reads ",
                            kFormatVersion));
  }
  try {
    const auto names = j.at("features").get<std::vector<std::string>>();
    LinearRanker file;
    file.mean = j.at("mean").get<std::vector<float>>();
    file.scale = j.at("scale").get<std::vector<float>>();
    file.weights = j.at("weights").get<std::vector<float>>();
    if (file.mean.size() != names.size() || file.scale.size() != names.size() || file.weights.size() != names.size()) {
      return bad("\"mean\", \"scale\" and \"weights\" must have one number per feature");
    }
    if (!AllFinite(file.mean) || !AllFinite(file.weights) || !AllFinite(file.scale) ||
        std::any_of(file.scale.begin(), file.scale.end(), [](float v) { return !(v > 0); })) {
      return bad("a weight, mean or scale is not a finite number (scales must be > 0)");
    }
    // Features are matched by name: a file written before a feature was added gives it weight 0
    // (so it ranks as it did); a feature this build no longer computes cannot be honoured.
    const auto& build = FeatureNames();
    LinearRanker r{std::vector<float>(build.size(), 0.f), std::vector<float>(build.size(), 1.f),
                   std::vector<float>(build.size(), 0.f)};
    absl::flat_hash_set<std::string> seen;
    for (size_t i = 0; i < names.size(); ++i) {
      const size_t at = std::find(build.begin(), build.end(), names[i]) - build.begin();
      if (at == build.size()) return bad(absl::StrCat("feature \"", names[i], "\" is not one this build computes"));
      if (!seen.insert(names[i]).second) return bad(absl::StrCat("feature \"", names[i], "\" is listed twice"));
      r.mean[at] = file.mean[i];
      r.scale[at] = file.scale[i];
      r.weights[at] = file.weights[i];
    }
    const int depth = j.at("depth").get<int>();
    if (depth < 1 || depth > 1000) return bad("\"depth\" must be 1..1000");
    const int source_top = j.contains("source_top") ? j.at("source_top").get<int>() : 0;
    if (source_top < 0 || source_top > 1000) return bad("\"source_top\" must be 0..1000");
    absl::flat_hash_map<int64_t, int> rec;
    const auto& counts = j.at("recommended");
    const auto ids = counts.at("item_ids").get<std::vector<int64_t>>();
    const auto ns = counts.at("counts").get<std::vector<int>>();
    if (ids.size() != ns.size()) return bad("\"recommended\" needs as many counts as item ids");
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ns[i] < 0) return bad("a negative count in \"recommended\"");
      rec[ids[i]] = ns[i];
    }
    std::string info = j.contains("training") ? j["training"].dump() : "{}";
    return Reranker(std::move(r), depth, std::move(rec), std::move(info), source_top);
  } catch (const nlohmann::json::exception& e) {
    return bad(absl::StrCat("missing or mistyped field: ", e.what()));
  }
}

std::string Reranker::PathFor(const std::string& flag, const std::string& store_root) {
  if (flag == "none") return "";
  if (!flag.empty()) return flag;
  const std::string stored = store_root + "/" + kStoreFile;
  return std::filesystem::exists(stored) ? stored : "";
}

absl::StatusOr<Reranker> Reranker::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open re-ranker file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

absl::Status Reranker::Save(const std::string& path) const {
  nlohmann::json j;
  j["format"] = kFormat;
  j["version"] = kFormatVersion;
  j["depth"] = depth_;
  j["source_top"] = source_top_;
  j["features"] = FeatureNames();
  j["mean"] = ranker_.mean;
  j["scale"] = ranker_.scale;
  j["weights"] = ranker_.weights;
  std::vector<std::pair<int64_t, int>> rec(recommended_.begin(), recommended_.end());
  std::sort(rec.begin(), rec.end());
  std::vector<int64_t> ids;
  std::vector<int> counts;
  for (const auto& [id, n] : rec) ids.push_back(id), counts.push_back(n);
  j["recommended"] = {{"item_ids", ids}, {"counts", counts}};
  nlohmann::json info = nlohmann::json::parse(info_json_, nullptr, false);
  j["training"] = info.is_discarded() ? nlohmann::json::object() : info;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
    out << j.dump(1) << "\n";
    if (!out.good()) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot rename ", tmp, " to ", path, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace chatrec::dialogue
