#include "libs/model/trainer.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>
#include <thread>

#include "absl/strings/str_cat.h"
#include "libs/eval/metrics.h"
#include "libs/model/fold.h"
#include "libs/model/offline_context.h"
#include "libs/model/parallel.h"

namespace chatrec::model {
namespace {

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Entry {
  int32_t other;
  float pref;
  float extra;  // c - 1
};


// Solves every row of `out` against the fixed factors `fixed`, in parallel. Each row is
// solved independently, so the result does not depend on the thread count.
void SolveSide(const std::vector<std::vector<Entry>>& lists, const Mat& fixed, float lambda, int threads, Mat* out) {
  const int d = static_cast<int>(fixed.cols());
  Mat gram = fixed.transpose() * fixed;
  ParallelFor(lists.size(), threads, [&](size_t begin, size_t end) {
    Mat m(d, d);
    Eigen::VectorXf rhs(d);
    for (size_t r = begin; r < end; ++r) {
      if (lists[r].empty()) {
        out->row(r).setZero();
        continue;
      }
      m = gram;
      m.diagonal().array() += lambda;
      rhs.setZero();
      for (const Entry& e : lists[r]) {
        auto y = fixed.row(e.other);
        m.noalias() += e.extra * y.transpose() * y;
        rhs.noalias() += (1.f + e.extra) * e.pref * y.transpose();
      }
      out->row(r) = m.ldlt().solve(rhs).transpose();
    }
  });
}

double Loss(const std::vector<std::vector<Entry>>& by_user, const Mat& users, const Mat& items, float lambda) {
  // Σ over all pairs of c (p - uᵀy)²: the unobserved pairs (c = 1, p = 0) come from
  // the Gram trick  Σ_all (uᵀy)² = uᵀ (YᵀY) u, then the observed ones are corrected.
  Mat gram = items.transpose() * items;
  double loss = 0;
  int64_t observed = 0;
  for (size_t u = 0; u < by_user.size(); ++u) {
    auto x = users.row(u);
    loss += x * gram * x.transpose();
    for (const Entry& e : by_user[u]) {
      double s = x.dot(items.row(e.other));
      loss += (1.0 + e.extra) * (e.pref - s) * (e.pref - s) - s * s;
      ++observed;
    }
  }
  loss += lambda * (users.squaredNorm() + items.squaredNorm());
  return loss / std::max<int64_t>(observed, 1);
}

std::vector<float> ScaledIdentity(int d, float s) {
  std::vector<float> v(static_cast<size_t>(d) * d, 0.f);
  for (int i = 0; i < d; ++i) v[static_cast<size_t>(i) * d + i] = s;
  return v;
}

struct Scales {
  float need, kg, bias;
};

// M (kg_dim x d): ridge regression of the item vectors on the items' KG embeddings,
// so that hᵀM is a point in item space. Items without a KG embedding are left out.
Mat FitKgMap(const catalog::Catalog& catalog, const Mat& items, const KgEmbedding& kg, float ridge) {
  const int k = kg.dim, d = static_cast<int>(items.cols());
  absl::flat_hash_map<std::string, int32_t> row_of;
  for (int32_t i = 0; i < static_cast<int32_t>(kg.entity_ids.size()); ++i) row_of[kg.entity_ids[i]] = i;
  Mat ete = Mat::Zero(k, k), ety = Mat::Zero(k, d);
  for (int32_t r = 0; r < catalog.size(); ++r) {
    auto it = row_of.find(catalog::ItemEntityId(catalog.item(r).id()));
    if (it == row_of.end()) continue;
    Eigen::Map<const Eigen::RowVectorXf> e(kg.entity(it->second), k);
    ete.noalias() += e.transpose() * e;
    ety.noalias() += e.transpose() * items.row(r);
  }
  ete.diagonal().array() += ridge;
  return ete.ldlt().solve(ety);
}

// The model from trained item factors: bias prior, A/B/C, entity centroids.
Model BuildModel(const catalog::Catalog& catalog, const Mat& items, const std::vector<double>& popularity,
                 const TrainOptions& o, const Scales& scales) {
  const int d = static_cast<int>(items.cols());
  const int32_t n_items = catalog.size();
  Model m;
  m.dim = d;
  m.als_lambda = o.lambda;
  m.als_alpha = o.alpha;
  for (int32_t r = 0; r < n_items; ++r) m.item_ids.push_back(catalog.item(r).id());
  m.item_vectors.assign(items.data(), items.data() + items.size());
  double max_pop = 1;
  for (double p : popularity) max_pop = std::max(max_pop, p);
  for (double p : popularity) m.item_bias.push_back(static_cast<float>(scales.bias * std::log1p(p) / std::log1p(max_pop)));
  Mat gram = items.transpose() * items;
  m.gram.assign(gram.data(), gram.data() + gram.size());
  m.a = ScaledIdentity(d, 1.f);
  m.b = ScaledIdentity(d, scales.need);
  if (o.kg) {
    Mat map = FitKgMap(catalog, items, *o.kg, o.kg_ridge) * scales.kg;
    m.c.assign(map.data(), map.data() + map.size());
    m.kg_dim = o.kg->dim;
    m.kg_method = "transe";
    m.kg_source = o.kg_source;
    m.kg_epochs = o.kg->epochs;
    m.kg_entity_ids = o.kg->entity_ids;
    m.kg_entity_vectors = o.kg->entity_vectors;
    m.kg_relation_ids = o.kg->relation_ids;
    m.kg_relation_vectors = o.kg->relation_vectors;
  } else {
    m.c = ScaledIdentity(d, scales.kg);
  }
  // Entity embeddings: centroid of the linked items' embeddings, rescaled to the
  // mean item norm so that a genre with 500 items weighs as much as a director with 3.
  double mean_norm = 0;
  for (int32_t r = 0; r < n_items; ++r) mean_norm += items.row(r).norm();
  mean_norm /= std::max(n_items, 1);
  for (const auto& e : catalog.entities()) {
    const auto& rows = catalog.RowsWithEntity(e.id());
    if (rows.empty()) continue;
    Eigen::RowVectorXf centroid = Eigen::RowVectorXf::Zero(d);
    for (int32_t r : rows) centroid += items.row(r);
    float norm = centroid.norm();
    if (norm <= 0) continue;
    centroid *= static_cast<float>(mean_norm) / norm;
    m.entity_ids.push_back(e.id());
    m.entity_vectors.insert(m.entity_vectors.end(), centroid.data(), centroid.data() + d);
  }
  m.Index();
  return m;
}

// Held-out liked items per user, seeded per user so that the split does not depend on
// the order of the interactions.
struct Holdout {
  std::vector<Interaction> train;
  std::vector<std::vector<int32_t>> held;  // per user, ascending rows
  int64_t users = 0;
};

Holdout HoldOut(const std::vector<Interaction>& interactions, int32_t num_users, const TrainOptions& o) {
  std::vector<std::vector<int32_t>> liked(num_users);
  for (const auto& it : interactions) {
    if (it.signal.preference > 0 && it.signal.strength >= 0.6f) liked[it.user].push_back(it.row);
  }
  Holdout h;
  h.held.resize(num_users);
  for (int32_t u = 0; u < num_users; ++u) {
    auto& l = liked[u];
    std::sort(l.begin(), l.end());
    std::mt19937_64 rng(o.seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(u) + 1);
    std::shuffle(l.begin(), l.end(), rng);
    size_t n = static_cast<size_t>(std::llround(o.validation_fraction * static_cast<double>(l.size())));
    if (n >= l.size()) n = 0;  // keep something to learn the user from
    h.held[u].assign(l.begin(), l.begin() + n);
    std::sort(h.held[u].begin(), h.held[u].end());
    h.users += n > 0;
  }
  for (const auto& it : interactions) {
    const auto& held = h.held[it.user];
    if (!std::binary_search(held.begin(), held.end(), it.row)) h.train.push_back(it);
  }
  return h;
}

// Ranks every item the user has not interacted with; returns the top k rows.
std::vector<int32_t> TopK(const std::vector<float>& scores, const std::vector<Entry>& seen, int k) {
  std::vector<char> masked(scores.size(), 0);
  for (const Entry& e : seen) masked[e.other] = 1;
  std::vector<int32_t> rows;
  for (int32_t i = 0; i < static_cast<int32_t>(scores.size()); ++i) {
    if (!masked[i]) rows.push_back(i);
  }
  size_t n = std::min<size_t>(k, rows.size());
  std::partial_sort(rows.begin(), rows.begin() + n, rows.end(), [&](int32_t a, int32_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
  });
  rows.resize(n);
  return rows;
}

// Mean NDCG@10 and P@5 over users with held-out items, for per-user scoring vectors
// w_u (n_users x d) and an optional bias.
std::pair<double, double> Validate(const Mat& w, const Mat& items, const std::vector<float>& bias,
                                   const std::vector<std::vector<Entry>>& by_user, const Holdout& h, int threads) {
  const int32_t n_users = static_cast<int32_t>(by_user.size());
  std::vector<double> ndcg(n_users, 0), p5(n_users, 0);
  ParallelFor(n_users, threads, [&](size_t begin, size_t end) {
    std::vector<float> scores(items.rows());
    for (size_t u = begin; u < end; ++u) {
      if (h.held[u].empty()) continue;
      Eigen::Map<Eigen::VectorXf>(scores.data(), items.rows()) = items * w.row(u).transpose();
      if (!bias.empty()) {
        for (size_t i = 0; i < scores.size(); ++i) scores[i] += bias[i];
      }
      auto top = TopK(scores, by_user[u], 10);
      ndcg[u] = eval::NdcgAt(top, h.held[u], 10);
      p5[u] = eval::PrecisionAt(top, h.held[u], 5);
    }
  });
  double n = 0, p = 0;
  for (int32_t u = 0; u < n_users; ++u) n += ndcg[u], p += p5[u];
  return {n / std::max<int64_t>(h.users, 1), p / std::max<int64_t>(h.users, 1)};
}

std::vector<std::vector<Entry>> ByUser(const std::vector<Interaction>& interactions, int32_t num_users, float alpha) {
  std::vector<std::vector<Entry>> by_user(num_users);
  for (const auto& it : interactions) by_user[it.user].push_back({it.row, it.signal.preference, alpha * it.signal.strength});
  return by_user;
}

std::vector<std::vector<Entry>> ByItem(const std::vector<Interaction>& interactions, int32_t n_items, float alpha) {
  std::vector<std::vector<Entry>> by_item(n_items);
  for (const auto& it : interactions) by_item[it.row].push_back({it.user, it.signal.preference, alpha * it.signal.strength});
  return by_item;
}

Mat InitItems(int32_t n_items, int d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> init(0.f, 0.1f / std::sqrt(static_cast<float>(d)));
  Mat items(n_items, d);
  for (int64_t i = 0; i < items.size(); ++i) items.data()[i] = init(rng);
  return items;
}

}  // namespace

absl::StatusOr<Model> TrainModel(const catalog::Catalog& catalog, int32_t num_users,
                                 const std::vector<Interaction>& interactions, const TrainOptions& o,
                                 const TrainProgressFn& progress, const TrainLogFn& log) {
  const int d = o.dim;
  const int32_t n_items = catalog.size();
  if (d < 2 || d > 1024) return absl::InvalidArgumentError("dim must be in 2..1024");
  if (o.iterations < 1) return absl::InvalidArgumentError("iterations must be at least 1");
  if (o.validation_fraction < 0 || o.validation_fraction >= 1) {
    return absl::InvalidArgumentError("validation_fraction must be in [0, 1)");
  }
  if (interactions.empty()) return absl::FailedPreconditionError("no interactions to train on; run `chatrec import`");
  std::vector<double> popularity(n_items, 0);
  for (const auto& it : interactions) {
    if (it.user < 0 || it.user >= num_users || it.row < 0 || it.row >= n_items) {
      return absl::InvalidArgumentError(absl::StrCat("interaction out of range: user ", it.user, " row ", it.row));
    }
    if (it.signal.preference > 0) popularity[it.row] += 1;
  }
  Scales scales{o.need_weight, o.kg_weight, o.bias_weight};
  std::map<std::string, double> metrics;
  int iterations = o.iterations;

  // Phase 1 (optional): train on a holdout, pick the iteration count and the scales.
  Holdout h;
  if (o.validation_fraction > 0) h = HoldOut(interactions, num_users, o);
  if (h.users > 0) {
    auto by_user = ByUser(h.train, num_users, o.alpha);
    auto by_item = ByItem(h.train, n_items, o.alpha);
    std::vector<double> train_pop(n_items, 0);
    for (const auto& it : h.train) train_pop[it.row] += it.signal.preference > 0;
    Mat users(num_users, d), items = InitItems(n_items, d, o.seed), best_items;
    double best = -1;
    int best_it = 0;
    for (int it = 1; it <= o.iterations; ++it) {
      SolveSide(by_user, items, o.lambda, o.threads, &users);
      SolveSide(by_item, users, o.lambda, o.threads, &items);
      Mat fresh(num_users, d);  // the fold-in for the final items: what a service would compute
      SolveSide(by_user, items, o.lambda, o.threads, &fresh);
      double ndcg = Validate(fresh, items, {}, by_user, h, o.threads).first;
      bool improved = ndcg > best;
      if (improved) best = ndcg, best_it = it, best_items = items;
      double loss = Loss(by_user, users, items, o.lambda);
      if (log) log({"validation", it, o.iterations, loss, ndcg, improved});
      if (progress) progress(it, o.iterations * 2, loss);
      if (it - best_it >= o.patience) break;
    }
    iterations = best_it;
    metrics["val_ndcg@10_user_term"] = best;
    metrics["best_iteration"] = best_it;

    // Score every validation user with the full fold (u, q from favourite genres,
    // h from recent liked items) and tune the term scales by coordinate ascent.
    Model val = BuildModel(catalog, best_items, train_pop, o, {1.f, 1.f, 1.f});
    std::vector<std::vector<HistoryEntry>> history(num_users);
    {
      std::vector<Interaction> sorted = h.train;
      std::stable_sort(sorted.begin(), sorted.end(), [](const Interaction& a, const Interaction& b) {
        return a.user != b.user ? a.user < b.user : a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.row < b.row;
      });
      for (const auto& it : sorted) history[it.user].push_back({it.row, it.signal});
    }
    Mat wu = Mat::Zero(num_users, d), wq = wu, wh = wu;
    ParallelFor(num_users, o.threads, [&](size_t begin, size_t end) {
      for (size_t u = begin; u < end; ++u) {
        if (h.held[u].empty()) continue;
        FoldedQuery f = FoldHistory(val, catalog, history[u]);
        if (f.user.size() == static_cast<size_t>(d)) wu.row(u) = Eigen::Map<const Eigen::RowVectorXf>(f.user.data(), d);
        wq.row(u) = Eigen::Map<const Eigen::RowVectorXf>(f.need.data(), d);
        wh.row(u) = Eigen::Map<const Eigen::RowVectorXf>(f.kg.data(), d);
      }
    });
    std::vector<float> unit_bias = val.item_bias;  // bias scale 1
    auto score = [&](const Scales& s) {
      std::vector<float> b(unit_bias.size());
      for (size_t i = 0; i < b.size(); ++i) b[i] = s.bias * unit_bias[i];
      Mat w = wu + s.need * wq + s.kg * wh;
      return Validate(w, best_items, b, by_user, h, o.threads);
    };
    auto [ndcg, p5] = score(scales);
    if (o.tune_scales && o.head == "bpr") {
      std::vector<HeadUser> head_users(num_users);
      ParallelFor(num_users, o.threads, [&](size_t begin, size_t end) {
        for (size_t u = begin; u < end; ++u) {
          if (h.held[u].empty()) continue;
          HeadUser& hu = head_users[u];
          hu.features.resize(n_items, 4);
          hu.features.col(0) = best_items * wu.row(u).transpose();
          hu.features.col(1) = best_items * wq.row(u).transpose();
          hu.features.col(2) = best_items * wh.row(u).transpose();
          hu.features.col(3) = Eigen::Map<const Eigen::VectorXf>(unit_bias.data(), n_items);
          for (const Entry& e : by_user[u]) hu.seen.push_back(e.other);
          std::sort(hu.seen.begin(), hu.seen.end());
          hu.held = h.held[u];
        }
      });
      HeadOptions ho;
      ho.epochs = o.head_epochs;
      ho.seed = o.seed;
      ho.threads = o.threads;
      HeadResult r = TrainHead(head_users, {1.f, scales.need, scales.kg, scales.bias}, ho, [&](const HeadEpochLog& l) {
        if (log) log({"head", l.epoch, l.epochs, l.loss, l.val_ndcg10, l.best});
      });
      // A = aI is applied by dividing out a: the ranking is the same and u keeps its scale.
      scales = {r.weights.b / r.weights.a, r.weights.c / r.weights.a, r.weights.bias / r.weights.a};
      metrics["head_bpr"] = 1;
      metrics["head_epochs"] = r.epochs;
      metrics["head_best_epoch"] = r.best_epoch;
      metrics["head_a"] = r.weights.a;
      metrics["head_val_ndcg@10_start"] = r.start_ndcg10;
      metrics["head_val_ndcg@10"] = r.val_ndcg10;
      std::tie(ndcg, p5) = score(scales);
    } else if (o.tune_scales) {
      // B and C keep a floor: offline, q is only the user's favourite genres and h the recent
      // liked titles (already in u), while in a dialogue they carry what the person asked for
      // or just mentioned, which must not be ignored.
      const std::vector<float> need_grid = {0.25f, 0.5f, 1.f, 2.f};
      const std::vector<float> kg_grid = {0.25f, 0.5f, 1.f, 2.f};
      const std::vector<float> bias_grid = {0.f, 0.025f, 0.05f, 0.1f, 0.2f, 0.4f};
      for (int round = 0; round < 2; ++round) {
        for (int which = 0; which < 3; ++which) {
          const auto& grid = which == 0 ? bias_grid : which == 1 ? kg_grid : need_grid;
          for (float v : grid) {
            Scales s = scales;
            (which == 0 ? s.bias : which == 1 ? s.kg : s.need) = v;
            auto [n, p] = score(s);
            if (n > ndcg + 1e-9) ndcg = n, p5 = p, scales = s;
          }
        }
      }
    }
    metrics["val_ndcg@10"] = ndcg;
    metrics["val_precision@5"] = p5;
    metrics["val_users"] = static_cast<double>(h.users);
  }

  // Phase 2: everything, for the chosen number of iterations.
  auto by_user = ByUser(interactions, num_users, o.alpha);
  auto by_item = ByItem(interactions, n_items, o.alpha);
  Mat users(num_users, d), items = InitItems(n_items, d, o.seed);
  const int offset = h.users > 0 ? o.iterations : 0, total = offset + iterations;
  for (int it = 1; it <= iterations; ++it) {
    SolveSide(by_user, items, o.lambda, o.threads, &users);
    SolveSide(by_item, users, o.lambda, o.threads, &items);
    if (progress || log) {
      double loss = Loss(by_user, users, items, o.lambda);
      if (log) log({"final", it, iterations, loss, -1, false});
      if (progress) progress(h.users > 0 ? offset + it : it, h.users > 0 ? total : iterations, loss);
    }
  }
  Model m = BuildModel(catalog, items, popularity, o, scales);
  m.metrics = metrics;
  m.metrics["train_loss"] = Loss(by_user, users, items, o.lambda);
  m.metrics["interactions"] = static_cast<double>(interactions.size());
  m.metrics["users"] = num_users;
  m.metrics["iterations"] = iterations;
  m.metrics["scale_need"] = scales.need;
  m.metrics["scale_kg"] = scales.kg;
  m.metrics["scale_bias"] = scales.bias;
  if (o.item_item.scale != 0) {
    std::vector<std::vector<int32_t>> histories(num_users);
    for (const auto& it : interactions) histories[it.user].push_back(it.row);
    m.item_item = LearnItemItem(histories, n_items, o.item_item);
    m.metrics["scale_item_item"] = o.item_item.scale;
  }
  return m;
}

}  // namespace chatrec::model
