// SPDX-License-Identifier: Apache-2.0
// `nanollama bench`: prompt and generation speed of a model on this machine, as medians,
// with generation read as GB/s of weights against a streaming-read probe of the same run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "bench_tags.h"
#include "commands.h"
#include "format.h"
#include "nanollama/kernels.h"
#include "session_options.h"

namespace nanollama::cli {
namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// GB/s of a plain streaming read of a buffer far larger than the caches, on n threads: the
// ceiling a bandwidth-bound decoder can approach.
double read_bandwidth(int threads) {
  const size_t bytes = size_t{1} << 30;
  const size_t words = bytes / sizeof(uint64_t);
  std::unique_ptr<uint64_t[]> buf(new uint64_t[words]);
  kernels::parallel_for(threads, static_cast<int64_t>(words), [&](int64_t b, int64_t e) {
    std::memset(buf.get() + b, 1, static_cast<size_t>(e - b) * sizeof(uint64_t));  // fault the pages in
  });
  std::vector<double> runs;
  volatile uint64_t sink = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = clock_type::now();
    std::vector<uint64_t> partial(static_cast<size_t>(threads), 0);
    kernels::parallel_for(threads, threads, [&](int64_t w0, int64_t w1) {
      for (int64_t w = w0; w < w1; ++w) {
        const size_t b = words * static_cast<size_t>(w) / static_cast<size_t>(threads);
        const size_t e = words * static_cast<size_t>(w + 1) / static_cast<size_t>(threads);
        uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (size_t i = b; i + 4 <= e; i += 4) {
          a0 += buf[i];
          a1 += buf[i + 1];
          a2 += buf[i + 2];
          a3 += buf[i + 3];
        }
        partial[static_cast<size_t>(w)] = a0 + a1 + a2 + a3;
      }
    });
    runs.push_back(static_cast<double>(bytes) / seconds_since(t0) / 1e9);
    for (auto p : partial) sink = sink + p;
  }
  return median(runs);
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  ArgParser args("bench", "-m MODEL [-p N] [-n N] [-r N] [options]",
                 "Measures prompt processing (one batched pass over N tokens) and generation (one token\n"
                 "per pass) on this machine, printing medians over the repetitions. Generation speed is\n"
                 "also given as GB/s of weights read, next to a streaming-read probe of this machine.");
  add_model_options(args);
  args.option("prompt-tokens", 'p', "N", "tokens in the prompt pass", "128")
      .option("gen-tokens", 'n', "N", "tokens generated one at a time", "64")
      .option("repetitions", 'r', "N", "repetitions (the median is reported)", "5")
      .flag("no-probe", 0, "skip the memory-bandwidth probe")
      .flag("json", 0, "print one JSON object");
  add_tag_bench_options(args);
  if (!args.parse(argc, argv, 1)) return 0;
  args.expect_positionals(0, 0, "");
  if (wants_tag_bench(args)) return run_tag_bench(args);
  const auto n_prompt = static_cast<int32_t>(args.get_int("prompt-tokens", 128, 1, 1 << 16));
  const auto n_gen = static_cast<int32_t>(args.get_int("gen-tokens", 64, 1, 1 << 16));
  const auto reps = static_cast<int>(args.get_int("repetitions", 5, 1, 1000));

  auto model = load_model(args);
  SessionOptions o = session_options(args);
  if (o.n_ctx == 0) o.n_ctx = std::min(model->hparams().n_ctx_train, n_prompt + n_gen + 1);
  if (n_prompt + n_gen > o.n_ctx) throw UsageError("prompt + generated tokens exceed the context (--ctx)");
  Session session(model, o);
  const int32_t V = model->hparams().n_vocab;
  std::vector<int32_t> prompt(static_cast<size_t>(n_prompt));
  for (int32_t i = 0; i < n_prompt; ++i) prompt[static_cast<size_t>(i)] = (i * 7919 + 3) % V;

  session.eval(std::span<const int32_t>(prompt).first(std::min<size_t>(prompt.size(), 8)));  // warm up
  std::vector<double> pp, tg;
  for (int rep = 0; rep < reps; ++rep) {
    session.clear(0);
    auto t0 = clock_type::now();
    session.eval(prompt);
    pp.push_back(n_prompt / seconds_since(t0));
    t0 = clock_type::now();
    for (int32_t i = 0; i < n_gen; ++i) {
      const int32_t token = (i * 31 + 11) % V;
      session.eval(std::span<const int32_t>(&token, 1));
    }
    tg.push_back(n_gen / seconds_since(t0));
  }
  const double pp_tps = median(pp), tg_tps = median(tg);
  const double gbps = tg_tps * static_cast<double>(model->bytes_per_token()) / 1e9;
  const double probe = args.has("no-probe") ? 0.0 : read_bandwidth(session.n_threads());

  if (args.has("json")) {
    json::Value out;
    out.set("model", model->describe());
    out.set("isa", std::string(kernels::isa_name(kernels::active_isa())));
    out.set("threads", static_cast<int64_t>(session.n_threads()));
    out.set("prompt_tokens", static_cast<int64_t>(n_prompt));
    out.set("prompt_tokens_per_second", pp_tps);
    out.set("gen_tokens", static_cast<int64_t>(n_gen));
    out.set("gen_tokens_per_second", tg_tps);
    out.set("gen_weight_gbps", gbps);
    if (probe > 0) out.set("read_bandwidth_gbps", probe);
    std::printf("%s\n", json::dump(out).c_str());
    return 0;
  }
  std::printf("model:      %s\n", model->describe().c_str());
  std::printf("machine:    %s path, %d threads, KV %s\n", std::string(kernels::isa_name(kernels::active_isa())).c_str(),
              session.n_threads(), o.kv_type == KvType::f16 ? "f16" : "f32");
  std::printf("prompt:     %d tokens  %8.1f tok/s   (median of %d)\n", n_prompt, pp_tps, reps);
  std::printf("generation: %d tokens   %8.1f tok/s   %.1f GB/s of weights (%s per token)\n", n_gen, tg_tps, gbps,
              human_bytes(model->bytes_per_token()).c_str());
  if (probe > 0) {
    std::printf("bandwidth:  %.1f GB/s streaming read on %d threads: generation runs at %.0f%% of it\n", probe,
                session.n_threads(), 100.0 * gbps / probe);
  }
  return 0;
}

}  // namespace nanollama::cli
