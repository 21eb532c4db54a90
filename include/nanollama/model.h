// SPDX-License-Identifier: Apache-2.0
// A loaded LLaMA-architecture model: hyperparameters and weights, immutable after loading.
//
// Thread contract: a Model never changes after load() returns, so one
// std::shared_ptr<const Model> may be used by any number of Sessions on any number of
// threads at once. All mutable state (KV cache, scratch buffers, logits) lives in a Session.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nanollama/gguf.h"

namespace nanollama {

// The MLP's gate activation. llama.cpp computes SiLU for every llama GGUF, and DanTagGen's
// published GGUFs are used that way; DanTagGen's original checkpoints were trained with Mish.
enum class Activation { silu, mish };

const char* activation_name(Activation a) noexcept;
// "silu" or "mish"; throws Error(invalid_argument) otherwise.
Activation parse_activation(std::string_view name);

struct Hyperparameters {
  std::string architecture;  // "llama"
  std::string name;          // general.name, if any
  int32_t n_vocab = 0;
  int32_t n_embd = 0;
  int32_t n_layer = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;  // n_embd / n_head unless llama.attention.key_length says otherwise
  int32_t n_ff = 0;
  int32_t n_rot = 0;         // rotary dimensions per head (== head_dim for llama)
  int32_t n_ctx_train = 0;   // llama.context_length
  float rms_eps = 1e-5f;
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // 1 / linear scaling factor
  bool tied_output = false;      // output.weight absent: the embedding doubles as the LM head

  int32_t q_dim() const noexcept { return n_head * head_dim; }
  int32_t kv_dim() const noexcept { return n_head_kv * head_dim; }
};

struct ModelOptions {
  // Ask the OS to start reading the weights in at load time (madvise WILLNEED), so the first
  // tokens do not stall on page faults.
  bool prefetch = true;
  // Repack the Q8_0 matrices the products read into panels (kernels::pack_panels) at load
  // time: the products then read them as one stream per thread and need no per-call
  // repacking (DanTagGen's shape: generation 1.2-1.4x, prompts ~10 %, several sequences
  // decoded together 2x), at the price of reading those weights once while loading
  // (0.14 s for 418 MB from the page cache) and of holding them in memory instead of the
  // mapped file's pages (which are let go). Results are bitwise the same either way.
  bool repack = true;
  // LOSSY, off by default: convert the F32/F16 matrices the products read to BF16 (8
  // significant bits, nearest-even) and round the activations to BF16 before each product
  // (kernels::to_bf16_pairs). On CPUs with AVX512-BF16 (Zen 4, Zen 5, recent Xeons) F16
  // prompts run about 2x faster; elsewhere it only costs (its FMA version took 1.2-1.3x the
  // time of F16's prompt products in a kernel benchmark). A dot product's error
  // becomes about that of Q8_0 weights (docs/KERNELS.md, "BF16 pairs"); results still do not
  // depend on the batch or the thread count. The embedding itself is still looked up exactly.
  bool lossy_bf16 = false;
  // Threads for repacking; 0: all CPUs.
  int n_threads = 0;
  // Largest KV cache the file may ask for: one sequence of its training context in F16
  // (2 x layers x context x KV width x 2 bytes). A file asking for more is refused before
  // anything is allocated (docs/SECURITY.md). DanTagGen needs 48 MB.
  uint64_t max_kv_bytes = uint64_t{32} << 30;
  // Read every weight of every matrix and refuse the file if any is NaN or infinite (the
  // norm and RoPE vectors are always checked). Costs one pass over the weights (about 1 s
  // for DanTagGen's 418 MB); for files from untrusted sources.
  bool check_weights = false;
};

// The weights themselves, in the kernels' types: internal to the library.
struct ModelWeights;

class Model {
 public:
  // Loads a GGUF file (general.architecture = "llama"). Throws Error naming the file and,
  // for a tensor that does not fit, the tensor with its expected and actual shape and type.
  static std::shared_ptr<const Model> load(const std::string& path, const ModelOptions& options = {});
  static std::shared_ptr<const Model> from_gguf(std::shared_ptr<const gguf::GgufFile> file,
                                                const ModelOptions& options = {});
  ~Model();

  const Hyperparameters& hparams() const noexcept { return hp_; }
  const gguf::GgufFile& file() const noexcept { return *file_; }
  std::shared_ptr<const gguf::GgufFile> file_ptr() const noexcept { return file_; }

  // Bytes of weights one decoded token reads (every matrix once, one embedding row):
  // what a tokens-per-second figure is divided into to give GB/s.
  uint64_t bytes_per_token() const noexcept;
  uint64_t parameter_count() const noexcept;
  // One line: "llama, 393.1 M params, 24 layers, dim 1024, ..., Q8_0 418 MB, Q8_0 repacked".
  std::string describe() const;

 private:
  Model() = default;
  std::shared_ptr<const gguf::GgufFile> file_;
  Hyperparameters hp_;
  std::unique_ptr<ModelWeights> weights_;  // never null after loading
  friend const ModelWeights& weights_of(const Model& model) noexcept;
  void repack(int n_threads);
  void convert_to_bf16_pairs(int n_threads);
};

}  // namespace nanollama
