// SPDX-License-Identifier: Apache-2.0
// Random-weight llama models. Every row of every tensor draws from its own RNG stream,
// seeded from (seed, tensor, row), so the bytes do not depend on the thread count.
#include "nanollama/model_builder.h"

#include <cmath>
#include <cstring>
#include <memory>

#include "model/synthetic_vocab.h"
#include "nanollama/kernels.h"
#include "nanollama/sampler.h"

namespace nanollama {
namespace {

uint64_t stream_seed(uint64_t seed, uint64_t tensor, uint64_t row) {
  Rng mix(seed ^ (tensor * 0x9E3779B97F4A7C15ull) ^ (row * 0xD1B54A32D192ED03ull));
  return mix.next();
}

// Uniform noise with standard deviation `std` (a uniform on [-a, a] has std a/sqrt(3)).
void fill_noise(Rng& rng, float* out, int64_t n, float std) {
  const double a = static_cast<double>(std) * std::sqrt(3.0);
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>((rng.uniform() * 2.0 - 1.0) * a);
}

// What a matrix row is made of, beyond noise: `bias` times a shared direction.
struct RowRecipe {
  float std;
  std::shared_ptr<const std::vector<float>> direction;  // unit vector, length = cols
  std::function<float(int64_t row)> bias;
};

// The callbacks run when the writer writes, so they hold copies of what they need.
gguf::GgufWriter::FillFn matrix_filler(const ModelSpec& spec, uint64_t tensor_id, int64_t rows, int64_t cols,
                                       RowRecipe recipe) {
  return [spec, tensor_id, rows, cols, recipe](std::span<uint8_t> out) {
    const size_t row_size = *row_bytes(spec.type, static_cast<uint64_t>(cols));
    kernels::parallel_for(kernels::default_threads(), rows, [&](int64_t r0, int64_t r1) {
      std::vector<float> row(static_cast<size_t>(cols));
      for (int64_t r = r0; r < r1; ++r) {
        Rng rng(stream_seed(spec.seed, tensor_id, static_cast<uint64_t>(r)));
        fill_noise(rng, row.data(), cols, recipe.std);
        if (recipe.direction && recipe.bias) {
          const float b = recipe.bias(r);
          for (int64_t c = 0; c < cols; ++c) row[static_cast<size_t>(c)] += b * (*recipe.direction)[static_cast<size_t>(c)];
        }
        kernels::quantize_row(spec.type, row.data(), out.data() + static_cast<size_t>(r) * row_size, cols);
      }
    });
  };
}

gguf::GgufWriter::FillFn gain_filler(const ModelSpec& spec, uint64_t tensor_id, int64_t n) {
  return [seed = spec.seed, tensor_id, n](std::span<uint8_t> out) {
    Rng rng(stream_seed(seed, tensor_id, 0));
    std::vector<float> gain(static_cast<size_t>(n));
    fill_noise(rng, gain.data(), n, 0.02f);
    for (float& g : gain) g += 1.0f;
    std::memcpy(out.data(), gain.data(), gain.size() * sizeof(float));
  };
}

void check_spec(const ModelSpec& s) {
  auto bad = [](const std::string& what) { throw Error(ErrorCode::invalid_argument, "model spec: " + what); };
  if (s.n_embd <= 0 || s.n_ff <= 0 || s.n_layer <= 0 || s.n_head <= 0 || s.n_head_kv <= 0 || s.n_ctx <= 0) {
    bad("every size must be positive");
  }
  if (s.n_embd % s.n_head != 0) bad("dim " + std::to_string(s.n_embd) + " is not divisible by heads " + std::to_string(s.n_head));
  if ((s.n_embd / s.n_head) % 2 != 0) bad("the head dimension must be even");
  if (s.n_head % s.n_head_kv != 0) bad("heads must be a multiple of kv-heads");
  if (!kernels::supports_weight_type(s.type)) {
    bad("type " + std::string(tensor_type_name(s.type)) + " is not one nanollama computes with");
  }
  const uint32_t block = tensor_type_info(s.type).block_size;
  if (s.n_embd % static_cast<int32_t>(block) != 0 || s.n_ff % static_cast<int32_t>(block) != 0) {
    bad("dim and ffn must be multiples of " + std::to_string(block) + " for " + std::string(tensor_type_name(s.type)));
  }
  if (!(s.weight_std > 0.0f)) bad("weight_std must be positive");
}

}  // namespace

ModelSpec model_preset(std::string_view name) {
  ModelSpec s;
  if (name == "tiny") {
    s.name = "nanollama-tiny-random";
    return s;  // the defaults are the fixtures' nano-tiny shape
  }
  if (name == "dtg") {
    s.name = "nanollama-dtg-random";
    s.n_embd = 1024;
    s.n_ff = 3072;
    s.n_layer = 24;
    s.n_head = 16;
    s.n_head_kv = 16;
    s.n_ctx = 2048;
    s.n_vocab = 32006;
    return s;
  }
  throw Error(ErrorCode::invalid_argument, "unknown preset '" + std::string(name) + "' (use tiny or dtg)");
}

void add_synthetic_vocabulary(gguf::GgufWriter& w, int32_t n_vocab) {
  SyntheticVocabulary v = make_synthetic_vocabulary(n_vocab);
  w.set("tokenizer.ggml.model", "llama");
  w.set("tokenizer.ggml.pre", "default");
  w.set("tokenizer.ggml.tokens", std::move(v.tokens));
  w.set("tokenizer.ggml.scores", std::move(v.scores));
  w.set("tokenizer.ggml.token_type", std::move(v.types));
  w.set("tokenizer.ggml.bos_token_id", uint32_t{1});
  w.set("tokenizer.ggml.eos_token_id", uint32_t{2});
  w.set("tokenizer.ggml.unknown_token_id", uint32_t{0});
  w.set("tokenizer.ggml.add_bos_token", true);
  w.set("tokenizer.ggml.add_eos_token", false);
}

void build_random_model(const ModelSpec& spec, gguf::GgufWriter& w) {
  check_spec(spec);
  int32_t n_vocab = spec.n_vocab;
  std::vector<float> boost;
  if (spec.vocab_from != nullptr) {
    for (const auto& e : spec.vocab_from->metadata()) {
      if (e.key.rfind("tokenizer.", 0) == 0) w.set(e.key, e.value);
    }
    n_vocab = static_cast<int32_t>(spec.vocab_from->get<std::vector<std::string>>("tokenizer.ggml.tokens").size());
  } else {
    add_synthetic_vocabulary(w, n_vocab);
    boost = make_synthetic_vocabulary(n_vocab).output_boost;
  }

  w.set("general.architecture", "llama");
  w.set("general.name", spec.name);
  w.set("general.file_type", kernels::gguf_file_type(spec.type).value());  // spec.type: a weight type
  if (kernels::is_quantized_type(spec.type)) w.set("general.quantization_version", uint32_t{2});
  w.set("llama.context_length", static_cast<uint32_t>(spec.n_ctx));
  w.set("llama.embedding_length", static_cast<uint32_t>(spec.n_embd));
  w.set("llama.block_count", static_cast<uint32_t>(spec.n_layer));
  w.set("llama.feed_forward_length", static_cast<uint32_t>(spec.n_ff));
  w.set("llama.attention.head_count", static_cast<uint32_t>(spec.n_head));
  w.set("llama.attention.head_count_kv", static_cast<uint32_t>(spec.n_head_kv));
  w.set("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  w.set("llama.rope.freq_base", 10000.0f);
  w.set("llama.rope.dimension_count", static_cast<uint32_t>(spec.n_embd / spec.n_head));
  w.set("llama.vocab_size", static_cast<uint32_t>(n_vocab));
  w.set("nanollama.generator", "nanollama make-model");
  w.set("nanollama.seed", spec.seed);
  w.set("nanollama.random_weights", true);

  const int64_t E = spec.n_embd, F = spec.n_ff, V = n_vocab, D = spec.n_embd / spec.n_head;
  const int64_t Q = spec.n_head * D, KV = spec.n_head_kv * D;
  // Block outputs are scaled down with depth (as GPT-2 initialises them) so the residual
  // stream stays dominated by the embedding.
  const float out_std = spec.weight_std / std::sqrt(2.0f * static_cast<float>(spec.n_layer));
  uint64_t id = 0;
  auto dims = [](int64_t cols, int64_t rows) {
    return std::vector<uint64_t>{static_cast<uint64_t>(cols), static_cast<uint64_t>(rows)};
  };

  // With the built-in vocabulary and an untied output, every embedding shares one direction
  // and the output rows of tag words, the comma and EOS lean along it: the random model then
  // writes comma-separated words and stops, so the tag pipeline has something to work on.
  auto direction = std::make_shared<std::vector<float>>(static_cast<size_t>(E));
  {
    Rng rng(stream_seed(spec.seed, 0xD1EC7u, 0));
    double norm = 0.0;
    for (auto& x : *direction) {
      x = static_cast<float>(rng.uniform() * 2.0 - 1.0);
      norm += static_cast<double>(x) * static_cast<double>(x);
    }
    for (auto& x : *direction) x = static_cast<float>(static_cast<double>(x) / std::sqrt(norm));
  }
  const bool shaped = spec.tag_prior && !boost.empty() && !spec.tied_output;
  auto boosts = std::make_shared<std::vector<float>>(std::move(boost));
  auto matrix = [&](const std::string& name, int64_t cols, int64_t rows, RowRecipe recipe) {
    w.add_tensor(name, spec.type, dims(cols, rows), matrix_filler(spec, id++, rows, cols, std::move(recipe)));
  };
  auto gain = [&](const std::string& name) {
    w.add_tensor(name, TensorType::F32, {static_cast<uint64_t>(E)}, gain_filler(spec, id++, E));
  };
  const RowRecipe in{spec.weight_std, nullptr, {}}, out{out_std, nullptr, {}};

  // The shared direction outweighs everything the random blocks add to the residual stream, so
  // the final norm points along it and the output boosts act as intended logits.
  matrix("token_embd.weight", E, V, {spec.weight_std, shaped ? direction : nullptr, [](int64_t) { return 64.0f; }});
  for (int32_t l = 0; l < spec.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    gain(p + "attn_norm.weight");
    matrix(p + "attn_q.weight", E, Q, in);
    matrix(p + "attn_k.weight", E, KV, in);
    matrix(p + "attn_v.weight", E, KV, in);
    matrix(p + "attn_output.weight", Q, E, out);
    gain(p + "ffn_norm.weight");
    matrix(p + "ffn_gate.weight", E, F, in);
    matrix(p + "ffn_up.weight", E, F, in);
    matrix(p + "ffn_down.weight", F, E, out);
  }
  gain("output_norm.weight");
  if (!spec.tied_output) {
    const float scale = 1.0f / std::sqrt(static_cast<float>(E));
    matrix("output.weight", E, V, {spec.weight_std, shaped ? direction : nullptr,
                                   [boosts, scale](int64_t r) { return (*boosts)[static_cast<size_t>(r)] * scale; }});
  }
}

void write_random_model(const ModelSpec& spec, const std::string& path, const gguf::GgufWriter::ProgressFn& progress) {
  gguf::GgufWriter w;
  build_random_model(spec, w);
  w.write(path, progress);
}

}  // namespace nanollama
