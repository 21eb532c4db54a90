// SPDX-License-Identifier: Apache-2.0
// Register-resident peak probes and the streaming-read probe, compiled per ISA in their own
// files. Each returns the number of operations it performed (FMA: 2 flops per lane; int8:
// 2 ops per multiply-accumulate), so a benchmark can report a rate.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nanollama::bench {

// Sums `bytes` bytes of `data` (a multiple of 64) with plain loads; returns the sum so the
// compiler cannot drop the reads.
uint64_t stream_read(const uint64_t* data, size_t bytes);
// The same with a software prefetch 2 KB ahead (as the matrix-vector kernels do); on this
// host it is the higher of the two figures at two threads.
uint64_t stream_read_prefetch(const uint64_t* data, size_t bytes);

#if defined(NANOLLAMA_BENCH_X86)
double fma_peak_avx2(int64_t iterations);
double fma_peak_avx512(int64_t iterations);
double int8_peak_avx2(int64_t iterations);      // maddubs + madd + add
double int8_peak_avx512vnni(int64_t iterations);  // vpdpbusd
#endif

}  // namespace nanollama::bench
