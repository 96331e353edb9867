// The head of the bilinear model trained with a ranking loss. The item vectors come
// from implicit ALS; what BPR (Rendle et al. 2009) trains here is the mix of the
// terms: A = a·I, B = b·I, C = c·M and the weight β of the popularity prior, i.e.
//
//   score(u, i) = a·s_u(i) + b·s_q(i) + c·s_h(i) + β·prior(i)
//
// with s_u = uᵀy, s_q = qᵀy, s_h = hᵀMy computed once per user. The training pairs are
// the trainer's held-out positives against negatives drawn from the user's current top
// `hard_pool` unseen items (so that the loss looks where top-k metrics look), half the
// validation users fit, the other half give the validation NDCG@10 of every epoch for
// early stopping. b and c keep a floor of `floor`·a: offline q and h are stand-ins
// (favourite genres, recent likes), in a dialogue they carry what the person asked for.
// Gradients are summed per user in user order (users in parallel), every draw is seeded
// by (seed, epoch, user), so the result is the same for a seed whatever the thread count.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <vector>

namespace chatrec::model {

struct HeadWeights {
  float a = 1, b = 0.25f, c = 0.25f, bias = 0;
};

struct HeadOptions {
  int epochs = 60;             // at most
  int patience = 6;            // epochs without a better validation NDCG@10
  float learning_rate = 0.05f; // Adam
  float l2 = 1e-3f;
  float floor = 0.25f;         // b, c >= floor · a
  int negatives = 4;           // per positive and epoch
  int hard_pool = 100;         // negatives from the current top hard_pool unseen items; 0 = any unseen item
  uint64_t seed = 42;
  int threads = 2;
};

// Per user the four feature scores of every item: rows = items, columns (s_u, s_q, s_h, prior).
struct HeadUser {
  Eigen::Matrix<float, Eigen::Dynamic, 4, Eigen::RowMajor> features;
  std::vector<int32_t> seen;  // training items, ascending (never ranked)
  std::vector<int32_t> held;  // held-out positives, ascending
};

struct HeadEpochLog {
  int epoch = 0;
  int epochs = 0;
  double loss = 0;      // mean BPR loss of the epoch
  double val_ndcg10 = 0;
  bool best = false;
  HeadWeights weights;
};
using HeadLogFn = std::function<void(const HeadEpochLog&)>;

struct HeadResult {
  HeadWeights weights;
  int epochs = 0;           // run
  int best_epoch = 0;
  double val_ndcg10 = 0;    // on the early-stopping half, best epoch
  double start_ndcg10 = 0;  // on the same half, before training (the initial weights)
};

// Users with no held-out item are ignored.
HeadResult TrainHead(const std::vector<HeadUser>& users, const HeadWeights& start, const HeadOptions& options,
                     const HeadLogFn& log = nullptr);

// NDCG@10 and P@5 of the given weights over the users with held-out items (selected by `pick`, or all).
std::pair<double, double> HeadMetrics(const std::vector<HeadUser>& users, const HeadWeights& w, int threads,
                                      const std::function<bool(size_t)>& pick = nullptr);

}  // namespace chatrec::model
