// SPDX-License-Identifier: Apache-2.0
#include "bench_tags.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "format.h"
#include "nanollama/kernels.h"
#include "nanollama/tags.h"
#include "session_options.h"

namespace nanollama::cli {
namespace {

using clock_type = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Requests of every shape a user sends: different tags, ratings, sizes; --target long.
std::vector<TagRequest> workload(size_t n, int32_t variants) {
  const char* generals[] = {
      "1girl, solo, dragon girl, dragon horns, dragon tail", "2girls, multiple girls, school uniform, smile",
      "1boy, male focus, armor, sword", "cat, no humans, outdoors, flower", "1girl, solo, long hair, blue eyes, dress",
      "1girl, solo, fox ears, kimono, cherry blossoms", "3girls, multiple girls, beach, swimsuit",
      "1girl, solo, witch hat, night, moon"};
  const char* ratings[] = {"safe", "sensitive", "general"};
  std::vector<TagRequest> out;
  for (size_t i = 0; i < n; ++i) {
    TagRequest r;
    r.general = split_tags(generals[i % std::size(generals)]);
    r.rating = {ratings[i % std::size(ratings)]};
    r.target = tags::Target::long_;
    r.seed = 1 + i;
    r.variants = variants;
    if (i % 4 == 1) r.width = 832, r.height = 1216;
    if (i % 4 == 3) r.width = 1216, r.height = 832;
    out.push_back(r);
  }
  return out;
}

int64_t count_tags(const std::vector<TagOutcome>& outcomes) {
  int64_t n = 0;
  for (const auto& o : outcomes) {
    for (const auto& v : o.result.variants) n += static_cast<int64_t>(v.tags.size());
  }
  return n;
}

SessionStats difference(const SessionStats& after, const SessionStats& before) {
  return {after.tokens_evaluated - before.tokens_evaluated, after.decode_calls - before.decode_calls,
          after.seconds - before.seconds};
}

bool same_tags(const TagResult& a, const TagResult& b, size_t variants) {
  for (size_t v = 0; v < variants; ++v) {
    if (a.variants.at(v).tags != b.variants.at(v).tags) return false;
  }
  return true;
}

}  // namespace

void add_tag_bench_options(ArgParser& args) {
  args.option("variants", 0, "N", "tag workload: --target long requests with N variants each, against one variant")
      .option("parallel", 0, "N", "tag workload: --requests requests with N in flight, against one at a time")
      .option("requests", 0, "K", "requests in the workload", "8 with --variants, 64 with --parallel")
      .option("step-rows", 0, "N", "rows a batched step is filled to with prompt chunks while sequences decode", "16")
      .option("step-tokens", 0, "N", "prompt tokens a step takes when nothing decodes", "64");
}

bool wants_tag_bench(const ArgParser& args) { return args.has("variants") || args.has("parallel"); }

int run_tag_bench(const ArgParser& args) {
  if (args.has("variants") && args.has("parallel")) throw UsageError("give --variants or --parallel, not both");
  const auto reps = static_cast<int>(args.get_int("repetitions", 3, 1, 1000));
  const SessionOptions s = session_options(args);
  TagGeneratorOptions o;
  o.n_threads = s.n_threads;
  o.n_ctx = s.n_ctx;
  o.kv_type = s.kv_type;
  o.step_rows = static_cast<int32_t>(args.get_int("step-rows", 16, 1, 4096));
  o.step_tokens = static_cast<int32_t>(args.get_int("step-tokens", 64, 1, 4096));
  auto model = load_model(args);
  TagGenerator generator(model, nullptr, o);

  const bool variants_mode = args.has("variants");
  const auto n = static_cast<int32_t>(variants_mode ? args.get_int("variants", 4, 1, 64) : args.get_int("parallel", 8, 1, 64));
  // With variants, one request's time is its slowest variant's (each pass waits for the last
  // one's tags), so a single request says more about its seed than about batching: the
  // workload is several requests, one at a time, each with N variants or with one.
  const auto n_requests = static_cast<size_t>(args.get_int("requests", variants_mode ? 8 : 64, 1, 100000));
  const auto base = workload(n_requests, 1);
  const auto wide = variants_mode ? workload(n_requests, n) : base;
  const int32_t in_flight = variants_mode ? 1 : n;

  std::vector<double> t_base, t_wide;
  int64_t tags_base = 0, tags_wide = 0;
  SessionStats steps_base{}, steps_wide{};  // of the last repetition
  bool identical = true;
  for (int rep = 0; rep < reps; ++rep) {
    SessionStats before = generator.session_stats();
    auto t0 = clock_type::now();
    const auto a = generator.generate_many(base, 1);
    t_base.push_back(std::chrono::duration<double>(clock_type::now() - t0).count());
    steps_base = difference(generator.session_stats(), before);
    before = generator.session_stats();
    t0 = clock_type::now();
    const auto b = generator.generate_many(wide, in_flight);
    t_wide.push_back(std::chrono::duration<double>(clock_type::now() - t0).count());
    steps_wide = difference(generator.session_stats(), before);
    tags_base = count_tags(a);
    tags_wide = count_tags(b);
    for (size_t i = 0; i < a.size(); ++i) identical = identical && a[i].ok && b[i].ok && same_tags(b[i].result, a[i].result, 1);
  }
  const double base_s = median(t_base), wide_s = median(t_wide);
  const std::string label = variants_mode ? std::to_string(n) + " variants" : std::to_string(n) + " in flight";
  const std::string one = variants_mode ? "1 variant" : "1 in flight";
  if (args.has("json")) {
    json::Value out;
    out.set("model", model->describe());
    out.set("isa", std::string(kernels::isa_name(kernels::active_isa())));
    out.set("threads", static_cast<int64_t>(s.n_threads > 0 ? s.n_threads : kernels::default_threads()));
    out.set("mode", variants_mode ? "variants" : "parallel");
    out.set("n", static_cast<int64_t>(n));
    out.set("requests", static_cast<int64_t>(n_requests));
    out.set("single_seconds", base_s);
    out.set("single_tags", tags_base);
    out.set("batched_seconds", wide_s);
    out.set("batched_tags", tags_wide);
    out.set("single_tags_per_second", static_cast<double>(tags_base) / base_s);
    out.set("batched_tags_per_second", static_cast<double>(tags_wide) / wide_s);
    out.set("identical", identical);
    std::printf("%s\n", json::dump(out).c_str());
    return identical ? 0 : 1;
  }
  std::printf("model:      %s\n", model->describe().c_str());
  std::printf("workload:   %zu --target long request%s%s, medians of %d alternating repetitions\n", n_requests,
              n_requests == 1 ? "" : "s", variants_mode ? ", one at a time" : "", reps);
  std::printf("%-11s %8.2f s  %6lld tags  %7.1f tags/s   %lld steps, %lld tokens evaluated\n", (one + ":").c_str(),
              base_s, static_cast<long long>(tags_base), static_cast<double>(tags_base) / base_s,
              static_cast<long long>(steps_base.decode_calls), static_cast<long long>(steps_base.tokens_evaluated));
  std::printf("%-11s %8.2f s  %6lld tags  %7.1f tags/s   %lld steps, %lld tokens evaluated\n", (label + ":").c_str(),
              wide_s, static_cast<long long>(tags_wide), static_cast<double>(tags_wide) / wide_s,
              static_cast<long long>(steps_wide.decode_calls), static_cast<long long>(steps_wide.tokens_evaluated));
  std::printf("ratio:      %.2fx the time, %.2fx the tags per second\n", wide_s / base_s,
              (static_cast<double>(tags_wide) / wide_s) / (static_cast<double>(tags_base) / base_s));
  std::printf("identical:  %s\n", identical ? "yes (variant 0 / every request equals its single run)"
                                            : "NO: batching changed a result");
  return identical ? 0 : 1;
}

}  // namespace nanollama::cli
