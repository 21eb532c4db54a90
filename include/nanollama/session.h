// SPDX-License-Identifier: Apache-2.0
// A Session evaluates tokens with a Model: it owns the KV cache, the scratch buffers and
// the logits of the last decode.
//
// Sequences. A session holds up to `n_seq_max` independent token sequences (ids 0..n-1).
// Each sequence is a list of positions 0..n_past-1 whose keys and values live in cells of
// one shared pool. Forking a sequence shares the cells of the common prefix instead of
// copying them, so N variants of one prompt cost one prompt's worth of cache plus what
// each variant adds. Truncating a sequence (rollback) releases the cells only it used.
//
// Thread contract: a Session is not thread-safe; use one per thread. Many sessions may share
// one Model. A failed call (bad token, no room) throws and leaves the session as it was.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "nanollama/model.h"

namespace nanollama {

enum class KvType { f16, f32 };

struct SessionOptions {
  // Positions each sequence may hold; 0 means the model's training context length.
  int32_t n_ctx = 0;
  // Independent sequences (for batched decoding of variants).
  int32_t n_seq_max = 1;
  // Cells in the shared KV pool; 0 means n_ctx. Raise it when several sequences must hold
  // tokens of their own at once (each cell stores one position of one or more sequences).
  int32_t kv_cells = 0;
  // F16 by default: half the memory and bandwidth of F32 for a difference in the logits of
  // about 5e-4 (llama.cpp's default too); F32 for reference runs.
  KvType kv_type = KvType::f16;
  // Worker threads for every product; 0 means kernels::default_threads().
  int32_t n_threads = 0;
  // Largest number of tokens evaluated in one pass; longer inputs are split. Bounds the
  // scratch memory (about n_batch * (4 n_embd + 3 n_ff) floats).
  int32_t n_batch = 512;
  Activation activation = Activation::silu;
};

// Tokens to evaluate together. Entry i appends token[i] to sequence seq[i] at that
// sequence's next position; entries of one sequence are taken in order.
struct Batch {
  std::vector<int32_t> tokens;
  std::vector<int32_t> seq;          // empty: all entries go to sequence 0
  std::vector<uint8_t> want_logits;  // empty: logits for the last entry only

  void add(int32_t token, int32_t sequence, bool logits) {
    tokens.push_back(token);
    seq.push_back(sequence);
    want_logits.push_back(logits ? 1 : 0);
  }
  void clear() {
    tokens.clear();
    seq.clear();
    want_logits.clear();
  }
};

struct SessionStats {
  uint64_t tokens_evaluated = 0;  // every token that went through the model
  uint64_t decode_calls = 0;
  double seconds = 0.0;           // wall time inside decode()
};

class Session {
 public:
  explicit Session(std::shared_ptr<const Model> model, const SessionOptions& options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  // Deep copy: the whole KV pool and every sequence (the cost is the cache's size).
  Session clone() const;

  // Evaluates the batch. Throws Error(invalid_argument) for a bad token or sequence id,
  // Error(context_full) when a sequence would pass n_ctx or the pool has no free cells;
  // in both cases nothing changed.
  void decode(const Batch& batch);

  // Appends `tokens` to sequence `seq` and returns the logits after the last one.
  std::span<const float> eval(std::span<const int32_t> tokens, int32_t seq = 0);

  // Logits of the i-th batch entry that asked for them (in batch order), n_vocab floats.
  std::span<const float> logits(int32_t i) const;
  int32_t n_logits() const noexcept;

  int32_t n_past(int32_t seq) const;                      // positions held by `seq`
  std::span<const int32_t> tokens(int32_t seq) const;     // the tokens at those positions
  // Rolls `seq` back to its first n positions (n <= n_past).
  void truncate(int32_t seq, int32_t n);
  // Makes `dst` the first n positions of `src` (n = -1: all), sharing their cells.
  void fork(int32_t src, int32_t dst, int32_t n = -1);
  void clear(int32_t seq);
  void clear_all();

  int32_t n_ctx() const noexcept;
  int32_t n_seq_max() const noexcept;
  int32_t free_cells() const noexcept;
  int32_t n_threads() const noexcept;
  void set_threads(int32_t n);
  // Switches the MLP activation; the cache was computed with the old one, so a change clears
  // every sequence.
  void set_activation(Activation activation);
  const SessionOptions& options() const noexcept;
  const Model& model() const noexcept;
  std::shared_ptr<const Model> model_ptr() const noexcept;
  const SessionStats& stats() const noexcept;
  // Bytes held by the KV pool.
  uint64_t kv_bytes() const noexcept;

 private:
  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nanollama
