// SPDX-License-Identifier: Apache-2.0
// Writes the GGUF seed corpus of fuzz_gguf (tests/fuzz/corpus/gguf): a few tiny valid llama
// models (a few KB, so the fuzzer mutates them quickly) and one file per class of bad model
// the loader must refuse. The files are committed; this program documents how they were
// made and remakes them: make_gguf_seeds OUTPUT_DIR. The byte-level damage beside them
// (bad_empty, bad_truncated_*, bad_magic, bad_version_*, bad_*_count_huge,
// bad_key_length_huge, bad_value_type) was cut from valid_f32.gguf at the offsets of GGUF's
// header fields (docs/GGUF.md, "Layout").
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "nanollama/gguf.h"
#include "nanollama/kernels.h"
#include "nanollama/tensor_type.h"

namespace {

using nanollama::TensorType;
using nanollama::gguf::GgufWriter;

struct Shape {
  uint32_t dim, ffn, heads, kv_heads, vocab, ctx;
  TensorType type;
  bool tied;
};

// Small deterministic weights (a sine of the index), quantized by the writer's own rules.
std::vector<uint8_t> values(TensorType type, uint64_t n, float scale) {
  std::vector<float> f(n);
  for (uint64_t i = 0; i < n; ++i) f[i] = scale * std::sin(0.37f * static_cast<float>(i) + 1.0f);
  std::vector<uint8_t> out(*nanollama::row_bytes(type, n));
  nanollama::kernels::quantize_row(type, f.data(), out.data(), static_cast<int64_t>(n));
  return out;
}

using Edit = std::function<void(GgufWriter&)>;

std::vector<uint8_t> model(const Shape& s, const Edit& edit = {}, float norm_at_3 = 1.0f) {
  GgufWriter w;
  w.set("general.architecture", "llama");
  w.set("llama.embedding_length", s.dim);
  w.set("llama.block_count", uint32_t{1});
  w.set("llama.feed_forward_length", s.ffn);
  w.set("llama.attention.head_count", s.heads);
  w.set("llama.attention.head_count_kv", s.kv_heads);
  w.set("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  w.set("llama.context_length", s.ctx);
  w.set("llama.vocab_size", s.vocab);
  if (edit) edit(w);
  const uint32_t kv = s.dim / s.heads * s.kv_heads;
  std::map<std::string, std::vector<uint64_t>> shapes = {
      {"token_embd.weight", {s.dim, s.vocab}},       {"output_norm.weight", {s.dim}},
      {"blk.0.attn_norm.weight", {s.dim}},           {"blk.0.attn_q.weight", {s.dim, s.dim}},
      {"blk.0.attn_k.weight", {s.dim, kv}},          {"blk.0.attn_v.weight", {s.dim, kv}},
      {"blk.0.attn_output.weight", {s.dim, s.dim}},  {"blk.0.ffn_norm.weight", {s.dim}},
      {"blk.0.ffn_gate.weight", {s.dim, s.ffn}},     {"blk.0.ffn_up.weight", {s.dim, s.ffn}},
      {"blk.0.ffn_down.weight", {s.ffn, s.dim}},
  };
  if (!s.tied) shapes["output.weight"] = {s.dim, s.vocab};
  for (const auto& [name, dims] : shapes) {
    uint64_t n = 1;
    for (uint64_t d : dims) n *= d;
    if (dims.size() == 1) {
      std::vector<float> ones(n, 1.0f);
      ones[3] = norm_at_3;
      std::vector<uint8_t> bytes(n * 4);
      std::memcpy(bytes.data(), ones.data(), bytes.size());
      w.add_tensor(name, TensorType::F32, dims, std::move(bytes));
    } else {
      w.add_tensor(name, s.type, dims, values(s.type, n, 0.5f));
    }
  }
  return w.write_to_memory();
}

void save(const std::string& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::fprintf(stderr, "make_gguf_seeds: cannot write %s/%s\n", dir.c_str(), name.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_gguf_seeds OUTPUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const Shape f32{8, 16, 2, 1, 16, 32, TensorType::F32, false};
  const Shape q8{32, 32, 2, 2, 8, 16, TensorType::Q8_0, true};
  const Shape f16{16, 16, 4, 2, 12, 16, TensorType::F16, false};
  save(dir, "valid_f32.gguf", model(f32));
  save(dir, "valid_q8_0_tied.gguf", model(q8));
  save(dir, "valid_f16_gqa.gguf", model(f16));
  // One class of bad model per file: each must be refused with an Error, never run.
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  save(dir, "bad_norm_nan.gguf", model(f32, {}, nan));
  save(dir, "bad_norm_inf.gguf", model(f32, {}, inf));
  save(dir, "bad_eps_zero.gguf", model(f32, [](GgufWriter& w) { w.set("llama.attention.layer_norm_rms_epsilon", 0.0f); }));
  save(dir, "bad_eps_negative.gguf", model(f32, [](GgufWriter& w) { w.set("llama.attention.layer_norm_rms_epsilon", -1.0f); }));
  save(dir, "bad_context_zero.gguf", model(f32, [](GgufWriter& w) { w.set("llama.context_length", uint32_t{0}); }));
  save(dir, "bad_context_huge.gguf", model(f32, [](GgufWriter& w) { w.set("llama.context_length", uint32_t{1u << 24}); }));
  save(dir, "bad_heads_zero.gguf", model(f32, [](GgufWriter& w) { w.set("llama.attention.head_count", uint32_t{0}); }));
  save(dir, "bad_head_dim_huge.gguf", model(f32, [](GgufWriter& w) { w.set("llama.attention.key_length", uint32_t{1u << 16}); }));
  save(dir, "bad_kv_heads_uneven.gguf", model(f32, [](GgufWriter& w) { w.set("llama.attention.head_count_kv", uint32_t{3}); }));
  save(dir, "bad_layers_many.gguf", model(f32, [](GgufWriter& w) { w.set("llama.block_count", uint32_t{1000}); }));
  save(dir, "bad_vocab_mismatch.gguf", model(f32, [](GgufWriter& w) { w.set("llama.vocab_size", uint32_t{17}); }));
  save(dir, "bad_rope_base_inf.gguf", model(f32, [](GgufWriter& w) { w.set("llama.rope.freq_base", std::numeric_limits<float>::infinity()); }));
  save(dir, "bad_architecture.gguf", model(f32, [](GgufWriter& w) { w.set("general.architecture", "gpt2"); }));
  save(dir, "bad_width_as_string.gguf", model(f32, [](GgufWriter& w) { w.set("llama.embedding_length", "8"); }));
  return 0;
}
