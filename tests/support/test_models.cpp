// SPDX-License-Identifier: Apache-2.0
#include "support/test_models.h"

#include "support/test_support.h"

namespace nanollama::testing {

ModelSpec small_spec(TensorType type, uint64_t seed) {
  ModelSpec s;
  s.name = "test-small";
  s.n_embd = 256;
  s.n_ff = 512;
  s.n_layer = 2;
  s.n_head = 4;
  s.n_head_kv = 2;
  s.n_ctx = 256;
  s.n_vocab = 1500;
  s.type = type;
  s.seed = seed;
  s.tag_prior = false;
  // Larger weights than a trained model's spread the logits so that numeric differences
  // between implementations are visible.
  s.weight_std = 0.05f;
  return s;
}

ModelSpec tag_model_spec() {
  ModelSpec s;
  s.name = "test-dtg-random";
  s.n_embd = 128;
  s.n_ff = 256;
  s.n_layer = 2;
  s.n_head = 4;
  s.n_head_kv = 4;
  s.n_ctx = 1024;
  s.n_vocab = 2000;
  s.type = TensorType::Q8_0;
  s.seed = 21;
  s.tag_prior = true;
  return s;
}

std::shared_ptr<const Model> make_test_model(const ModelSpec& spec, const ModelOptions& options) {
  TempDir dir;
  const auto path = dir.file("model.gguf").string();
  write_random_model(spec, path);
  return Model::load(path, options);
}

}  // namespace nanollama::testing
