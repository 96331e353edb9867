#include "libs/model/kg_embedding.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/model/parallel.h"

namespace chatrec::model {
namespace {

// Shards per batch: fixed, so that the gradient sums do not depend on the thread count.
constexpr int kShards = 8;

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Gradient contributions of one shard: parameter row (entity e as e, relation r as
// -1 - r) and its gradient, in the order they were produced.
struct ShardGrad {
  std::vector<int32_t> rows;
  std::vector<float> grads;
  double loss = 0;
  void Add(int32_t row, const float* g, float sign, int d) {
    rows.push_back(row);
    for (int k = 0; k < d; ++k) grads.push_back(sign * g[k]);
  }
};

// v = h + r - t, returns ‖v‖.
float Residual(const float* h, const float* r, const float* t, int d, float* v) {
  float s = 0;
  for (int k = 0; k < d; ++k) {
    v[k] = h[k] + r[k] - t[k];
    s += v[k] * v[k];
  }
  return std::sqrt(s);
}

void ClipToUnitBall(float* v, int d) {
  float s = 0;
  for (int k = 0; k < d; ++k) s += v[k] * v[k];
  if (s > 1.f) {
    float inv = 1.f / std::sqrt(s);
    for (int k = 0; k < d; ++k) v[k] *= inv;
  }
}

}  // namespace

int32_t KnowledgeGraph::EntityIndex(const std::string& id) {
  auto [it, added] = entity_index_.emplace(id, static_cast<int32_t>(entities_.size()));
  if (added) entities_.push_back(id);
  return it->second;
}

int32_t KnowledgeGraph::RelationIndex(const std::string& id) {
  auto [it, added] = relation_index_.emplace(id, static_cast<int32_t>(relations_.size()));
  if (added) relations_.push_back(id);
  return it->second;
}

void KnowledgeGraph::Add(const std::string& head, const std::string& relation, const std::string& tail) {
  Triple t;
  t.head = EntityIndex(head);
  t.relation = RelationIndex(relation);
  t.tail = EntityIndex(tail);
  triples_.push_back(t);
}

KnowledgeGraph GraphFromCatalog(const catalog::Catalog& catalog) {
  KnowledgeGraph g;
  for (int32_t r = 0; r < catalog.size(); ++r) {
    const auto& item = catalog.item(r);
    const std::string head = catalog::ItemEntityId(item.id());
    g.EntityIndex(head);  // items without facts still get a (random) vector
    for (const auto& f : item.facts()) g.Add(head, f.relation(), f.entity_id());
  }
  return g;
}

absl::StatusOr<KnowledgeGraph> LoadFreebaseGraph(const std::string& dir, const catalog::Catalog& catalog) {
  auto read_lines = [](const std::string& path) -> absl::StatusOr<std::vector<std::string>> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) lines.push_back(std::move(line));
    }
    return lines;
  };
  auto link = read_lines(dir + "/ml-100k.link");
  if (!link.ok()) return link.status();
  auto kg = read_lines(dir + "/ml-100k.kg");
  if (!kg.ok()) return kg.status();
  absl::flat_hash_map<std::string, std::string> name_of;  // MID -> our entity id
  for (size_t n = 1; n < link->size(); ++n) {  // line 1 is the header
    std::vector<std::string> f = absl::StrSplit((*link)[n], '\t');
    int64_t id = 0;
    if (f.size() != 2 || !absl::SimpleAtoi(f[0], &id)) {
      return absl::InvalidArgumentError(absl::StrCat(dir, "/ml-100k.link line ", n + 1, ": expected item_id<TAB>mid"));
    }
    if (catalog.RowOf(id) >= 0) name_of[f[1]] = catalog::ItemEntityId(id);
  }
  KnowledgeGraph g;
  for (int32_t r = 0; r < catalog.size(); ++r) g.EntityIndex(catalog::ItemEntityId(catalog.item(r).id()));
  auto entity = [&](const std::string& mid) {
    auto it = name_of.find(mid);
    return it != name_of.end() ? it->second : "fb:" + mid;
  };
  for (size_t n = 1; n < kg->size(); ++n) {
    std::vector<std::string> f = absl::StrSplit((*kg)[n], '\t');
    if (f.size() != 3 || f[0].empty() || f[1].empty() || f[2].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(dir, "/ml-100k.kg line ", n + 1, ": expected head<TAB>relation<TAB>tail"));
    }
    g.Add(entity(f[0]), f[1], entity(f[2]));
  }
  return g;
}

float KgEmbedding::Score(int32_t head, int32_t rel, int32_t tail) const {
  std::vector<float> v(dim);
  return -Residual(entity(head), relation(rel), entity(tail), dim, v.data());
}

absl::StatusOr<KgEmbedding> TrainKgEmbedding(const KnowledgeGraph& graph, const KgEmbeddingOptions& o,
                                             const KgProgressFn& progress) {
  if (o.dim < 2 || o.dim > 1024) return absl::InvalidArgumentError("KG embedding dim must be in 2..1024");
  if (o.epochs < 1) return absl::InvalidArgumentError("KG embedding epochs must be at least 1");
  if (o.batch_size < 1) return absl::InvalidArgumentError("KG embedding batch size must be at least 1");
  const int d = o.dim;
  const int32_t n_ent = static_cast<int32_t>(graph.entities().size());
  const int32_t n_rel = static_cast<int32_t>(graph.relations().size());
  if (n_ent < 2 || graph.triples().empty()) return absl::FailedPreconditionError("the KG has no triples to embed");

  KgEmbedding e;
  e.dim = d;
  e.entity_ids = graph.entities();
  e.relation_ids = graph.relations();
  {
    std::mt19937_64 rng(o.seed);
    const float bound = 6.f / std::sqrt(static_cast<float>(d));
    std::uniform_real_distribution<float> init(-bound, bound);
    e.entity_vectors.resize(static_cast<size_t>(n_ent) * d);
    e.relation_vectors.resize(static_cast<size_t>(n_rel) * d);
    for (float& x : e.relation_vectors) x = init(rng);
    for (float& x : e.entity_vectors) x = init(rng);
    for (int32_t r = 0; r < n_rel; ++r) {
      float* v = e.relation_vectors.data() + static_cast<size_t>(r) * d;
      float s = 0;
      for (int k = 0; k < d; ++k) s += v[k] * v[k];
      for (int k = 0; k < d; ++k) v[k] /= std::sqrt(s);
    }
    for (int32_t i = 0; i < n_ent; ++i) ClipToUnitBall(e.entity_vectors.data() + static_cast<size_t>(i) * d, d);
  }

  const auto& triples = graph.triples();
  std::vector<int32_t> order(triples.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
  double prev = -1;
  int stale = 0;
  std::vector<ShardGrad> shards(kShards);
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    std::mt19937_64 shuffle_rng(SplitMix(o.seed ^ (static_cast<uint64_t>(epoch) << 32)));
    std::shuffle(order.begin(), order.end(), shuffle_rng);
    double epoch_loss = 0;
    for (size_t start = 0; start < order.size(); start += o.batch_size) {
      const size_t end = std::min(order.size(), start + o.batch_size);
      const size_t per_shard = (end - start + kShards - 1) / kShards;
      ParallelFor(kShards, o.threads, [&](size_t sb, size_t se) {
        std::vector<float> vp(d), vn(d), gp(d), gn(d);
        for (size_t s = sb; s < se; ++s) {
          ShardGrad& out = shards[s];
          out.rows.clear();
          out.grads.clear();
          out.loss = 0;
          const size_t b = start + s * per_shard, eidx = std::min(end, b + per_shard);
          for (size_t p = b; p < eidx; ++p) {
            const Triple& t = triples[order[p]];
            uint64_t r = SplitMix(o.seed * 0x2545f4914f6cdd1dULL + static_cast<uint64_t>(epoch) * 0x100000001b3ULL +
                                  static_cast<uint64_t>(order[p]));
            Triple neg = t;
            int32_t other = static_cast<int32_t>((r >> 1) % static_cast<uint64_t>(n_ent));
            if (r & 1) {
              if (other == t.head) other = (other + 1) % n_ent;
              neg.head = other;
            } else {
              if (other == t.tail) other = (other + 1) % n_ent;
              neg.tail = other;
            }
            const float* rel = e.relation(t.relation);
            float dp = Residual(e.entity(t.head), rel, e.entity(t.tail), d, vp.data());
            float dn = Residual(e.entity(neg.head), rel, e.entity(neg.tail), d, vn.data());
            float loss = o.margin + dp - dn;
            if (loss <= 0) continue;
            out.loss += loss;
            for (int k = 0; k < d; ++k) {
              gp[k] = vp[k] / std::max(dp, 1e-6f);
              gn[k] = vn[k] / std::max(dn, 1e-6f);
            }
            // ∂loss: +gp for h and r, −gp for t; −gn for h' and r, +gn for t'.
            out.Add(t.head, gp.data(), 1.f, d);
            out.Add(t.tail, gp.data(), -1.f, d);
            out.Add(-1 - t.relation, gp.data(), 1.f, d);
            out.Add(neg.head, gn.data(), -1.f, d);
            out.Add(neg.tail, gn.data(), 1.f, d);
            out.Add(-1 - t.relation, gn.data(), -1.f, d);
          }
        }
      });
      std::vector<int32_t> touched;
      for (const ShardGrad& s : shards) {
        epoch_loss += s.loss;
        for (size_t j = 0; j < s.rows.size(); ++j) {
          const int32_t row = s.rows[j];
          float* p = row >= 0 ? e.entity_vectors.data() + static_cast<size_t>(row) * d
                              : e.relation_vectors.data() + static_cast<size_t>(-1 - row) * d;
          const float* g = s.grads.data() + j * d;
          for (int k = 0; k < d; ++k) p[k] -= o.learning_rate * g[k];
          if (row >= 0) touched.push_back(row);
        }
      }
      for (int32_t row : touched) ClipToUnitBall(e.entity_vectors.data() + static_cast<size_t>(row) * d, d);
    }
    epoch_loss /= static_cast<double>(triples.size());
    e.epoch_loss.push_back(epoch_loss);
    e.epochs = epoch;
    if (progress) progress(epoch, o.epochs, epoch_loss);
    if (prev > 0 && prev - epoch_loss < o.min_improvement * prev) {
      if (++stale >= o.patience) break;
    } else {
      stale = 0;
    }
    prev = epoch_loss;
  }
  return e;
}

}  // namespace chatrec::model
