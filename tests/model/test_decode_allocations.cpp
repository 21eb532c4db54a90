// SPDX-License-Identifier: Apache-2.0
// "Decoding allocates nothing" (src/model/session_impl.h), checked: this program replaces
// the global operator new and delete with counting versions, warms a session up, and then
// expects zero allocations, on any thread, across further Session::decode calls. The
// decodes cover every weight type, both layouts of Q8_0, both KV types, both activations,
// one and two threads, and batches of one token, of several sequences and of a prompt.
// A separate program: the replacement is process-wide.
//
// Warm-up: the session sizes its own buffers when it is created, but the kernels keep some
// scratch per thread (thread_local, grown on a thread's first product of a shape). With
// one thread, one decode of each shape warms everything, and the test holds it to that.
// With two, which thread runs which part of a product is decided at run time, so the pool
// worker may meet a shape for the first time later; there the warm-up repeats until three
// rounds in a row allocate nothing (a decode that allocates every time never gets there).
#include <atomic>
#include <cstdlib>
#include <new>

#include "nanollama/session.h"
#include "support/test_models.h"
#include "support/test_support.h"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<int64_t> g_allocations{0};

void* counted_alloc(std::size_t size, std::size_t align) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = nullptr;
  if (align <= alignof(std::max_align_t)) {
    p = std::malloc(size);
  } else if (posix_memalign(&p, align, size) != 0) {
    p = nullptr;
  }
  return p;
}

}  // namespace

// GCC sees these deletes call free() on memory that "new" returned and warns; here new is
// malloc underneath, so the pairing is right.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t n) {
  if (void* p = counted_alloc(n, 0)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = counted_alloc(n, static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, 0); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

namespace nanollama {
namespace {

// Allocations made by `fn` (on any thread).
template <class Fn>
int64_t allocations_in(Fn&& fn) {
  g_allocations = 0;
  g_counting = true;
  fn();
  g_counting = false;
  return g_allocations.load();
}

std::vector<int>* volatile g_escape;  // stored here, an allocation cannot be optimised away

TEST(CountingAllocator, SeesAllocations) {
  // The counter works, so the zeros below mean something: the vector object and its buffer.
  EXPECT_EQ(allocations_in([] {
              g_escape = new std::vector<int>(100);
              delete g_escape;
            }),
            2);
  EXPECT_EQ(allocations_in([] {}), 0);
}

struct Case {
  const char* name;
  TensorType type;
  bool repack;
  KvType kv;
  Activation activation;
  int threads;
};

class DecodeAllocations : public ::testing::TestWithParam<Case> {};

std::vector<int32_t> some_tokens(int32_t n, int32_t salt, int32_t n_vocab) {
  std::vector<int32_t> t;
  for (int32_t i = 0; i < n; ++i) t.push_back((i * 131 + salt * 17 + 5) % n_vocab);
  return t;
}

TEST_P(DecodeAllocations, NoneOnceWarm) {
  const Case& c = GetParam();
  ModelSpec spec = testing::small_spec(c.type, 9);
  testing::TempDir dir;
  const auto path = dir.file("model.gguf").string();
  write_random_model(spec, path);
  ModelOptions mo;
  mo.repack = c.repack;
  const auto model = Model::load(path, mo);
  const int32_t V = model->hparams().n_vocab;

  SessionOptions so;
  so.n_seq_max = 4;
  so.n_ctx = 128;
  so.kv_cells = 4 * 128;
  so.kv_type = c.kv;
  so.activation = c.activation;
  so.n_threads = c.threads;
  so.n_batch = 32;
  Session session(model, so);

  // The batches are built before counting: a Batch is the caller's vector.
  Batch prompt;
  for (int32_t id : some_tokens(24, 1, V)) prompt.add(id, 0, false);
  prompt.want_logits.back() = 1;
  Batch one;
  one.add(7, 0, true);
  Batch variants;
  for (int32_t s = 0; s < 4; ++s) variants.add(11 + s, s, true);

  // Allocations made by the decodes only (forks and rollbacks between them are not counted).
  int64_t counted = 0;
  auto decode = [&](const Batch& b) { counted += allocations_in([&] { session.decode(b); }); };
  // One round: a prompt, then one token, then four sequences at once, then five single
  // tokens and five batches of four; the cache is cleared first, so rounds can repeat.
  auto round = [&] {
    counted = 0;
    session.clear_all();
    decode(prompt);
    for (int32_t s = 1; s < 4; ++s) session.fork(0, s);
    decode(one);
    decode(variants);
    for (int step = 0; step < 5; ++step) {
      one.tokens[0] = (step * 37 + 3) % V;
      decode(one);
    }
    for (int step = 0; step < 5; ++step) decode(variants);
    return counted;
  };

  if (c.threads == 1) {
    // Deterministic: the first round warms everything, the second allocates nothing.
    round();
    EXPECT_EQ(round(), 0) << c.name;
    EXPECT_EQ(round(), 0) << c.name;
  } else {
    // A round that allocates is followed by more warm-up (a late first product on the
    // worker); a decode that allocates every time fails every attempt.
    int64_t last = -1;
    int attempt = 0;
    for (; attempt < 5 && last != 0; ++attempt) {
      int clean = 0, rounds = 0;
      for (; clean < 3 && rounds < 200; ++rounds) clean = round() == 0 ? clean + 1 : 0;
      ASSERT_EQ(clean, 3) << c.name << ": decoding still allocates after " << rounds << " rounds";
      last = round();
    }
    EXPECT_EQ(last, 0) << c.name << " (after " << attempt << " warm-ups)";
  }
  EXPECT_EQ(session.n_past(0), 24 + 1 + 1 + 5 + 5);
}

INSTANTIATE_TEST_SUITE_P(
    Types, DecodeAllocations,
    ::testing::Values(Case{"F32", TensorType::F32, true, KvType::f16, Activation::silu, 2},
                      Case{"F16", TensorType::F16, true, KvType::f16, Activation::silu, 2},
                      Case{"BF16", TensorType::BF16, true, KvType::f32, Activation::silu, 2},
                      Case{"Q8_0_panels", TensorType::Q8_0, true, KvType::f16, Activation::silu, 2},
                      Case{"Q8_0_rows", TensorType::Q8_0, false, KvType::f16, Activation::mish, 2},
                      Case{"Q6_K", TensorType::Q6_K, true, KvType::f32, Activation::mish, 2},
                      Case{"Q8_0_panels_one_thread", TensorType::Q8_0, true, KvType::f16, Activation::silu, 1},
                      Case{"Q8_0_rows_one_thread", TensorType::Q8_0, false, KvType::f32, Activation::silu, 1},
                      Case{"Q6_K_one_thread", TensorType::Q6_K, true, KvType::f16, Activation::silu, 1},
                      Case{"F16_one_thread", TensorType::F16, true, KvType::f16, Activation::mish, 1}),
    [](const ::testing::TestParamInfo<Case>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace nanollama
