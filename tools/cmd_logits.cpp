// SPDX-License-Identifier: Apache-2.0
// `nanollama logits`: every position's logits for a list of token ids, as raw float32.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "input.h"
#include "session_options.h"

namespace nanollama::cli {

int cmd_logits(int argc, char** argv) {
  ArgParser args("logits", "-m MODEL --ids \"1 2 3 ...\" -o OUT.f32 [options]",
                 "Evaluates the ids as one prompt (a batched pass) and writes every position's logits as\n"
                 "float32 little-endian, row-major [n_ids, n_vocab]: row i holds the logits after ids[0..i].");
  add_model_options(args);
  args.option("ids", 0, "IDS", "token ids, separated by spaces or commas (required; - for stdin)")
      .option("output", 'o', "FILE", "where to write the logits (required; - for stdout)");
  if (!args.parse(argc, argv, 1)) return 0;
  args.expect_positionals(0, 0, "");
  const auto ids = parse_ids(text_or_stdin(args.get("ids"), "--ids"), "--ids");
  if (ids.empty()) throw UsageError("missing --ids (at least one token id)");
  const std::string out_path = args.get("output");
  if (out_path.empty()) throw UsageError("missing --output FILE");

  auto model = load_model(args);
  SessionOptions options = session_options(args);
  if (options.n_ctx == 0) options.n_ctx = std::max<int32_t>(model->hparams().n_ctx_train, static_cast<int32_t>(ids.size()));
  Session session(model, options);
  Batch batch;
  for (int32_t id : ids) batch.add(id, 0, true);
  session.decode(batch);

  const auto V = static_cast<size_t>(model->hparams().n_vocab);
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (out_path != "-") {
    file.open(out_path, std::ios::binary | std::ios::trunc);
    if (!file) throw Error(ErrorCode::io, out_path + ": cannot create: " + std::strerror(errno));
    out = &file;
  }
  for (int32_t i = 0; i < session.n_logits(); ++i) {
    const auto row = session.logits(i);
    out->write(reinterpret_cast<const char*>(row.data()), static_cast<std::streamsize>(V * sizeof(float)));
  }
  out->flush();
  if (!*out) throw Error(ErrorCode::io, out_path + ": write failed");
  std::cerr << "wrote " << ids.size() << " x " << V << " logits to " << out_path << "\n";
  return 0;
}

}  // namespace nanollama::cli
