// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: a GGUF file from untrusted bytes. Any bytes either parse or throw
// nanollama::Error; a parsed file's tensors lie inside the input; a file that loads as a
// model then evaluates one token on a small context without fault (its logits may be
// anything, but there are n_vocab of them).
// Build and run: scripts/fuzz.sh (or -DNANOLLAMA_BUILD_FUZZERS=ON with clang).
#include <cstdint>
#include <cstdlib>
#include <span>

#include "nanollama/gguf.h"
#include "nanollama/model.h"
#include "nanollama/session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nanollama;
  try {
    auto file = gguf::GgufFile::parse(std::span<const uint8_t>(data, size), "fuzz.gguf");
    for (const auto& t : file->tensors()) {
      if (t.data < data || t.data + t.n_bytes > data + size) std::abort();  // a reader bug: report it
    }
    ModelOptions mo;
    mo.prefetch = false;
    mo.n_threads = 1;
    mo.max_kv_bytes = uint64_t{64} << 20;  // the fuzzer's memory, not the library's default
    mo.check_weights = (size & 1) != 0;    // both paths, chosen by the input
    auto model = Model::from_gguf(file, mo);
    SessionOptions so;
    so.n_ctx = 8;
    so.n_threads = 1;
    Session session(model, so);
    const int32_t token = static_cast<int32_t>(size % static_cast<size_t>(model->hparams().n_vocab));
    const auto logits = session.eval(std::span<const int32_t>(&token, 1));
    if (logits.size() != static_cast<size_t>(model->hparams().n_vocab)) std::abort();
  } catch (const Error&) {
  }
  return 0;
}
