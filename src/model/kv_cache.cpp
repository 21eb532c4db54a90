// SPDX-License-Identifier: Apache-2.0
#include "model/kv_cache.h"

#include <cstring>

#include "common/checked.h"

namespace nanollama {

KvCache::KvCache(const Hyperparameters& hp, int32_t n_cells, int32_t n_seq, int32_t n_ctx, KvType type)
    : type_(type), n_layer_(hp.n_layer), n_cells_(n_cells), n_ctx_(n_ctx) {
  row_bytes_ = static_cast<size_t>(hp.kv_dim()) * element_bytes();
  auto total = checked_mul(static_cast<uint64_t>(n_layer_) * 2 * static_cast<uint64_t>(n_cells_), row_bytes_);
  if (!total || *total > (uint64_t{1} << 40)) {
    throw Error(ErrorCode::invalid_argument, "KV cache of " + std::to_string(n_cells) + " cells is too large");
  }
  bytes_ = *total;
  storage_.reset(new uint8_t[bytes_]);
  refs_.assign(static_cast<size_t>(n_cells_), 0);
  free_.reserve(static_cast<size_t>(n_cells_));
  // Lowest cells first off the stack, so a single sequence fills the pool in order.
  for (int32_t c = n_cells_ - 1; c >= 0; --c) free_.push_back(c);
  seqs_.resize(static_cast<size_t>(n_seq));
}

KvCache::KvCache(const KvCache& o)
    : type_(o.type_),
      n_layer_(o.n_layer_),
      n_cells_(o.n_cells_),
      n_ctx_(o.n_ctx_),
      row_bytes_(o.row_bytes_),
      bytes_(o.bytes_),
      storage_(new uint8_t[o.bytes_]),
      refs_(o.refs_),
      free_(o.free_),
      seqs_(o.seqs_) {
  // Only cells in use hold data; copying per cell keeps untouched pages untouched.
  for (int32_t layer = 0; layer < n_layer_; ++layer) {
    for (int kv = 0; kv < 2; ++kv) {
      for (int32_t c = 0; c < n_cells_; ++c) {
        if (refs_[static_cast<size_t>(c)] > 0) std::memcpy(row(layer, kv, c), o.row(layer, kv, c), row_bytes_);
      }
    }
  }
}

int32_t KvCache::append(int32_t seq, int32_t token) {
  const int32_t cell = free_.back();
  free_.pop_back();
  refs_[static_cast<size_t>(cell)] = 1;
  auto& s = seqs_[static_cast<size_t>(seq)];
  s.cells.push_back(cell);
  s.tokens.push_back(token);
  return cell;
}

void KvCache::release(int32_t cell) {
  if (--refs_[static_cast<size_t>(cell)] == 0) free_.push_back(cell);
}

void KvCache::truncate(int32_t seq, int32_t n) {
  auto& s = seqs_[static_cast<size_t>(seq)];
  while (static_cast<int32_t>(s.cells.size()) > n) {
    release(s.cells.back());
    s.cells.pop_back();
    s.tokens.pop_back();
  }
}

void KvCache::fork(int32_t src, int32_t dst, int32_t n) {
  if (src == dst) {
    truncate(dst, n);
    return;
  }
  truncate(dst, 0);
  const auto& from = seqs_[static_cast<size_t>(src)];
  auto& to = seqs_[static_cast<size_t>(dst)];
  to.cells.assign(from.cells.begin(), from.cells.begin() + n);
  to.tokens.assign(from.tokens.begin(), from.tokens.begin() + n);
  for (int32_t cell : to.cells) ++refs_[static_cast<size_t>(cell)];
}

}  // namespace nanollama
