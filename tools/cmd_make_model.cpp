// SPDX-License-Identifier: Apache-2.0
// `nanollama make-model`: writes a random-weight llama model (seeded, byte-identical for the
// same arguments) for benchmarks, demos and tests.
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "format.h"
#include "nanollama/kernels.h"
#include "nanollama/model_builder.h"
#include "progress.h"
#include "session_options.h"

namespace nanollama::cli {

int cmd_make_model(int argc, char** argv) {
  ArgParser args("make-model", "-o OUT.gguf [--preset tiny|dtg] [options]",
                 "Writes a LLaMA-architecture GGUF with random weights. --preset dtg is DanTagGen's exact\n"
                 "shape (dim 1024, FFN 3072, 24 layers, 16/16 heads, vocabulary 32006, context 2048).\n"
                 "The weights are random: the model produces gibberish. With the built-in vocabulary\n"
                 "its output layer leans toward tag words, commas and end-of-text, so that tag\n"
                 "generation visibly works end to end.");
  args.option("output", 'o', "FILE", "where to write the model (required)")
      .option("preset", 0, "tiny|dtg", "starting shape", "tiny")
      .option("dim", 0, "N", "embedding width")
      .option("ffn", 0, "N", "MLP hidden width")
      .option("layers", 0, "N", "transformer blocks")
      .option("heads", 0, "N", "attention heads")
      .option("kv-heads", 0, "N", "key/value heads (grouped-query attention)")
      .option("ctx", 0, "N", "training context length")
      .option("vocab", 0, "N", "vocabulary size with the built-in vocabulary", "32006")
      .option("type", 0, "f32|f16|bf16|q8_0|q6_k", "type of the weight matrices", "f16")
      .option("seed", 0, "N", "random seed", "1")
      .option("vocab-from", 0, "GGUF", "copy the tokenizer from this model instead of the built-in one")
      .flag("tied", 0, "share the embedding as the output matrix")
      .flag("force", 'f', "overwrite an existing output file");
  if (!args.parse(argc, argv, 1)) return 0;
  args.expect_positionals(0, 0, "");
  const std::string out = args.get("output");
  if (out.empty()) throw UsageError("missing --output FILE");
  if (std::filesystem::exists(out) && !args.has("force")) {
    throw Error(ErrorCode::invalid_argument, out + " exists (use --force to overwrite)");
  }

  ModelSpec spec = model_preset(args.get("preset", "tiny"));
  spec.n_embd = static_cast<int32_t>(args.get_int("dim", spec.n_embd, 1, 1 << 16));
  spec.n_ff = static_cast<int32_t>(args.get_int("ffn", spec.n_ff, 1, 1 << 18));
  spec.n_layer = static_cast<int32_t>(args.get_int("layers", spec.n_layer, 1, 1024));
  spec.n_head = static_cast<int32_t>(args.get_int("heads", spec.n_head, 1, 1024));
  spec.n_head_kv = static_cast<int32_t>(args.get_int("kv-heads", args.has("heads") ? spec.n_head : spec.n_head_kv, 1, 1024));
  spec.n_ctx = static_cast<int32_t>(args.get_int("ctx", spec.n_ctx, 1, 1 << 20));
  spec.n_vocab = static_cast<int32_t>(args.get_int("vocab", spec.n_vocab, 1, 1 << 22));
  spec.seed = args.get_u64("seed", 1);
  spec.tied_output = args.has("tied");
  const std::string type = args.get("type", "f16");
  auto parsed = parse_tensor_type(type);
  if (!parsed || !kernels::supports_weight_type(*parsed)) {
    std::string known;
    for (TensorType t : kernels::weight_types()) known += (known.empty() ? "" : ", ") + std::string(tensor_type_name(t));
    throw UsageError("--type must be one of " + known + " (any case), got '" + type + "'");
  }
  spec.type = *parsed;
  std::shared_ptr<const gguf::GgufFile> vocab;
  if (auto from = args.get_opt("vocab-from")) {
    vocab = gguf::GgufFile::open(*from);
    spec.vocab_from = vocab.get();
  }

  Progress progress("make-model " + out);
  write_random_model(spec, out, [&](size_t done, size_t total, uint64_t bytes) {
    progress.update(done, total, human_bytes(bytes));
  });
  progress.finish("wrote " + human_bytes(std::filesystem::file_size(out)) + " (random weights, seed " +
                  std::to_string(spec.seed) + ")");
  return 0;
}

}  // namespace nanollama::cli
