// SPDX-License-Identifier: Apache-2.0
// `nanollama tokenize` and `nanollama detokenize`: text to token ids and back, with the
// model's own vocabulary.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli.h"
#include "commands.h"
#include "input.h"
#include "nanollama/error.h"
#include "nanollama/gguf.h"
#include "nanollama/tokenizer.h"

namespace nanollama::cli {
namespace {

std::shared_ptr<const Tokenizer> load_tokenizer(const ArgParser& args) {
  const auto model = args.get_opt("model");
  if (!model) throw UsageError("missing --model FILE");
  return Tokenizer::from_gguf(*gguf::GgufFile::open(*model));
}

// The piece in single quotes, readable on a terminal: printable ASCII and well-formed
// UTF-8 as they are, \n \r \t \\ \' escaped, every other byte as \xNN.
std::string quoted_piece(const std::string& piece) {
  std::string out = "'";
  for (size_t i = 0; i < piece.size();) {
    const auto c = static_cast<unsigned char>(piece[i]);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '\\') out += "\\\\";
    else if (c == '\'') out += "\\'";
    else if (c >= 0x20 && c < 0x7F) out += static_cast<char>(c);
    else {
      // Keep a whole well-formed multi-byte character; escape anything else.
      const size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
      bool whole = n > 0 && i + n <= piece.size();
      for (size_t k = 1; whole && k < n; ++k) whole = (static_cast<unsigned char>(piece[i + k]) & 0xC0) == 0x80;
      if (whole) {
        out.append(piece, i, n);
        i += n;
        continue;
      }
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
    ++i;
  }
  return out + "'";
}

// Ids from arguments like "1 2 3", "1,2,3" or "[1, 2, 3]" (one or several arguments).
std::vector<int32_t> parse_ids(const std::vector<std::string>& args) {
  std::vector<int32_t> ids;
  for (const auto& arg : args) {
    std::string cleaned = arg;
    for (char& c : cleaned) {
      if (c == ',' || c == '[' || c == ']') c = ' ';
    }
    std::istringstream words(cleaned);
    for (std::string word; words >> word;) {
      const auto value = parse_int(word);
      if (!value) throw UsageError("'" + word + "' is not a token id");
      if (*value < INT32_MIN || *value > INT32_MAX) {
        throw Error(ErrorCode::invalid_argument, "token id " + word + " is out of range");
      }
      ids.push_back(static_cast<int32_t>(*value));
    }
  }
  return ids;
}

}  // namespace

int cmd_tokenize(int argc, char** argv) {
  ArgParser args("tokenize", "-m MODEL [options] (TEXT | --file FILE)",
                 "Prints the token ids of a text, space-separated, as llama.cpp's tokenizer gives them.");
  args.option("model", 'm', "FILE", "the GGUF model whose vocabulary to use")
      .option("file", 'f', "FILE", "tokenize the bytes of FILE, exactly as they are (- for stdin)")
      .flag("stdin", 0, "the same as --file - (kept for scripts written before the - convention)")
      .flag("no-bos", 0, "do not add BOS (or EOS, if the model adds one)")
      .flag("no-special", 0, "treat <s>, </s>, <unk> in the text as plain text (DanTagGen's <|...|> tokens still match)")
      .flag("pieces", 0, "print one token per line: its id and the text it stands for")
      .epilog("TEXT - (or --file -) reads the text from standard input. A trailing newline in a file\n"
              "or on standard input is part of the text.\n"
              "Example: nanollama tokenize -m model.gguf 'general: 1girl, solo<|input_end|>'");
  if (!args.parse(argc, argv, 1)) return 0;
  const int sources = (args.positionals().empty() ? 0 : 1) + (args.has("file") ? 1 : 0) + (args.has("stdin") ? 1 : 0);
  if (sources != 1) throw UsageError("give exactly one of TEXT, --file FILE or --stdin");
  args.expect_positionals(0, 1, "TEXT");
  const auto tok = load_tokenizer(args);

  std::string text;
  if (args.has("file")) {
    text = read_input(args.get("file"), "--file");
  } else if (args.has("stdin")) {
    text = read_input("-", "--stdin");
  } else {
    text = text_or_stdin(args.positionals()[0], "TEXT");
  }

  const auto ids = tok->encode(text, Tokenizer::EncodeOptions{!args.has("no-bos"), !args.has("no-special")});
  std::ostringstream out;
  if (args.has("pieces")) {
    for (const int32_t id : ids) out << id << "\t" << quoted_piece(tok->piece(id, true)) << "\n";
  } else {
    for (size_t i = 0; i < ids.size(); ++i) out << (i ? " " : "") << ids[i];
    out << "\n";
  }
  std::cout << out.str();
  return 0;
}

int cmd_detokenize(int argc, char** argv) {
  ArgParser args("detokenize", "-m MODEL [--render-special] (IDS... | -)",
                 "Prints the text of token ids, as llama.cpp's detokenizer gives it. IDS are separate\n"
                 "arguments or one quoted list (\"1 2 3\", \"1,2,3\" or \"[1, 2, 3]\"); - reads them from\n"
                 "standard input (any of those forms, over any number of lines).");
  args.option("model", 'm', "FILE", "the GGUF model whose vocabulary to use")
      .flag("render-special", 0, "show control tokens such as <s> and </s> as their text")
      .flag("remove-special", 0, "drop a leading BOS (and a trailing EOS if the model adds one)")
      .epilog("The text is printed as decoded, followed by one newline.");
  if (!args.parse(argc, argv, 1)) return 0;
  args.expect_positionals(1, SIZE_MAX, "token ids");
  std::vector<std::string> id_args = args.positionals();
  if (id_args.size() == 1) id_args[0] = text_or_stdin(id_args[0], "IDS");
  const auto tok = load_tokenizer(args);
  const auto ids = parse_ids(id_args);
  const std::string text =
      tok->decode(ids, Tokenizer::DecodeOptions{args.has("remove-special"), args.has("render-special")});
  std::cout << text << "\n";
  return 0;
}

}  // namespace nanollama::cli
