// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the GGUF reader: any bytes either parse or throw nanollama::Error;
// a parsed file's tensors lie inside the input. Build with clang and
// -DNANOLLAMA_BUILD_FUZZERS=ON, then run: build-fuzz/tests/fuzz_gguf -max_total_time=60
#include <cstdint>
#include <cstdlib>
#include <span>

#include "nanollama/gguf.h"
#include "nanollama/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto file = nanollama::gguf::GgufFile::parse(std::span<const uint8_t>(data, size), "fuzz.gguf");
    for (const auto& t : file->tensors()) {
      if (t.data < data || t.data + t.n_bytes > data + size) std::abort();  // a reader bug: report it
    }
    // The model loader's checks run on whatever parsed.
    try {
      nanollama::Model::from_gguf(file, {.prefetch = false});
    } catch (const nanollama::Error&) {
    }
  } catch (const nanollama::Error&) {
  }
  return 0;
}
