// Machine limits, so every kernel figure reads as a fraction of one: streaming-read
// bandwidth (a buffer 8x the L3), and register-resident FMA and int8-dot peaks, on 1 and 2
// threads.
#include <omp.h>

#include <memory>

#include "bench_util.h"
#include "probes.h"

namespace nanollama::bench {
namespace {

constexpr size_t kStreamBytes = size_t{256} << 20;

void stream_bench(benchmark::State& state, uint64_t (*read)(const uint64_t*, size_t)) {
  const int threads = static_cast<int>(state.range(0));
  std::unique_ptr<uint64_t[]> buf(new uint64_t[kStreamBytes / 8]);
  for (size_t i = 0; i < kStreamBytes / 8; ++i) buf[i] = i;
  for (auto _ : state) {
    uint64_t sink = 0;
#pragma omp parallel num_threads(threads) reduction(^ : sink)
    {
      const size_t part = kStreamBytes / static_cast<size_t>(omp_get_num_threads());
      sink ^= read(buf.get() + part / 8 * static_cast<size_t>(omp_get_thread_num()), part);
    }
    benchmark::DoNotOptimize(sink);
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
    double total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    total += probe(kIterations);
    ops += total;
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
