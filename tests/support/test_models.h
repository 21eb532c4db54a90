// SPDX-License-Identifier: Apache-2.0
// Small random models built for tests.
#pragma once

#include <memory>

#include "nanollama/model.h"
#include "nanollama/model_builder.h"

namespace nanollama::testing {

// A model small enough for fast tests that still has grouped-query attention and blocks
// every weight type can hold (dim 256, FFN 512, 2 layers, 4 heads / 2 KV heads, vocab 1500).
ModelSpec small_spec(TensorType type = TensorType::F32, uint64_t seed = 7);

// A small DanTagGen-like model whose output leans toward tag words, commas and end-of-text
// (the built-in vocabulary, 2000 tokens, Q8_0): what the tag-generation tests run on.
ModelSpec tag_model_spec();

// Writes the model to a temporary file, maps it and removes the file (the mapping lives on).
std::shared_ptr<const Model> make_test_model(const ModelSpec& spec, const ModelOptions& options = {});

}  // namespace nanollama::testing
