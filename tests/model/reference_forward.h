// SPDX-License-Identifier: Apache-2.0
// A plain F32 LLaMA forward pass in Eigen, written straight from docs/MODEL.md with no
// caching, batching or SIMD: the independent reference the engine is checked against.
#pragma once

#include <Eigen/Dense>
#include <vector>

#include "model/model_weights.h"
#include "nanollama/model.h"

namespace nanollama::testing {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class ReferenceModel {
 public:
  // Dequantizes every weight of `model` to F32 once.
  explicit ReferenceModel(const Model& model, Activation activation = Activation::silu);

  // Logits after each prefix of `tokens`: row i holds the logits after tokens[0..i].
  RowMatrix logits(const std::vector<int32_t>& tokens) const;

 private:
  struct Layer {
    Eigen::VectorXf attn_norm, ffn_norm;
    RowMatrix wq, wk, wv, wo, w_gate, w_up, w_down;  // [out, in]
  };
  RowMatrix dequantize(const kernels::MatrixView& m) const;

  Hyperparameters hp_;
  Activation activation_;
  RowMatrix embedding_, output_;
  Eigen::VectorXf output_norm_;
  std::vector<Layer> layers_;
};

}  // namespace nanollama::testing
