// SPDX-License-Identifier: Apache-2.0
// How far ahead of its reads a decode kernel (one activation row, weights from memory)
// fetches its weight stream. The hardware prefetchers alone keep too few lines in flight
// for one core's share of the memory bandwidth.
#pragma once

#include <cstddef>

namespace nanollama::kernels {

// Measured on Zen 5 (2 threads, cold 3072x1024 and 32006x1024, interleaved rounds): one row
// ahead (0.8-6 KB) read 38-53 GB/s, 4 KB 42-68, 8 KB 46-77, 16 KB 46-69.
inline constexpr size_t kStreamAheadBytes = 8192;

}  // namespace nanollama::kernels
