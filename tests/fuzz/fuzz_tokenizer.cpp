// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the tokenizer on untrusted text and ids, over the built-in DanTagGen-like
// vocabulary. Text of any bytes encodes to ids inside the vocabulary; those ids decode; the
// input read as 32-bit ids decodes or throws Error (ids out of range), never more.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "nanollama/gguf.h"
#include "nanollama/model_builder.h"
#include "nanollama/tokenizer.h"

namespace {

const nanollama::Tokenizer& tokenizer() {
  static const std::shared_ptr<const nanollama::Tokenizer> tok = [] {
    nanollama::gguf::GgufWriter w;
    w.set("general.architecture", "llama");
    nanollama::add_synthetic_vocabulary(w, 2000);
    static const std::vector<uint8_t> bytes = w.write_to_memory();
    return nanollama::Tokenizer::from_gguf(*nanollama::gguf::GgufFile::parse(bytes, "vocab.gguf"));
  }();
  return *tok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nanollama;
  const Tokenizer& tok = tokenizer();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool special : {true, false}) {
    Tokenizer::EncodeOptions eo;
    eo.add_special = special;
    eo.parse_special = !special;
    const std::vector<int32_t> ids = tok.encode(text, eo);
    for (int32_t id : ids) {
      if (id < 0 || id >= tok.n_vocab()) std::abort();
    }
    Tokenizer::DecodeOptions dopt;
    dopt.remove_special = special;
    dopt.render_special = !special;
    (void)tok.decode(ids, dopt);
  }
  std::vector<int32_t> raw(size / 4);
  if (!raw.empty()) std::memcpy(raw.data(), data, raw.size() * 4);
  try {
    (void)tok.decode(raw);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::invalid_argument) std::abort();
  }
  return 0;
}
