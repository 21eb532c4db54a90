// SPDX-License-Identifier: Apache-2.0
// Every weight of a loaded model, as the forward pass reads it: kernel matrix views and
// float vectors. Internal to the library (and its tests): the public Model shows its
// hyperparameters and its file, not kernel types (docs/ARCHITECTURE.md, "Models, sessions and threads").
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nanollama/kernels.h"
#include "nanollama/model.h"

namespace nanollama {

// The weights of one transformer block: views into the mapped file, or into the model's
// repacked panels (MatrixView::layout says which; read a row of either with
// kernels::dequantize_matrix_row, not through row_stride).
struct LayerWeights {
  std::vector<float> attn_norm;  // [n_embd]
  kernels::MatrixView wq, wk, wv, wo;
  std::vector<float> ffn_norm;   // [n_embd]
  kernels::MatrixView w_gate, w_up, w_down;
};

struct ModelWeights {
  kernels::MatrixView token_embd;
  kernels::MatrixView output;  // the embedding itself when the file has no output.weight
  std::vector<float> output_norm;
  std::vector<LayerWeights> layers;
  std::vector<float> rope_freqs;  // per-frequency divisors of the RoPE angle, empty if absent
  std::unique_ptr<uint8_t[]> panels;  // the repacked matrices (ModelOptions::repack)
  std::unique_ptr<uint8_t[]> bf16;    // the matrices converted to BF16 panels (ModelOptions::lossy_bf16)
  bool lossy_bf16 = false;             // the float matrices are BF16 pairs
};

// The weights of a loaded model.
inline const ModelWeights& weights_of(const Model& model) noexcept { return *model.weights_; }

}  // namespace nanollama
