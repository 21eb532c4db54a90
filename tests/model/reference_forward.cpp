// SPDX-License-Identifier: Apache-2.0
#include "model/reference_forward.h"

#include <cmath>

namespace nanollama::testing {
namespace {

Eigen::VectorXf to_vector(const std::vector<float>& v) {
  return Eigen::Map<const Eigen::VectorXf>(v.data(), static_cast<Eigen::Index>(v.size()));
}

// x / sqrt(mean(x²) + eps) ⊙ gain, for each row.
RowMatrix rms_norm(const RowMatrix& x, const Eigen::VectorXf& gain, float eps) {
  RowMatrix y(x.rows(), x.cols());
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const double mean_square = x.row(r).cast<double>().squaredNorm() / static_cast<double>(x.cols());
    const auto scale = static_cast<float>(1.0 / std::sqrt(mean_square + static_cast<double>(eps)));
    y.row(r) = (x.row(r) * scale).cwiseProduct(gain.transpose());
  }
  return y;
}

// Rotates adjacent pairs (2i, 2i+1) of every head by pos * base^(-2i/d).
void rope(RowMatrix& x, int64_t n_heads, int64_t head_dim, float base) {
  for (Eigen::Index pos = 0; pos < x.rows(); ++pos) {
    for (int64_t h = 0; h < n_heads; ++h) {
      for (int64_t i = 0; i < head_dim / 2; ++i) {
        const double theta = static_cast<double>(pos) * std::pow(static_cast<double>(base), -2.0 * static_cast<double>(i) / static_cast<double>(head_dim));
        const auto c = static_cast<float>(std::cos(theta)), s = static_cast<float>(std::sin(theta));
        float& a = x(pos, h * head_dim + 2 * i);
        float& b = x(pos, h * head_dim + 2 * i + 1);
        const float a0 = a, b0 = b;
        a = a0 * c - b0 * s;
        b = a0 * s + b0 * c;
      }
    }
  }
}

}  // namespace

ReferenceModel::ReferenceModel(const Model& model, Activation activation)
    : hp_(model.hparams()), activation_(activation) {
  const ModelWeights& weights = weights_of(model);
  embedding_ = dequantize(weights.token_embd);
  output_ = dequantize(weights.output);
  output_norm_ = to_vector(weights.output_norm);
  for (const auto& L : weights.layers) {
    layers_.push_back({to_vector(L.attn_norm), to_vector(L.ffn_norm), dequantize(L.wq), dequantize(L.wk),
                       dequantize(L.wv), dequantize(L.wo), dequantize(L.w_gate), dequantize(L.w_up),
                       dequantize(L.w_down)});
  }
}

RowMatrix ReferenceModel::dequantize(const kernels::MatrixView& m) const {
  RowMatrix out(m.rows, m.cols);
  // Rows in either layout: a loaded model's Q8_0 matrices are repacked into panels.
  for (int64_t r = 0; r < m.rows; ++r) kernels::dequantize_matrix_row(m, r, out.row(r).data());
  return out;
}

RowMatrix ReferenceModel::logits(const std::vector<int32_t>& tokens) const {
  const auto T = static_cast<Eigen::Index>(tokens.size());
  const int64_t D = hp_.head_dim, H = hp_.n_head, group = hp_.n_head / hp_.n_head_kv;
  RowMatrix x(T, hp_.n_embd);
  for (Eigen::Index t = 0; t < T; ++t) x.row(t) = embedding_.row(tokens[static_cast<size_t>(t)]);

  for (const auto& L : layers_) {
    RowMatrix a = rms_norm(x, L.attn_norm, hp_.rms_eps);
    RowMatrix q = a * L.wq.transpose();
    RowMatrix k = a * L.wk.transpose();
    RowMatrix v = a * L.wv.transpose();
    rope(q, H, D, hp_.rope_freq_base);
    rope(k, hp_.n_head_kv, D, hp_.rope_freq_base);

    RowMatrix attn(T, H * D);
    for (int64_t h = 0; h < H; ++h) {
      const int64_t kvh = h / group;
      RowMatrix scores = q.middleCols(h * D, D) * k.middleCols(kvh * D, D).transpose();
      scores /= std::sqrt(static_cast<float>(D));
      for (Eigen::Index i = 0; i < T; ++i) {
        // Causal mask: token i sees positions 0..i.
        for (Eigen::Index j = i + 1; j < T; ++j) scores(i, j) = -std::numeric_limits<float>::infinity();
        const float max = scores.row(i).maxCoeff();
        scores.row(i) = (scores.row(i).array() - max).exp();
        scores.row(i) /= scores.row(i).sum();
      }
      attn.middleCols(h * D, D) = scores * v.middleCols(kvh * D, D);
    }
    x += attn * L.wo.transpose();

    RowMatrix m = rms_norm(x, L.ffn_norm, hp_.rms_eps);
    RowMatrix gate = m * L.w_gate.transpose();
    RowMatrix up = m * L.w_up.transpose();
    if (activation_ == Activation::mish) {
      // mish(g) = g * tanh(softplus(g)); log1p(exp(g)) overflows only for g > 88, where
      // softplus(g) = g to float precision.
      gate = gate.unaryExpr([](float g) { return g * std::tanh(g > 20.0f ? g : std::log1p(std::exp(g))); });
    } else {
      gate = gate.unaryExpr([](float g) { return g / (1.0f + std::exp(-g)); });
    }
    x += gate.cwiseProduct(up) * L.w_down.transpose();
  }
  return rms_norm(x, output_norm_, hp_.rms_eps) * output_.transpose();
}

}  // namespace nanollama::testing
