// SPDX-License-Identifier: Apache-2.0
// The engine's forward pass against the plain Eigen reference, on random models of every
// weight type, with grouped-query attention, tied and separate outputs, SiLU and Mish.
#include "model/reference_forward.h"
#include "nanollama/session.h"
#include "support/test_models.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

using testing::ReferenceModel;
using testing::RowMatrix;

std::vector<int32_t> some_tokens(int32_t n, int32_t n_vocab) {
  std::vector<int32_t> t;
  for (int32_t i = 0; i < n; ++i) t.push_back((i * 7919 + 13) % n_vocab);
  return t;
}

// Error budgets, as a fraction of the largest reference logit magnitude. Float weights: only
// summation order differs (F32 kernels; F16 weights with F32 activations). Quantized weights
// meet activations quantized to 8 bits, rounded to a step of max|x|/127 per block: about
// 0.45% of a Gaussian activation's spread for Q8_0's 32-value blocks, 0.65% for Q8_K's
// 256-value blocks (a larger block has a larger maximum). Through two layers of products that
// reaches the logits as 1-3% of their scale; the budgets sit just above what is measured
// (Q8_0 ~1.5%, Q6_K ~2.3%) so a real mistake (a wrong scale, a lost block) fails.
double budget(TensorType type) {
  switch (type) {
    case TensorType::Q8_0: return 2e-2;
    case TensorType::Q6_K: return 3e-2;
    default: return 1e-4;
  }
}

struct Case {
  TensorType type;
  bool tied;
  Activation activation;
};

class ForwardVsReference : public ::testing::TestWithParam<Case> {};

TEST_P(ForwardVsReference, EveryPrefixMatches) {
  const Case c = GetParam();
  ModelSpec spec = testing::small_spec(c.type);
  spec.tied_output = c.tied;
  auto model = testing::make_test_model(spec);
  const auto tokens = some_tokens(40, model->hparams().n_vocab);
  const RowMatrix expected = ReferenceModel(*model, c.activation).logits(tokens);
  // A reference that reads garbage gives NaN, and NaN would slip through the comparisons.
  ASSERT_TRUE(expected.allFinite()) << "the reference's logits are not all finite";

  SessionOptions options;
  options.kv_type = KvType::f32;  // isolate the forward pass from cache rounding
  options.activation = c.activation;
  options.n_threads = 2;
  Session session(model, options);
  Batch batch;
  for (int32_t t : tokens) batch.add(t, 0, true);
  session.decode(batch);

  const double scale = std::max(1.0, static_cast<double>(expected.cwiseAbs().maxCoeff()));
  double worst = 0.0;
  for (int32_t i = 0; i < session.n_logits(); ++i) {
    const auto row = session.logits(i);
    for (Eigen::Index v = 0; v < expected.cols(); ++v) {
      const double diff = std::abs(static_cast<double>(row[static_cast<size_t>(v)] - expected(i, v)));
      if (!(diff <= worst)) worst = diff;  // a NaN difference stays, and fails the check below
    }
  }
  EXPECT_LE(worst / scale, budget(c.type)) << tensor_type_name(c.type) << " max abs diff " << worst << " (logit scale "
                                            << scale << ")";
  RecordProperty("max_abs_diff", std::to_string(worst));
}

INSTANTIATE_TEST_SUITE_P(
    AllWeightTypes, ForwardVsReference,
    ::testing::Values(Case{TensorType::F32, false, Activation::silu}, Case{TensorType::F16, false, Activation::silu},
                      Case{TensorType::Q8_0, false, Activation::silu}, Case{TensorType::Q6_K, false, Activation::silu},
                      Case{TensorType::F32, true, Activation::silu}, Case{TensorType::F16, false, Activation::mish},
                      Case{TensorType::Q8_0, true, Activation::mish}),
    [](const ::testing::TestParamInfo<Case>& param) {
      return std::string(tensor_type_name(param.param.type)) + (param.param.tied ? "_tied" : "") + "_" +
             activation_name(param.param.activation);
    });

TEST(ForwardVsReferenceMish, MishChangesTheOutput) {
  // Guards the test above: if the activation switch were ignored, Mish and SiLU would agree.
  auto model = testing::make_test_model(testing::small_spec(TensorType::F32));
  const auto tokens = some_tokens(8, model->hparams().n_vocab);
  SessionOptions silu, mish;
  mish.activation = Activation::mish;
  Session a(model, silu), b(model, mish);
  const auto la = a.eval(tokens);
  const auto lb = b.eval(tokens);
  double diff = 0.0;
  for (size_t v = 0; v < la.size(); ++v) diff = std::max(diff, std::abs(static_cast<double>(la[v] - lb[v])));
  EXPECT_GT(diff, 1e-3);
}

TEST(ForwardF16Cache, StaysCloseToF32Cache) {
  auto model = testing::make_test_model(testing::small_spec(TensorType::F16));
  const auto tokens = some_tokens(40, model->hparams().n_vocab);
  SessionOptions f16, f32;
  f32.kv_type = KvType::f32;
  Session a(model, f16), b(model, f32);
  const auto la = a.eval(tokens);
  const auto lb = b.eval(tokens);
  double diff = 0.0, scale = 1.0;
  for (size_t v = 0; v < la.size(); ++v) {
    diff = std::max(diff, std::abs(static_cast<double>(la[v] - lb[v])));
    scale = std::max(scale, std::abs(static_cast<double>(lb[v])));
  }
  // F16 keeps 11 significant bits of each key and value: about 5e-4 relative.
  EXPECT_LE(diff / scale, 2e-3);
  EXPECT_GT(diff, 0.0);  // the caches really differ in precision
}

}  // namespace
}  // namespace nanollama
