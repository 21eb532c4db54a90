// SPDX-License-Identifier: Apache-2.0
// Activations::prepare: converts activation rows once into the type a weight type pairs with.
#include <cstring>
#include <string>

#include "kernels/dispatch.h"
#include "kernels/traits.h"
#include "nanollama/error.h"

namespace nanollama::kernels {
namespace {

// The message is built only when a check fails: prepare runs several times per layer of
// every decode, which must not allocate (src/model/session_impl.h).
[[noreturn]] void fail(ErrorCode code, TensorType weight_type, const std::string& what) {
  throw Error(code, "kernels::Activations::prepare(" + std::string(tensor_type_name(weight_type)) + "): " + what);
}

}  // namespace

void Activations::prepare(TensorType weight_type, const float* x, int64_t n_rows, int64_t cols, int64_t ld,
                          int n_threads) {
  if (!supports_weight_type(weight_type)) fail(ErrorCode::unsupported, weight_type, "not a supported weight type");
  const TensorType act = activation_type(weight_type);
  const TypeTraits& traits = *find_traits(act);
  const TensorTypeInfo& info = tensor_type_info(act);
  if (n_rows < 0 || cols < 0) fail(ErrorCode::invalid_argument, weight_type, "negative size");
  if (cols % info.block_size != 0) {
    fail(ErrorCode::invalid_argument, weight_type,
         "row length " + std::to_string(cols) + " is not a multiple of " + std::string(tensor_type_name(act)) +
             "'s block size " + std::to_string(info.block_size));
  }
  if (n_rows > 1 && ld < cols) fail(ErrorCode::invalid_argument, weight_type, "leading dimension below row length");
  if (n_rows > 0 && cols > 0 && x == nullptr) fail(ErrorCode::invalid_argument, weight_type, "null input");

  const size_t row_bytes = static_cast<size_t>(cols / info.block_size) * info.block_bytes;
  const size_t need = row_bytes * static_cast<size_t>(n_rows) + 64;
  if (storage_.size() < need) storage_.resize(need);  // grows only; reused afterwards
  const auto base = reinterpret_cast<uintptr_t>(storage_.data());
  data_ = storage_.data() + ((64 - base % 64) % 64);
  type_ = act;
  rows_ = n_rows;
  cols_ = cols;
  row_bytes_ = row_bytes;
  packed_by_.reset();
  if (n_rows == 0 || cols == 0) return;

  // Q8_0 rows are also packed for the panel kernels (MatmulOps::pack), each range of rows
  // right after it is quantized, while it is in cache: as a pass of the product's own this
  // took 3 % of a 128-row product on two threads. The packed form is row by row, so a range
  // of rows is packed at its own offset.
  const KernelTable& table = active_table();
  const MatmulOps& panels = table.matmul_q8_0_panels;
  const bool pack = act == TensorType::Q8_0 && panels.pack != nullptr && panels.packed_bytes != nullptr;
  const MatmulArgs all{data_, row_bytes, cols, data_, row_bytes, n_rows, nullptr, 0};
  size_t packed_row_bytes = 0;
  if (pack) {
    const size_t total = panels.packed_bytes(all);
    packed_row_bytes = total / static_cast<size_t>(n_rows);
    if (packed_storage_.size() < total + 64) packed_storage_.resize(total + 64);
    const auto pbase = reinterpret_cast<uintptr_t>(packed_storage_.data());
    packed_ = packed_storage_.data() + ((64 - pbase % 64) % 64);
    packed_by_ = table.isa;
  }

  struct Job {
    const TypeTraits* traits;
    const float* x;
    int64_t ld, cols;
    uint8_t* out;
    size_t row_bytes;
    const MatmulOps* panels;  // null: no packing
    MatmulArgs all;
    uint8_t* packed;
    size_t packed_row_bytes;
  } job{&traits, x, ld, cols, data_, row_bytes, pack ? &panels : nullptr, all, packed_, packed_row_bytes};
  // Small conversions are not worth waking a thread for.
  const int threads = n_rows * cols >= 16384 ? n_threads : 1;
  parallel_for(threads, n_rows, [&job](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      job.traits->quantize_row(job.x + i * job.ld, job.out + static_cast<size_t>(i) * job.row_bytes, job.cols);
    }
    if (job.panels != nullptr) {
      MatmulArgs rows = job.all;
      rows.x = job.out + static_cast<size_t>(begin) * job.row_bytes;
      rows.n_act = end - begin;
      job.panels->pack(rows, 0, 1, job.packed + static_cast<size_t>(begin) * job.packed_row_bytes);
    }
  });
}

}  // namespace nanollama::kernels
