// SPDX-License-Identifier: Apache-2.0
// Load: 8 threads x 50 requests over one shared Model and Tokenizer, each thread with its own
// TagGenerator, some requests bad and some cancelled from another thread. Every result must
// equal the same request run alone on a fresh generator (bit for bit: same tags, same text),
// and every bad request must fail the same way. The ASan build checks this for leaks
// (LeakSanitizer), the TSan stage (scripts/tsan.sh) for races.
#include <atomic>
#include <chrono>
#include <thread>

#include "nanollama/tags.h"
#include "support/test_models.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

constexpr int kThreads = 8;
constexpr int kRequests = 50;

// Request i: a few input sets, targets and seeds; every 10th is refused (a bad ban).
TagRequest request(int i) {
  const char* general[] = {"1girl, solo", "2girls, (smile:1.2)", "cat, no humans", "1boy, sword, BREAK, armor"};
  TagRequest r;
  r.general = {general[i % 4]};
  r.rating = {i % 3 ? "safe" : "sensitive"};
  r.target = i % 2 ? tags::Target::very_short : tags::Target::short_;
  r.seed = 1000 + static_cast<uint64_t>(i);
  r.max_new_tokens = 24;
  r.max_retries = 1;
  r.variants = i % 7 == 0 ? 2 : 1;
  if (i % 5 == 0) r.ban = {"^hat", "exact:long hair"};
  if (i % 10 == 9) r.ban = {"(unclosed"};
  return r;
}

struct Outcome {
  bool ok = false;
  std::vector<std::vector<std::string>> tags;
  std::vector<std::string> formatted;
  std::string error;
  bool operator==(const Outcome&) const = default;
};

Outcome run(TagGenerator& g, const TagRequest& r) {
  Outcome o;
  try {
    const TagResult res = g.generate(r);
    o.ok = true;
    for (const auto& v : res.variants) {
      o.tags.push_back(v.tags);
      o.formatted.push_back(v.formatted);
    }
  } catch (const Error& e) {
    o.error = e.what();
  }
  return o;
}

TEST(Load, EightThreadsOfFiftyRequestsOverOneModelEachEqualToTheRequestAlone) {
  ModelSpec spec = testing::tag_model_spec();
  spec.n_embd = 64;
  spec.n_ff = 128;
  spec.n_head = 4;
  spec.n_head_kv = 2;
  const auto model = testing::make_test_model(spec);
  const auto tokenizer = Tokenizer::from_gguf(model->file());
  TagGeneratorOptions options;
  options.n_threads = 1;

  // Alone: each request on a fresh generator.
  std::vector<Outcome> alone(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    TagGenerator g(model, tokenizer, options);
    alone[static_cast<size_t>(i)] = run(g, request(i));
  }
  int refused = 0;
  for (const auto& o : alone) refused += o.ok ? 0 : 1;
  ASSERT_EQ(refused, kRequests / 10);

  // Together: 8 generators on 8 threads over the same model and tokenizer, each walking the
  // requests from its own starting point, so different requests overlap in time. Two of them
  // use a thread pool of 2 for their products.
  std::vector<std::vector<Outcome>> got(kThreads, std::vector<Outcome>(kRequests));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TagGeneratorOptions o = options;
      o.n_threads = t < 2 ? 2 : 1;
      TagGenerator g(model, tokenizer, o);
      for (int k = 0; k < kRequests; ++k) {
        const int i = (k + t * 7) % kRequests;
        got[static_cast<size_t>(t)][static_cast<size_t>(i)] = run(g, request(i));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kRequests; ++i) {
      EXPECT_EQ(got[static_cast<size_t>(t)][static_cast<size_t>(i)], alone[static_cast<size_t>(i)])
          << "thread " << t << ", request " << i;
    }
  }
}

TEST(Load, CancellingFromAnotherThreadWhileOthersRunLeavesEveryGeneratorUsable) {
  const auto model = testing::make_test_model(testing::tag_model_spec());
  TagGeneratorOptions options;
  options.n_threads = 1;
  TagRequest endless = request(1);
  endless.max_new_tokens = 512;
  endless.max_retries = 1000;
  endless.min_tags = 100000;
  endless.max_same_output = 1000;
  std::vector<std::unique_ptr<TagGenerator>> gens;
  for (int t = 0; t < 4; ++t) gens.push_back(std::make_unique<TagGenerator>(model, nullptr, options));
  std::vector<int> cancelled(4, 0);
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // The first callback says the request is under way; the canceller waits for all four.
      bool counted = false;
      const TagResult r = gens[static_cast<size_t>(t)]->generate(endless, [&](int32_t, std::string_view) {
        if (!counted) started.fetch_add(1), counted = true;
        return true;
      });
      cancelled[static_cast<size_t>(t)] = r.cancelled ? 1 : 0;
    });
  }
  // (Bounded: a generator that never wrote a tag would otherwise leave this waiting.)
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (started.load() < 4 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
  EXPECT_EQ(started.load(), 4);
  for (auto& g : gens) g->cancel();
  for (auto& th : threads) th.join();
  EXPECT_EQ(cancelled, std::vector<int>(4, 1));
  // Afterwards each gives what a fresh generator gives.
  TagGenerator fresh(model, nullptr, options);
  const Outcome expected = run(fresh, request(2));
  for (auto& g : gens) EXPECT_EQ(run(*g, request(2)), expected);
}

}  // namespace
}  // namespace nanollama
