// SPDX-License-Identifier: Apache-2.0
// The matrix-product driver: checks its arguments, then splits weight rows over threads.
// Each output is computed by one thread in a way that does not depend on the split, so the
// result is bitwise identical for any thread count.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/activations_access.h"
#include "kernels/blocks.h"
#include "kernels/dispatch.h"
#include "kernels/thread_pool.h"
#include "kernels/traits.h"
#include "nanollama/error.h"

namespace nanollama::kernels {
namespace {

// Thread slices start on multiples of this many rows, so tiles stay whole.
constexpr int64_t kRowAlign = 16;
static_assert(kRowAlign % kQ8PanelRows == 0 && kRowAlign % kBf16PanelRows == 0, "slices never split a panel");
// Below this many multiply-adds per thread, waking another thread costs more than it saves.
constexpr int64_t kMinWorkPerThread = 1 << 16;
// Each thread's slice of a product is cut into this many chunks. A thread walks its own
// chunks front to back and then takes chunks from the back of the others' slices: on a
// shared host one core is often slower for a while, and equal halves would leave the other
// waiting. Walking in order keeps one stream per thread and product, which the decode
// kernels' prefetch runs ahead on; parts handed out round-robin instead made every thread
// jump and generation slower (docs/PERFORMANCE.md). Which thread computes a row never
// changes its bits.
constexpr int kChunksPerSlice = 8;

[[noreturn]] void fail(ErrorCode code, const std::string& what) { throw Error(code, "kernels::matmul: " + what); }

// Every product of a decode runs these checks: only a failing one may build a string.
MatmulArgs checked_args(const MatrixView& w, const Activations& x, float* y, int64_t ldy) {
  const auto type = [&] { return std::string(tensor_type_name(w.type)); };
  if (!supports_weight_type(w.type)) fail(ErrorCode::unsupported, "weight type " + type() + " is not supported");
  if (x.type() != activation_type(w.type)) {
    fail(ErrorCode::invalid_argument, "activations are " + std::string(tensor_type_name(x.type())) + ", weights of type " +
                                          type() + " need " + std::string(tensor_type_name(activation_type(w.type))));
  }
  if (w.rows < 0 || w.cols < 0) fail(ErrorCode::invalid_argument, "negative matrix size");
  if (x.cols() != w.cols) {
    fail(ErrorCode::invalid_argument, "activation rows have " + std::to_string(x.cols()) + " elements, weight rows " +
                                          std::to_string(w.cols));
  }
  const auto bytes = row_bytes(w.type, static_cast<uint64_t>(w.cols));
  if (!bytes) fail(ErrorCode::invalid_argument, "row length " + std::to_string(w.cols) + " is not whole " + type() + " blocks");
  if (w.row_stride < *bytes) fail(ErrorCode::invalid_argument, "row stride below the row size");
  if (w.rows > 0 && w.data == nullptr) fail(ErrorCode::invalid_argument, "null weight data");
  if (w.rows > 0 && x.rows() > 0 && y == nullptr) fail(ErrorCode::invalid_argument, "null output");
  if (x.rows() > 1 && ldy < w.rows) fail(ErrorCode::invalid_argument, "output leading dimension below the row count");
  size_t stride = w.row_stride;
  if (w.layout == MatrixLayout::bf16_pairs) {
    if (w.type != TensorType::BF16) fail(ErrorCode::invalid_argument, "BF16 pairs of type " + type() + " do not exist");
    if (reinterpret_cast<uintptr_t>(w.data) % 64 != 0) fail(ErrorCode::invalid_argument, "panels not 64-byte aligned");
    stride = bf16_panel_stride(w.cols);
  } else if (w.layout != MatrixLayout::rows) {
    const TensorType panel_type = w.layout == MatrixLayout::q8_0_panels ? TensorType::Q8_0 : TensorType::Q6_K;
    if (w.type != panel_type) fail(ErrorCode::invalid_argument, "panels of type " + type() + " in this layout do not exist");
    if (reinterpret_cast<uintptr_t>(w.data) % 64 != 0) fail(ErrorCode::invalid_argument, "panels not 64-byte aligned");
    stride = w.type == TensorType::Q8_0 ? q8_panel_stride(w.cols) : q6_panel_stride(w.cols);
  }
  return MatmulArgs{static_cast<const uint8_t*>(w.data), stride, w.cols, x.row(0), x.row_bytes(), x.rows(), y, ldy};
}

const MatmulOps& ops_for(const KernelTable& table, const MatrixView& w) {
  switch (w.layout) {
    case MatrixLayout::q8_0_panels: return table.matmul_q8_0_panels;
    case MatrixLayout::q6_k_panels: return table.matmul_q6_k_panels;
    case MatrixLayout::bf16_pairs: return table.matmul_bf16_pairs;
    case MatrixLayout::rows: break;
  }
  return table.*(find_traits(w.type)->matmul);
}

void zero_outputs(const MatmulArgs& a, int64_t n0, int64_t n1) {
  for (int64_t i = 0; i < a.n_act; ++i) {
    for (int64_t n = n0; n < n1; ++n) a.y[i * a.ldy + n] = 0.0f;
  }
}

struct Job {
  MatmulArgs args;
  const MatmulOps* ops;
  int64_t rows;
};

// Points the jobs whose kernels take the activations in a layout of their own at it: the
// one Activations::prepare made if it is that layout, else packed here once per layout, into
// storage kept for the next call. Every job has the same activations, so jobs with the same
// packer share its result.
void pack_activations(std::vector<Job>& jobs, const Activations& x, const KernelTable& table, int threads) {
  thread_local std::vector<uint8_t> storage;
  thread_local std::vector<size_t> offsets;
  constexpr size_t kAlign = 64, kNone = SIZE_MAX;
  offsets.assign(jobs.size(), kNone);
  size_t total = 0;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const MatmulOps& ops = *jobs[j].ops;
    const size_t bytes = ops.packed_bytes != nullptr ? ops.packed_bytes(jobs[j].args) : 0;
    if (bytes == 0) continue;
    if (const uint8_t* prepared = ActivationsAccess::packed_for(x, table, ops)) {
      jobs[j].args.x_packed = prepared;
      continue;
    }
    for (size_t k = 0; k < j && offsets[j] == kNone; ++k) {
      if (offsets[k] != kNone && jobs[k].ops->pack == ops.pack) offsets[j] = offsets[k];
    }
    if (offsets[j] == kNone) {
      offsets[j] = total;
      total += (bytes + kAlign - 1) / kAlign * kAlign;
    }
  }
  if (total == 0) return;
  if (storage.size() < total + kAlign) storage.resize(total + kAlign);
  uint8_t* base = storage.data() + (kAlign - reinterpret_cast<uintptr_t>(storage.data()) % kAlign) % kAlign;
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (offsets[j] == kNone) continue;
    bool packed = false;
    for (size_t k = 0; k < j; ++k) packed = packed || offsets[k] == offsets[j];
    if (!packed) {
      const Job& job = jobs[j];
      void* out = base + offsets[j];
      const int parts = job.args.n_act * job.args.cols >= kMinWorkPerThread ? threads : 1;
      if (parts == 1) {
        job.ops->pack(job.args, 0, 1, out);
      } else {
        parallel_for(parts, parts, [&](int64_t p0, int64_t p1) {
          for (int64_t p = p0; p < p1; ++p) job.ops->pack(job.args, static_cast<int>(p), parts, out);
        });
      }
    }
    jobs[j].args.x_packed = base + offsets[j];
  }
}

// Rows [begin, end) of `job` that chunk `chunk` of thread `t`'s slice covers (of `threads`
// slices); every bound is a multiple of kRowAlign or the row count.
std::pair<int64_t, int64_t> chunk_rows(const Job& job, int t, int threads, int chunk) {
  const auto aligned = [](int64_t n) { return (n + kRowAlign - 1) / kRowAlign * kRowAlign; };
  const int64_t slice = aligned((job.rows + threads - 1) / threads);
  const int64_t slice_begin = std::min(job.rows, slice * t);
  const int64_t slice_end = std::min(job.rows, slice_begin + slice);
  const int64_t piece = aligned((slice_end - slice_begin + kChunksPerSlice - 1) / kChunksPerSlice);
  const int64_t begin = std::min(slice_end, slice_begin + piece * chunk);
  return {begin, std::min(slice_end, begin + piece)};
}

// The unclaimed units of one thread's slice, [front, back), packed into one word so that
// the owner and the other threads claim with one compare-exchange.
// A unit is one chunk of one product: unit u is chunk u % kChunksPerSlice of job
// u / kChunksPerSlice.
struct alignas(64) SliceCursor {
  std::atomic<uint32_t> front_back{0};

  void reset(uint32_t units) { front_back.store(units << 16, std::memory_order_relaxed); }
  // A unit, or -1 if none is left. The owner takes the next from the front; another thread
  // the last one, or the first while the owner has not started (when parts run one after
  // another on the calling thread, a slice is then still read in order).
  int take(bool owner) {
    uint32_t cur = front_back.load(std::memory_order_relaxed);
    while ((cur & 0xffff) < (cur >> 16)) {
      const bool from_front = owner || (cur & 0xffff) == 0;
      if (front_back.compare_exchange_weak(cur, from_front ? cur + 1 : cur - (1u << 16), std::memory_order_relaxed)) {
        return static_cast<int>(from_front ? cur & 0xffff : (cur >> 16) - 1);
      }
    }
    return -1;
  }
};

struct Slices {
  const std::vector<Job>* jobs;
  SliceCursor* cursors;
  int threads;

  void run_unit(int t, int unit) const {
    const Job& job = (*jobs)[static_cast<size_t>(unit / kChunksPerSlice)];
    const auto [begin, end] = chunk_rows(job, t, threads, unit % kChunksPerSlice);
    if (begin < end) job.ops->run(job.args, begin, end);
  }
  // Part `t`: slice t in order, then what is left of the others.
  void run_part(int t) const {
    for (int unit; (unit = cursors[t].take(true)) >= 0;) run_unit(t, unit);
    for (int k = 1; k < threads; ++k) {
      const int other = (t + k) % threads;
      for (int unit; (unit = cursors[other].take(false)) >= 0;) run_unit(other, unit);
    }
  }
};

}  // namespace

void matmul(std::span<const MatmulTarget> targets, const Activations& x, int n_threads) {
  thread_local std::vector<Job> jobs;  // reused: no allocation per call once grown
  jobs.clear();
  const KernelTable& table = active_table();
  int64_t work = 0;
  for (const MatmulTarget& t : targets) {
    Job job{checked_args(t.w, x, t.y, t.ldy), &ops_for(table, t.w), t.w.rows};
    if (job.rows == 0 || x.rows() == 0) continue;
    work += t.w.rows * t.w.cols * x.rows();
    jobs.push_back(job);
  }
  if (jobs.empty()) return;
  if (x.cols() == 0) {  // empty rows: every dot product is 0 (and no kernel divides by a row size of 0)
    for (const Job& job : jobs) zero_outputs(job.args, 0, job.rows);
    return;
  }
  int threads = n_threads > 0 ? n_threads : default_threads();
  threads = static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(1, work / kMinWorkPerThread)));
  pack_activations(jobs, x, table, threads);
  if (threads == 1) {
    for (const Job& job : jobs) job.ops->run(job.args, 0, job.rows);
    return;
  }
  // Units are counted in 16 bits (SliceCursor); no model comes near this many products.
  constexpr size_t kMaxJobs = 0xffff / kChunksPerSlice;
  if (jobs.size() > kMaxJobs) fail(ErrorCode::invalid_argument, "more than " + std::to_string(kMaxJobs) + " products in one call");
  thread_local std::vector<SliceCursor> cursors;
  if (cursors.size() < static_cast<size_t>(threads)) cursors = std::vector<SliceCursor>(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) cursors[static_cast<size_t>(t)].reset(static_cast<uint32_t>(jobs.size() * kChunksPerSlice));
  Slices slices{&jobs, cursors.data(), threads};
  run_parts(threads, [](void* p, int part) { static_cast<const Slices*>(p)->run_part(part); }, &slices, threads);
}

void matmul(const MatrixView& w, const Activations& x, float* y, int64_t ldy, int n_threads) {
  const MatmulTarget target{w, y, ldy};
  matmul(std::span<const MatmulTarget>(&target, 1), x, n_threads);
}

void matmul_rows(const MatrixView& w, const Activations& x, float* y, int64_t ldy, int64_t row_begin, int64_t row_end) {
  const MatmulArgs args = checked_args(w, x, y, ldy);
  if (row_begin < 0 || row_end > w.rows || row_begin > row_end) {
    fail(ErrorCode::invalid_argument, "row range [" + std::to_string(row_begin) + ", " + std::to_string(row_end) +
                                          ") outside the " + std::to_string(w.rows) + " rows");
  }
  static_assert(kBf16PanelRows == kQ8PanelRows);
  const bool panels = w.layout != MatrixLayout::rows;
  if (panels && row_begin < row_end &&
      (row_begin % kQ8PanelRows != 0 || (row_end % kQ8PanelRows != 0 && row_end != w.rows))) {
    fail(ErrorCode::invalid_argument, "row range [" + std::to_string(row_begin) + ", " + std::to_string(row_end) +
                                          ") splits a panel of " + std::to_string(kQ8PanelRows) + " rows");
  }
  if (row_begin == row_end || x.rows() == 0) return;
  if (x.cols() == 0) {
    zero_outputs(args, row_begin, row_end);
    return;
  }
  thread_local std::vector<Job> jobs;
  const KernelTable& table = active_table();
  jobs.assign(1, Job{args, &ops_for(table, w), w.rows});
  pack_activations(jobs, x, table, 1);
  jobs[0].ops->run(jobs[0].args, row_begin, row_end);
}

}  // namespace nanollama::kernels
