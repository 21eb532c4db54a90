// SPDX-License-Identifier: Apache-2.0
// Model::load: hyperparameters, tensor binding, and an error naming the culprit for every
// way a file can fail to be a llama model nanollama can run.
#include <functional>
#include <map>

#include <cstring>
#include <limits>

#include "model/model_weights.h"
#include "nanollama/model.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

// A minimal llama model (dim 64, 1 layer, 4 heads / 2 KV heads, FFN 96, vocab 10) with
// hooks to break it in one place.
struct Recipe {
  std::map<std::string, std::vector<uint64_t>> shapes;
  std::map<std::string, TensorType> types;
  std::function<void(gguf::GgufWriter&)> edit_metadata;
  std::vector<std::string> drop;
  std::vector<std::string> extra;
  // Bytes of a tensor changed after it is zero-filled (a NaN planted in a weight).
  std::map<std::string, std::function<void(std::vector<uint8_t>&)>> poke;
  ModelOptions options;
};

std::shared_ptr<const Model> load(const Recipe& r, std::vector<uint8_t>& keep) {
  gguf::GgufWriter w;
  w.set("general.architecture", "llama");
  w.set("llama.embedding_length", uint32_t{64});
  w.set("llama.block_count", uint32_t{1});
  w.set("llama.feed_forward_length", uint32_t{96});
  w.set("llama.attention.head_count", uint32_t{4});
  w.set("llama.attention.head_count_kv", uint32_t{2});
  w.set("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  w.set("llama.context_length", uint32_t{128});
  w.set("tokenizer.ggml.tokens", std::vector<std::string>(10, "t"));
  if (r.edit_metadata) r.edit_metadata(w);

  std::map<std::string, std::vector<uint64_t>> shapes = {
      {"token_embd.weight", {64, 10}},      {"output.weight", {64, 10}},
      {"output_norm.weight", {64}},         {"blk.0.attn_norm.weight", {64}},
      {"blk.0.attn_q.weight", {64, 64}},    {"blk.0.attn_k.weight", {64, 32}},
      {"blk.0.attn_v.weight", {64, 32}},    {"blk.0.attn_output.weight", {64, 64}},
      {"blk.0.ffn_norm.weight", {64}},      {"blk.0.ffn_gate.weight", {64, 96}},
      {"blk.0.ffn_up.weight", {64, 96}},    {"blk.0.ffn_down.weight", {96, 64}},
  };
  for (const auto& [name, dims] : r.shapes) shapes[name] = dims;
  for (const auto& name : r.drop) shapes.erase(name);
  for (const auto& name : r.extra) shapes[name] = {64};
  for (const auto& [name, dims] : shapes) {
    const TensorType type = r.types.count(name) ? r.types.at(name) : TensorType::F32;
    uint64_t n = 1;
    for (uint64_t d : dims) n *= d;
    std::vector<uint8_t> bytes(*row_bytes(type, n), 0);
    if (r.poke.count(name)) r.poke.at(name)(bytes);
    w.add_tensor(name, type, dims, std::move(bytes));
  }
  keep = w.write_to_memory();
  return Model::from_gguf(gguf::GgufFile::parse(keep, "m.gguf"), r.options);
}

std::string error_of(const Recipe& r) {
  std::vector<uint8_t> keep;
  try {
    load(r, keep);
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded)";
}

#define EXPECT_LOAD_ERROR(recipe, fragment)                                          \
  do {                                                                              \
    const std::string m_ = error_of(recipe);                                        \
    EXPECT_NE(m_.find(fragment), std::string::npos) << "message: " << m_;           \
  } while (0)

TEST(ModelLoading, ReadsHyperparametersWithDefaults) {
  std::vector<uint8_t> keep;
  auto model = load({}, keep);
  const Hyperparameters& hp = model->hparams();
  EXPECT_EQ(hp.n_embd, 64);
  EXPECT_EQ(hp.n_head, 4);
  EXPECT_EQ(hp.n_head_kv, 2);
  EXPECT_EQ(hp.head_dim, 16);
  EXPECT_EQ(hp.n_rot, 16);                   // default: the head dimension
  EXPECT_FLOAT_EQ(hp.rope_freq_base, 10000);  // default
  EXPECT_EQ(hp.n_vocab, 10);
  EXPECT_FALSE(hp.tied_output);
  EXPECT_EQ(weights_of(*model).layers.size(), 1u);
  EXPECT_EQ(weights_of(*model).layers[0].wk.rows, 32);
  EXPECT_EQ(weights_of(*model).layers[0].w_down.cols, 96);
}

TEST(ModelLoading, MissingOutputMeansTiedAndHeadCountKvDefaultsToHeads) {
  Recipe r;
  r.drop = {"output.weight"};
  r.shapes = {{"blk.0.attn_k.weight", {64, 64}}, {"blk.0.attn_v.weight", {64, 64}}};
  r.edit_metadata = [](gguf::GgufWriter& w) { w.erase("llama.attention.head_count_kv"); };
  std::vector<uint8_t> keep;
  auto model = load(r, keep);
  EXPECT_TRUE(model->hparams().tied_output);
  EXPECT_EQ(weights_of(*model).output.data, weights_of(*model).token_embd.data);
  EXPECT_EQ(model->hparams().n_head_kv, 4);
}

TEST(ModelLoading, SignedIntegerHyperparametersAreAccepted) {
  Recipe r;
  r.edit_metadata = [](gguf::GgufWriter& w) { w.set("llama.block_count", int32_t{1}); };
  EXPECT_EQ(error_of(r), "(loaded)");
}

TEST(ModelLoading, WrongShapesNameTheTensorAndBothShapes) {
  Recipe r;
  r.shapes = {{"blk.0.ffn_up.weight", {64, 95}}};
  EXPECT_LOAD_ERROR(r, "tensor 'blk.0.ffn_up.weight' has shape [64, 95], expected [64, 96]");
  Recipe t;
  t.shapes = {{"blk.0.attn_k.weight", {64, 64}}};
  EXPECT_LOAD_ERROR(t, "'blk.0.attn_k.weight' has shape [64, 64], expected [64, 32] (K projection, n_embd=64, n_head=4, n_head_kv=2");
}

TEST(ModelLoading, MissingAndUnknownTensors) {
  Recipe missing;
  missing.drop = {"blk.0.ffn_down.weight"};
  EXPECT_LOAD_ERROR(missing, "tensor 'blk.0.ffn_down.weight' is missing");
  Recipe extra;
  extra.extra = {"blk.0.attn_q.bias"};
  EXPECT_LOAD_ERROR(extra, "'blk.0.attn_q.bias' is not part of the llama architecture");
}

TEST(ModelLoading, UnsupportedTypesAreNamed) {
  Recipe r;
  r.types = {{"blk.0.ffn_gate.weight", TensorType::Q4_0}};
  r.shapes = {{"blk.0.ffn_gate.weight", {64, 96}}};
  EXPECT_LOAD_ERROR(r, "'blk.0.ffn_gate.weight' has type Q4_0, which nanollama cannot compute with (supported: F32, F16");
  Recipe norm;
  norm.types = {{"blk.0.attn_norm.weight", TensorType::Q8_0}};
  EXPECT_LOAD_ERROR(norm, "norm weights must be F32, F16 or BF16");
}

TEST(ModelLoading, InconsistentHyperparameters) {
  Recipe arch;
  arch.edit_metadata = [](gguf::GgufWriter& w) { w.set("general.architecture", "qwen2"); };
  EXPECT_LOAD_ERROR(arch, "architecture 'qwen2' is not supported");
  Recipe heads;
  heads.edit_metadata = [](gguf::GgufWriter& w) { w.set("llama.attention.head_count_kv", uint32_t{3}); };
  EXPECT_LOAD_ERROR(heads, "head_count 4 is not a multiple of head_count_kv 3");
  Recipe divide;
  divide.edit_metadata = [](gguf::GgufWriter& w) { w.set("llama.attention.head_count", uint32_t{5}); };
  EXPECT_LOAD_ERROR(divide, "embedding_length 64 is not divisible by head_count 5");
  Recipe eps;
  eps.edit_metadata = [](gguf::GgufWriter& w) { w.erase("llama.attention.layer_norm_rms_epsilon"); };
  EXPECT_LOAD_ERROR(eps, "'llama.attention.layer_norm_rms_epsilon' is missing");
  Recipe zero;
  zero.edit_metadata = [](gguf::GgufWriter& w) { w.set("llama.block_count", uint32_t{0}); };
  EXPECT_LOAD_ERROR(zero, "'llama.block_count' is 0");
  Recipe rope;
  rope.edit_metadata = [](gguf::GgufWriter& w) { w.set("llama.rope.scaling.type", "yarn"); };
  EXPECT_LOAD_ERROR(rope, "RoPE scaling 'yarn' is not supported");
  Recipe rot;
  rot.edit_metadata = [](gguf::GgufWriter& w) { w.set("llama.rope.dimension_count", uint32_t{8}); };
  EXPECT_LOAD_ERROR(rot, "rope.dimension_count 8 differs from the head dimension 16");
  Recipe vocab;
  vocab.edit_metadata = [](gguf::GgufWriter& w) { w.set("tokenizer.ggml.tokens", std::vector<std::string>(11, "t")); };
  EXPECT_LOAD_ERROR(vocab, "'token_embd.weight' has shape [64, 10], expected [64, 11]");
  Recipe wrong_type;
  wrong_type.edit_metadata = [](gguf::GgufWriter& w) { w.set("llama.embedding_length", "64"); };
  EXPECT_LOAD_ERROR(wrong_type, "'llama.embedding_length' has type string, expected an integer");
}

TEST(ModelLoading, LinearRopeScalingSetsTheFrequencyScale) {
  Recipe r;
  r.edit_metadata = [](gguf::GgufWriter& w) {
    w.set("llama.rope.scaling.type", "linear");
    w.set("llama.rope.scaling.factor", 4.0f);
  };
  std::vector<uint8_t> keep;
  EXPECT_FLOAT_EQ(load(r, keep)->hparams().rope_freq_scale, 0.25f);
}

TEST(ModelLoading, FixtureModelsLoad) {
  NANOLLAMA_REQUIRE_FIXTURES();
  auto stories = Model::load(testing::fixture("models/stories260K.gguf").string());
  EXPECT_EQ(stories->hparams().n_head_kv, 4);
  EXPECT_EQ(stories->hparams().head_dim, 8);
  EXPECT_EQ(stories->hparams().n_ff, 172);
  auto q8 = Model::load(testing::fixture("models/nano-tiny-q8_0.gguf").string());
  EXPECT_EQ(weights_of(*q8).output.type, TensorType::Q8_0);
  EXPECT_EQ(q8->hparams().n_vocab, 32006);
  EXPECT_NE(q8->describe().find("Q8_0"), std::string::npos);
}

TEST(ModelLoading, MissingFileIsAnIoError) {
  try {
    Model::load("/nonexistent.gguf");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
  }
}

// ---- Untrusted files (docs/SECURITY.md): what the forward pass relies on -----------------

// Float bits placed at element `i` of an F32 tensor.
std::function<void(std::vector<uint8_t>&)> put_f32(size_t i, float v) {
  return [i, v](std::vector<uint8_t>& b) { std::memcpy(b.data() + 4 * i, &v, 4); };
}

TEST(ModelLoadingUntrusted, NonFiniteNormWeightsAreRefused) {
  for (const char* norm : {"output_norm.weight", "blk.0.attn_norm.weight", "blk.0.ffn_norm.weight"}) {
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
      Recipe r;
      r.poke[norm] = put_f32(17, bad);
      EXPECT_LOAD_ERROR(r, "'" + std::string(norm) + "' holds a non-finite value");
    }
  }
}

TEST(ModelLoadingUntrusted, EpsilonContextAndHeadSizesOutOfRangeAreRefused) {
  auto with = [](const char* key, gguf::Value v) {
    Recipe r;
    r.edit_metadata = [key, v](gguf::GgufWriter& w) { w.set(key, v); };
    return r;
  };
  EXPECT_LOAD_ERROR(with("llama.attention.layer_norm_rms_epsilon", 0.0f), "layer_norm_rms_epsilon' is 0");
  EXPECT_LOAD_ERROR(with("llama.attention.layer_norm_rms_epsilon", -1e-5f), "(must be > 0)");
  EXPECT_LOAD_ERROR(with("llama.attention.layer_norm_rms_epsilon", std::numeric_limits<float>::quiet_NaN()), "(must be > 0)");
  EXPECT_LOAD_ERROR(with("llama.attention.layer_norm_rms_epsilon", 2.0f), "(must be below 0.5)");
  EXPECT_LOAD_ERROR(with("llama.context_length", uint32_t{0}), "'llama.context_length' is 0");
  EXPECT_LOAD_ERROR(with("llama.context_length", uint32_t{1u << 30}), "'llama.context_length' is 1073741824");
  EXPECT_LOAD_ERROR(with("llama.attention.head_count", uint32_t{0}), "'llama.attention.head_count' is 0");
  EXPECT_LOAD_ERROR(with("llama.attention.key_length", uint32_t{1u << 20}), "'llama.attention.key_length' is 1048576");
  EXPECT_LOAD_ERROR(with("llama.rope.freq_base", std::numeric_limits<float>::infinity()), "rope.freq_base");
}

TEST(ModelLoadingUntrusted, AKvCacheOverTheLimitIsRefusedBeforeAnySession) {
  // 1 layer x 2^24 positions x 32 KV floats x 2 (K and V) x 2 bytes = 2 GiB > a 1 GiB limit.
  Recipe r;
  r.edit_metadata = [](gguf::GgufWriter& w) { w.set("llama.context_length", uint32_t{1u << 24}); };
  r.options.max_kv_bytes = uint64_t{1} << 30;
  EXPECT_LOAD_ERROR(r, "would take 2048 MiB (limit 1024 MiB)");
  r.options.max_kv_bytes = uint64_t{4} << 30;
  EXPECT_LOAD_ERROR(r, "(loaded)");
}

TEST(ModelLoadingUntrusted, TheFullWeightCheckFindsANonFiniteWeightAnywhere) {
  Recipe r;
  r.poke["blk.0.ffn_down.weight"] = put_f32(5 * 96 + 3, std::numeric_limits<float>::infinity());
  EXPECT_LOAD_ERROR(r, "(loaded)");  // matrices are not read by default
  r.options.check_weights = true;
  EXPECT_LOAD_ERROR(r, "'blk.0.ffn_down.weight' holds a non-finite value in row 5");
  // In a Q8_0 matrix the NaN hides in a block's F16 scale (0x7E00).
  Recipe q;
  q.types["blk.0.attn_k.weight"] = TensorType::Q8_0;
  q.poke["blk.0.attn_k.weight"] = [](std::vector<uint8_t>& b) {
    const size_t row = 2, block_bytes = 34, blocks_per_row = 2;
    b[(row * blocks_per_row + 1) * block_bytes] = 0x00;
    b[(row * blocks_per_row + 1) * block_bytes + 1] = 0x7E;
  };
  q.options.check_weights = true;
  EXPECT_LOAD_ERROR(q, "'blk.0.attn_k.weight' holds a non-finite value in row 2");
  Recipe clean;
  clean.options.check_weights = true;
  EXPECT_LOAD_ERROR(clean, "(loaded)");
}

}  // namespace
}  // namespace nanollama
