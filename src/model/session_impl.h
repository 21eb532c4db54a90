// SPDX-License-Identifier: Apache-2.0
// The state behind a Session: KV cache, RoPE tables, scratch buffers, logits.
#pragma once

#include <vector>

#include "model/kv_cache.h"
#include "nanollama/kernels.h"
#include "nanollama/session.h"

namespace nanollama {

// One token of a decode, after planning: where it goes and whether it needs logits.
struct PlannedToken {
  int32_t token;
  int32_t seq;
  int32_t pos;
  int32_t cell;
  bool want_logits;
};

// Scratch for one forward pass over at most n_batch tokens; sized once, reused for every
// call. With the kernels' per-thread scratch (grown the first time a thread runs a product
// of a new shape) this makes decoding allocate nothing once warm: no message strings on the
// success path either (tests/model/test_decode_allocations.cpp counts every allocation).
struct Scratch {
  std::vector<float> x;       // [n_batch, n_embd] residual stream
  std::vector<float> xn;      // [n_batch, n_embd] normalised input of a block
  std::vector<float> q;       // [n_batch, q_dim]
  std::vector<float> k;       // [n_batch, kv_dim]
  std::vector<float> v;       // [n_batch, kv_dim]
  std::vector<float> attn;    // [n_batch, q_dim] attention output
  std::vector<float> gate;    // [n_batch, n_ff]
  std::vector<float> up;      // [n_batch, n_ff]
  std::vector<float> proj;    // [n_batch, n_embd] block output before the residual add
  std::vector<float> scores;  // [n_threads, n_ctx] attention weights, one row per worker
  kernels::Activations act;   // activations converted for the weight type at hand
};

struct Session::Impl {
  Impl(std::shared_ptr<const Model> model, const SessionOptions& options);
  // Copies the cache and sequences; scratch buffers are fresh (they hold nothing to keep).
  Impl(const Impl& other);

  std::shared_ptr<const Model> model;
  SessionOptions options;  // with every 0 ("default") resolved
  KvCache kv;
  std::vector<float> rope_cos, rope_sin;  // [n_ctx, n_rot / 2]
  Scratch scratch;
  std::vector<PlannedToken> plan;
  // Per-decode bookkeeping, kept so that decoding allocates nothing once warmed up.
  std::vector<int32_t> added_per_seq, length_before;
  Batch eval_batch;
  std::vector<float> logits;  // [n_logits, n_vocab]
  int32_t n_logits = 0;
  SessionStats stats;

  void allocate_scratch();
  // Runs the model over plan[begin, end), whose cells are already assigned; writes the
  // logits of the entries that want them to `logits` starting at row `logits_row`.
  void forward(size_t begin, size_t end, int32_t logits_row);
};

}  // namespace nanollama
