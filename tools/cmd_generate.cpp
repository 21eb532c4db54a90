// SPDX-License-Identifier: Apache-2.0
// `nanollama generate`: plain text completion, streamed as it is sampled.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "input.h"
#include "nanollama/sampler.h"
#include "nanollama/tokenizer.h"
#include "sampling_options.h"
#include "session_options.h"

namespace nanollama::cli {

int cmd_generate(int argc, char** argv) {
  ArgParser args("generate", "-m MODEL (-p TEXT | --ids IDS) [options]",
                 "Continues a text with the model, printing tokens as they are sampled, then a line of\n"
                 "timing on stderr. Stops at end-of-text or after -n tokens.");
  add_model_options(args);
  add_sampling_options(args);
  args.option("prompt", 'p', "TEXT", "the text to continue (- reads it from stdin, bytes as they are)")
      .option("ids", 0, "IDS", "start from these token ids instead of a text (- for stdin)")
      .option("n-predict", 'n', "N", "tokens to generate at most", "128")
      .flag("no-bos", 0, "do not add the beginning-of-text token to the prompt")
      .flag("ignore-eos", 0, "keep going after end-of-text");
  if (!args.parse(argc, argv, 1)) return 0;
  args.expect_positionals(0, 0, "");
  if (args.has("prompt") == args.has("ids")) throw UsageError("give exactly one of --prompt and --ids");
  const int64_t n_predict = args.get_int("n-predict", 128, 0, 1 << 20);
  SamplerParams sampling = sampling_params(args);

  auto model = load_model(args);
  auto tokenizer = Tokenizer::from_gguf(model->file());
  std::vector<int32_t> prompt;
  std::string prompt_text;
  if (args.has("ids")) {
    prompt = parse_ids(text_or_stdin(args.get("ids"), "--ids"), "--ids");
  } else {
    prompt_text = text_or_stdin(args.get("prompt"), "--prompt");
    prompt = tokenizer->encode(prompt_text, {.add_special = !args.has("no-bos"), .parse_special = true});
  }
  if (prompt.empty()) throw UsageError("the prompt is empty (and --no-bos leaves no token to start from)");

  Session session(model, session_options(args));
  Sampler sampler(sampling, model->hparams().n_vocab);
  // The decoder reads the prompt's tokens too, so the continuation's spacing is right; the
  // prompt itself is echoed as the user wrote it.
  StreamDecoder stream(*tokenizer);
  std::string echo;
  for (int32_t id : prompt) echo += stream.push(id);
  std::cout << (args.has("prompt") ? prompt_text : echo) << std::flush;

  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto logits = session.eval(prompt);
  const auto t1 = clock::now();
  std::vector<int32_t> history = prompt;
  int64_t generated = 0;
  while (generated < n_predict) {
    const int32_t next = sampler.sample(logits, history);
    if (next == tokenizer->eos_id() && !args.has("ignore-eos")) break;
    std::cout << stream.push(next) << std::flush;
    history.push_back(next);
    ++generated;
    if (generated == n_predict || session.n_past(0) >= session.n_ctx()) break;
    logits = session.eval(std::span<const int32_t>(&next, 1));
  }
  std::cout << stream.flush() << "\n";
  const auto t2 = clock::now();

  const double prompt_s = std::chrono::duration<double>(t1 - t0).count();
  const double gen_s = std::chrono::duration<double>(t2 - t1).count();
  const double gen_tps = gen_s > 0 ? static_cast<double>(generated) / gen_s : 0.0;
  std::fprintf(stderr, "prompt: %zu tokens in %.1f ms (%.1f tok/s) | generation: %lld tokens in %.2f s (%.1f tok/s, %.1f GB/s of weights)\n",
               prompt.size(), prompt_s * 1e3, static_cast<double>(prompt.size()) / prompt_s,
               static_cast<long long>(generated), gen_s, gen_tps,
               gen_tps * static_cast<double>(model->bytes_per_token()) / 1e9);
  return 0;
}

}  // namespace nanollama::cli
