// SPDX-License-Identifier: Apache-2.0
// The forward pass of a llama block stack over a batch of planned tokens (docs/MODEL.md):
// embedding lookup, then per layer RMSNorm -> Q/K/V -> RoPE -> cache -> attention -> output
// projection -> residual -> RMSNorm -> SwiGLU MLP -> residual, then the final norm and the
// output matrix for the rows that need logits.
#include <cmath>
#include <cstring>

#include "model/model_weights.h"
#include "model/session_impl.h"

namespace nanollama {
namespace {

using kernels::MatmulTarget;
using kernels::MatrixView;

// Runs products that share one input; weights of different types (mixed-quantization files)
// need the input converted once per activation type.
void products(Scratch& s, const float* x, int64_t n, int64_t cols, std::initializer_list<MatmulTarget> targets,
              int n_threads) {
  const MatmulTarget* first = targets.begin();
  const size_t count = targets.size();
  size_t done = 0;
  while (done < count) {
    const TensorType type = kernels::activation_type(first[done].w.type);
    size_t end = done + 1;
    while (end < count && kernels::activation_type(first[end].w.type) == type) ++end;
    s.act.prepare(first[done].w.type, x, n, cols, cols, n_threads);
    kernels::matmul(std::span<const MatmulTarget>(first + done, end - done), s.act, n_threads);
    done = end;
  }
}

// Splits [0, n) into one contiguous range per worker and tells each which worker it is, so
// it can use that worker's scratch row.
template <class Fn>
void for_each_worker(int n_threads, int64_t n, Fn&& fn) {
  const int workers = static_cast<int>(std::min<int64_t>(n_threads, n));
  kernels::parallel_for(workers, workers, [&](int64_t w0, int64_t w1) {
    for (int64_t w = w0; w < w1; ++w) fn(static_cast<int>(w), n * w / workers, n * (w + 1) / workers);
  });
}

}  // namespace

void Session::Impl::forward(size_t begin, size_t end, int32_t logits_row) {
  const Hyperparameters& hp = model->hparams();
  const int nt = options.n_threads;
  const auto n = static_cast<int64_t>(end - begin);
  const PlannedToken* batch = plan.data() + begin;
  const int64_t E = hp.n_embd, Q = hp.q_dim(), KV = hp.kv_dim(), F = hp.n_ff, D = hp.head_dim;
  const int64_t group = hp.n_head / hp.n_head_kv;
  const float attn_scale = 1.0f / std::sqrt(static_cast<float>(D));
  const bool f16_cache = kv.type() == KvType::f16;
  Scratch& s = scratch;

  const ModelWeights& weights = weights_of(*model);
  const MatrixView& embd = weights.token_embd;
  kernels::parallel_for(nt, n, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const auto* row = static_cast<const uint8_t*>(embd.data) + static_cast<size_t>(batch[t].token) * embd.row_stride;
      kernels::dequantize_row(embd.type, row, &s.x[t * E], E);
    }
  });

  for (int32_t l = 0; l < hp.n_layer; ++l) {
    const LayerWeights& L = weights.layers[static_cast<size_t>(l)];

    // Attention block.
    kernels::parallel_for(nt, n, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) kernels::rms_norm(&s.x[t * E], L.attn_norm.data(), &s.xn[t * E], E, hp.rms_eps);
    });
    products(s, s.xn.data(), n, E, {{L.wq, s.q.data(), Q}, {L.wk, s.k.data(), KV}, {L.wv, s.v.data(), KV}}, nt);

    kernels::parallel_for(nt, n, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const size_t rope_row = static_cast<size_t>(batch[t].pos) * static_cast<size_t>(D / 2);
        const float* c = &rope_cos[rope_row];
        const float* sn = &rope_sin[rope_row];
        for (int64_t h = 0; h < hp.n_head; ++h) kernels::rope_pairs(&s.q[t * Q + h * D], c, sn, D / 2);
        for (int64_t h = 0; h < hp.n_head_kv; ++h) kernels::rope_pairs(&s.k[t * KV + h * D], c, sn, D / 2);
        const int32_t cell = batch[t].cell;
        if (f16_cache) {
          kernels::f32_to_f16(&s.k[t * KV], reinterpret_cast<uint16_t*>(kv.k(l, cell)), KV);
          kernels::f32_to_f16(&s.v[t * KV], reinterpret_cast<uint16_t*>(kv.v(l, cell)), KV);
        } else {
          std::memcpy(kv.k(l, cell), &s.k[t * KV], static_cast<size_t>(KV) * sizeof(float));
          std::memcpy(kv.v(l, cell), &s.v[t * KV], static_cast<size_t>(KV) * sizeof(float));
        }
      }
    });

    // One work item per (token, head): scores over the sequence's positions up to the
    // token's own (the causal mask), softmax, weighted sum of values.
    for_each_worker(nt, n * hp.n_head, [&](int worker, int64_t i0, int64_t i1) {
      float* scores = &s.scores[static_cast<size_t>(worker) * static_cast<size_t>(options.n_ctx)];
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t t = i / hp.n_head, h = i % hp.n_head;
        const int64_t kv_offset = (h / group) * D;
        const float* q = &s.q[t * Q + h * D];
        const int32_t* cells = kv.cells(batch[t].seq).data();
        const int32_t n_keys = batch[t].pos + 1;
        float* out = &s.attn[t * Q + h * D];
        std::memset(out, 0, static_cast<size_t>(D) * sizeof(float));
        const auto stride = static_cast<size_t>(KV);  // elements between cells' rows
        if (f16_cache) {
          const auto* keys = reinterpret_cast<const uint16_t*>(kv.k(l, 0)) + kv_offset;
          const auto* values = reinterpret_cast<const uint16_t*>(kv.v(l, 0)) + kv_offset;
          kernels::dot_rows_f16(q, keys, stride, cells, n_keys, D, attn_scale, scores);
          kernels::softmax(scores, n_keys);
          kernels::axpy_rows_f16(scores, values, stride, cells, n_keys, D, out);
        } else {
          const auto* keys = reinterpret_cast<const float*>(kv.k(l, 0)) + kv_offset;
          const auto* values = reinterpret_cast<const float*>(kv.v(l, 0)) + kv_offset;
          kernels::dot_rows_f32(q, keys, stride, cells, n_keys, D, attn_scale, scores);
          kernels::softmax(scores, n_keys);
          kernels::axpy_rows_f32(scores, values, stride, cells, n_keys, D, out);
        }
      }
    });
    products(s, s.attn.data(), n, Q, {{L.wo, s.proj.data(), E}}, nt);
    kernels::add(s.x.data(), s.proj.data(), n * E);

    // MLP block.
    kernels::parallel_for(nt, n, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) kernels::rms_norm(&s.x[t * E], L.ffn_norm.data(), &s.xn[t * E], E, hp.rms_eps);
    });
    products(s, s.xn.data(), n, E, {{L.w_gate, s.gate.data(), F}, {L.w_up, s.up.data(), F}}, nt);
    kernels::parallel_for(nt, n, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        if (options.activation == Activation::mish) {
          kernels::mish_mul(&s.gate[t * F], &s.up[t * F], &s.gate[t * F], F);
        } else {
          kernels::silu_mul(&s.gate[t * F], &s.up[t * F], &s.gate[t * F], F);
        }
      }
    });
    products(s, s.gate.data(), n, F, {{L.w_down, s.proj.data(), E}}, nt);
    kernels::add(s.x.data(), s.proj.data(), n * E);
  }

  // Final norm and output matrix, only for the rows that want logits (gathered densely).
  int64_t n_out = 0;
  for (int64_t t = 0; t < n; ++t) {
    if (!batch[t].want_logits) continue;
    kernels::rms_norm(&s.x[t * E], weights.output_norm.data(), &s.xn[n_out * E], E, hp.rms_eps);
    ++n_out;
  }
  if (n_out == 0) return;
  float* out = &logits[static_cast<size_t>(logits_row) * static_cast<size_t>(hp.n_vocab)];
  products(s, s.xn.data(), n_out, E, {{weights.output, out, hp.n_vocab}}, nt);
}

}  // namespace nanollama
