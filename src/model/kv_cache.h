// SPDX-License-Identifier: Apache-2.0
// The KV cache: a pool of cells (one position's keys and values for every layer) shared by
// several sequences. A sequence is the list of cells holding its positions 0..n-1; cells are
// reference-counted, so forked sequences share their common prefix without copying it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nanollama/model.h"
#include "nanollama/session.h"

namespace nanollama {

class KvCache {
 public:
  KvCache(const Hyperparameters& hp, int32_t n_cells, int32_t n_seq, int32_t n_ctx, KvType type);
  KvCache(const KvCache& other);  // deep copy of the pool
  KvCache& operator=(const KvCache&) = delete;

  KvType type() const noexcept { return type_; }
  size_t element_bytes() const noexcept { return type_ == KvType::f16 ? 2 : 4; }
  int32_t n_cells() const noexcept { return n_cells_; }
  int32_t n_seq() const noexcept { return static_cast<int32_t>(seqs_.size()); }
  int32_t n_ctx() const noexcept { return n_ctx_; }
  int32_t free_cells() const noexcept { return static_cast<int32_t>(free_.size()); }
  uint64_t bytes() const noexcept { return bytes_; }

  // Row of keys / values (kv_dim elements of the cache type) of `cell` in `layer`.
  uint8_t* k(int32_t layer, int32_t cell) noexcept { return row(layer, 0, cell); }
  uint8_t* v(int32_t layer, int32_t cell) noexcept { return row(layer, 1, cell); }
  const uint8_t* k(int32_t layer, int32_t cell) const noexcept { return row(layer, 0, cell); }
  const uint8_t* v(int32_t layer, int32_t cell) const noexcept { return row(layer, 1, cell); }

  const std::vector<int32_t>& cells(int32_t seq) const noexcept { return seqs_[static_cast<size_t>(seq)].cells; }
  const std::vector<int32_t>& tokens(int32_t seq) const noexcept { return seqs_[static_cast<size_t>(seq)].tokens; }
  int32_t n_past(int32_t seq) const noexcept { return static_cast<int32_t>(cells(seq).size()); }

  // Appends a position holding `token` to `seq` in a fresh cell; the caller checked that a
  // cell is free and the sequence has room.
  int32_t append(int32_t seq, int32_t token);
  void truncate(int32_t seq, int32_t n);
  void fork(int32_t src, int32_t dst, int32_t n);

 private:
  struct Sequence {
    std::vector<int32_t> cells;
    std::vector<int32_t> tokens;
  };
  uint8_t* row(int32_t layer, int kv, int32_t cell) const noexcept {
    return storage_.get() + ((static_cast<size_t>(layer) * 2 + static_cast<size_t>(kv)) * static_cast<size_t>(n_cells_) +
                             static_cast<size_t>(cell)) *
                                row_bytes_;
  }
  void release(int32_t cell);

  KvType type_;
  int32_t n_layer_, n_cells_, n_ctx_;
  size_t row_bytes_;
  uint64_t bytes_;
  // Left uninitialised: pages are touched only as cells are used, so a large context costs
  // memory only when it is filled.
  std::unique_ptr<uint8_t[]> storage_;
  std::vector<int32_t> refs_;  // sequences using each cell
  std::vector<int32_t> free_;  // stack of unused cells
  std::vector<Sequence> seqs_;
};

}  // namespace nanollama
