// SPDX-License-Identifier: Apache-2.0
#include "session_options.h"

namespace nanollama::cli {

void add_model_options(ArgParser& args) {
  args.option("model", 'm', "FILE", "GGUF model file (required)")
      .option("threads", 't', "N", "worker threads", "all CPUs")
      .option("ctx", 'c', "N", "context length (positions)", "the model's")
      .option("kv", 0, "f16|f32", "KV cache precision", "f16")
      .option("activation", 0, "silu|mish", "MLP activation (DanTagGen was trained with mish)", "silu")
      .flag("no-repack", 0, "keep Q8_0 weights as mapped from the file (faster start, slower prompts)")
      .flag("check-weights", 0, "read every weight at load and refuse the file if one is NaN or infinite")
      .flag("lossy-bf16", 0,
            "LOSSY: round F16/F32 weights and the activations to BF16 in matrix products (F16 prompts ~2x "
            "faster on CPUs with AVX512-BF16; a dot product's error about Q8_0's)");
}

std::shared_ptr<const Model> load_model(const ArgParser& args) {
  auto path = args.get_opt("model");
  if (!path || path->empty()) throw UsageError("missing --model FILE");
  ModelOptions o;
  o.repack = !args.has("no-repack");
  o.check_weights = args.has("check-weights");
  o.lossy_bf16 = args.has("lossy-bf16");
  o.n_threads = static_cast<int>(args.get_int("threads", 0, 0, 1024));
  return Model::load(*path, o);
}

SessionOptions session_options(const ArgParser& args) {
  SessionOptions o;
  o.n_threads = static_cast<int32_t>(args.get_int("threads", 0, 0, 1024));
  o.n_ctx = static_cast<int32_t>(args.get_int("ctx", 0, 0, 1 << 20));
  const std::string kv = args.get("kv", "f16");
  if (kv == "f16") {
    o.kv_type = KvType::f16;
  } else if (kv == "f32") {
    o.kv_type = KvType::f32;
  } else {
    throw UsageError("--kv must be f16 or f32, got '" + kv + "'");
  }
  const std::string act = args.get("activation", "silu");
  if (act != "silu" && act != "mish") throw UsageError("--activation must be silu or mish, got '" + act + "'");
  o.activation = parse_activation(act);
  return o;
}

std::vector<int32_t> parse_ids(const std::string& text, const std::string& option) {
  std::vector<int32_t> ids;
  std::string item;
  auto flush = [&] {
    if (item.empty()) return;
    auto v = parse_int(item);
    if (!v || *v < 0 || *v > INT32_MAX) throw UsageError(option + ": '" + item + "' is not a token id");
    ids.push_back(static_cast<int32_t>(*v));
    item.clear();
  };
  for (char c : text) {
    if (c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '\r') {
      flush();
    } else {
      item += c;
    }
  }
  flush();
  return ids;
}

}  // namespace nanollama::cli
