// SPDX-License-Identifier: Apache-2.0
// Machine limits, so every kernel figure reads as a fraction of one: streaming-read
// bandwidth (a buffer 8x the L3), and register-resident FMA and int8-dot peaks, on 1 and 2
// threads.
#include <memory>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "probes.h"

namespace nanollama::bench {
namespace {

constexpr size_t kStreamBytes = size_t{256} << 20;

// Runs fn(i) for i in [0, threads) on that many threads (the caller is thread 0), each part
// on its own thread so the probes really use `threads` cores. Plain std::thread, not the
// kernels' pool, whose parts may all land on one thread; starting a thread (~30 us) is
// well below one iteration of these probes (milliseconds).
template <class Fn>
void on_threads(int threads, Fn fn) {
  std::vector<std::thread> others;
  for (int i = 1; i < threads; ++i) others.emplace_back([&fn, i] { fn(i); });
  fn(0);
  for (auto& t : others) t.join();
}

void stream_bench(benchmark::State& state, uint64_t (*read)(const uint64_t*, size_t)) {
  const int threads = static_cast<int>(state.range(0));
  std::unique_ptr<uint64_t[]> buf(new uint64_t[kStreamBytes / 8]);
  for (size_t i = 0; i < kStreamBytes / 8; ++i) buf[i] = i;
  for (auto _ : state) {
    std::vector<uint64_t> sinks(static_cast<size_t>(threads));
    const size_t part = kStreamBytes / static_cast<size_t>(threads);
    on_threads(threads, [&](int i) {
      sinks[static_cast<size_t>(i)] = read(buf.get() + part / 8 * static_cast<size_t>(i), part);
    });
    benchmark::DoNotOptimize(sinks.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(kStreamBytes));
}
BENCHMARK_CAPTURE(stream_bench, plain, stream_read)
    ->Name("probe/stream_read")
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(stream_bench, prefetch, stream_read_prefetch)
    ->Name("probe/stream_read_prefetch")
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

#if defined(NANOLLAMA_BENCH_X86)
// Runs `probe` on each thread; reports the total operations per second as "GOP/s".
void peak_bench(benchmark::State& state, double (*probe)(int64_t)) {
  const int threads = static_cast<int>(state.range(0));
  constexpr int64_t kIterations = 1 << 22;
  double ops = 0;
  for (auto _ : state) {
    std::vector<double> done(static_cast<size_t>(threads));
    on_threads(threads, [&](int i) { done[static_cast<size_t>(i)] = probe(kIterations); });
    for (double d : done) ops += d;
  }
  state.counters["GOP/s"] = benchmark::Counter(ops * 1e-9, benchmark::Counter::kIsRate);
}

const bool registered = [] {
  struct Probe {
    const char* name;
    kernels::Isa needs;
    double (*fn)(int64_t);
  };
  const Probe probes[] = {
      {"probe/fma_peak_avx2", kernels::Isa::avx2, fma_peak_avx2},
      {"probe/fma_peak_avx512", kernels::Isa::avx512, fma_peak_avx512},
      {"probe/int8_peak_avx2_maddubs", kernels::Isa::avx2, int8_peak_avx2},
      {"probe/int8_peak_avx512vnni_dpbusd", kernels::Isa::avx512vnni, int8_peak_avx512vnni},
  };
  for (const Probe& p : probes) {
    if (!kernels::isa_supported(p.needs)) continue;
    benchmark::RegisterBenchmark(p.name, peak_bench, p.fn)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime();
  }
  return true;
}();
#endif

}  // namespace
}  // namespace nanollama::bench
