// SPDX-License-Identifier: Apache-2.0
// `nanollama tags`: DanTagGen tag generation, one request from options or many from a file
// of JSON lines (the model is loaded once).
#include <unistd.h>

#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>

#include "commands.h"
#include "batch_lines.h"
#include "input.h"
#include "stop_signals.h"
#include "nanollama/tags.h"
#include "session_options.h"

namespace nanollama::cli {
namespace {

// Request options share their names with the keys of a JSON request line; they are
// collected into one JSON object and read by the library's own request parser, so the
// command line and batch files accept exactly the same things.
struct RequestOption {
  const char* name;
  const char* value_name;
  const char* help;
  enum Kind { text, number, flag } kind;
};

constexpr RequestOption kRequestOptions[] = {
    {"general", "TEXT", "general tags in web UI syntax, read as --prompt is (1girl, absurdres, ... are sorted out)",
     RequestOption::text},
    {"prompt", "TEXT", "a web UI prompt: weights, \\( escapes, BREAK and <lora:...> kept in the output", RequestOption::text},
    {"rating", "TAGS", "rating: safe, sensitive, nsfw, explicit, ...", RequestOption::text},
    {"artist", "TAGS", "artist tags", RequestOption::text},
    {"characters", "TAGS", "character tags", RequestOption::text},
    {"copyrights", "TAGS", "copyright (series) tags", RequestOption::text},
    {"quality", "TAGS", "quality tags (delta models take a quality line)", RequestOption::text},
    {"special", "TAGS", "special tags (1girl, 2boys, ...)", RequestOption::text},
    {"target", "LENGTH", "very_short, short, long or very_long, or \"very short\" etc. (at least 8/16/32/48 tags)",
     RequestOption::text},
    {"aspect-ratio", "F", "image width / height (default 1.0)", RequestOption::number},
    {"size", "WxH", "image size, e.g. 832x1216 (sets the aspect ratio)", RequestOption::text},
    {"ban", "PATTERNS", "banned tags, comma-separated Python regular expressions matched at the tag's start (as KGen); exact:TAG and glob:*PATTERN* for literal forms", RequestOption::text},
    {"seed", "N", "seed (default, or -1: random, and printed); the same seed, request and model give the same tags",
     RequestOption::number},
    {"temp", "T", "temperature (default 1.0)", RequestOption::number},
    {"top-p", "P", "top-p (default 0.85)", RequestOption::number},
    {"top-k", "K", "top-k (default 70)", RequestOption::number},
    {"min-p", "P", "min-p (default 0: off)", RequestOption::number},
    {"variants", "N", "generate N variants (seeds seed..seed+N-1) in one batched pass", RequestOption::number},
    {"max-new-tokens", "N", "tokens per generation pass (default 512)", RequestOption::number},
    {"max-retries", "N", "passes to reach the target's tag count (default 20)", RequestOption::number},
    {"max-same-output", "N", "identical outputs in a row (they spend no retry) that stop the passes (default 15)",
     RequestOption::number},
    {"min-tags", "N", "override the target's minimum tag count", RequestOption::number},
    {"format", "TEMPLATE", "output template with <|category|> placeholders", RequestOption::text},
    {"time-limit", "SECONDS", "stop the request after this long (its result says cancelled and timed_out)",
     RequestOption::number},
    {"no-format", nullptr, "print the original prompt + the new tags, unformatted", RequestOption::flag},
};

json::Value request_object(const ArgParser& args) {
  json::Value obj = json::Object{};
  for (const auto& o : kRequestOptions) {
    if (!args.has(o.name)) continue;
    switch (o.kind) {
      case RequestOption::flag:
        obj.set(o.name, true);
        break;
      case RequestOption::number: {
        const std::string text = args.get(o.name);
        json::Value v;
        try {
          v = json::parse(text);
        } catch (const Error&) {
        }
        if (!v.is_number()) throw UsageError("--" + std::string(o.name) + " must be a number, got '" + text + "'");
        obj.set(o.name, v);
        break;
      }
      case RequestOption::text:
        obj.set(o.name, text_or_stdin(args.get(o.name), "--" + std::string(o.name)));
        break;
    }
  }
  if (auto q = args.get_opt("quality-line")) {
    if (*q != "on" && *q != "off" && *q != "auto") throw UsageError("--quality-line must be on, off or auto");
    if (*q != "auto") obj.set("quality-line", *q == "on");
  }
  if (args.has("no-builtin-lists")) obj.set("builtin-lists", false);
  return obj;
}

void print_summary(const TagResult& r, const TagRequest& req, const Model& model) {
  const auto& s = r.total;
  const double tps = s.seconds > 0 ? static_cast<double>(s.generated_tokens + s.prompt_tokens) / s.seconds : 0.0;
  std::fprintf(stderr, "tags: %zu variant%s, ", r.variants.size(), r.variants.size() == 1 ? "" : "s");
  for (size_t i = 0; i < r.variants.size(); ++i) {
    const auto& v = r.variants[i];
    std::fprintf(stderr, "%sseed %llu: %zu new%s%s", i ? " / " : "", static_cast<unsigned long long>(v.seed),
                 v.tags.size(), v.reached_target ? "" : " (target not reached)", v.context_full ? " (context full)" : "");
  }
  std::fprintf(stderr,
               " | target %s%s | %d passes, %lld prompt + %lld generated tokens (%lld reused, %lld rolled back, %lld tags "
               "rejected) | %.2f s, %.1f tok/s%s\n",
               std::string(tags::target_name(req.target)).c_str(), r.quality_line ? ", quality line" : "", s.passes, static_cast<long long>(s.prompt_tokens),
               static_cast<long long>(s.generated_tokens), static_cast<long long>(s.reused_tokens),
               static_cast<long long>(s.rolled_back_tokens), static_cast<long long>(s.rejected_tags), s.seconds, tps,
               r.cancelled ? " | cancelled" : "");
  if (model.file().contains("nanollama.random_weights")) {
    std::fprintf(stderr, "note: %s has random weights (made by nanollama make-model); its tags are not meaningful\n",
                 model.file().path().c_str());
  }
}

// Exit codes of `tags --batch` beyond 0 (every line answered) and 1 (some lines refused):
// stopped by a signal, 128 + its number (130 for SIGINT, 143 for SIGTERM), as shells report.
constexpr int kExitSignalBase = 128;

// One JSON request per line, exactly one JSON result per line in input order, each flushed
// as soon as it and every line before it are done. Up to `parallel` requests are decoded
// together (TagGenerator::generate_many); a line that is not a valid request (blank, over
// TagLimits::kMaxJsonBytes, not UTF-8, not a request) gets {"error": ..., "line": N} in its
// place at once and the rest still run. SIGINT / SIGTERM: see stop_signals.h. With `resume`,
// the input lines `output` already answers are skipped and the rest appended to it.
int run_batch(TagGenerator& generator, const std::string& source, const TagRequest& defaults, int32_t parallel,
              const std::optional<std::string>& output, bool resume) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (source == "-") {
    claim_stdin("--batch");
  } else {
    file.open(source, std::ios::binary);
    if (!file) throw Error(ErrorCode::io, source + ": cannot open");
    in = &file;
  }
  const int64_t skip = resume ? answered_lines(*output) : 0;
  std::ofstream out_file;
  if (output) {
    out_file.open(*output, std::ios::binary | (resume ? std::ios::app : std::ios::trunc));
    if (!out_file) throw Error(ErrorCode::io, *output + ": cannot open for writing");
  }
  std::ostream& out = output ? static_cast<std::ostream&>(out_file) : std::cout;

  int64_t line_no = 0, failed = 0;
  std::deque<int64_t> order;            // lines waiting to be written, in input order
  std::map<int64_t, std::string> done;  // line -> its finished output
  std::vector<int64_t> job_line;        // generate_many's index -> line
  auto finish = [&](int64_t line, json::Value result) {
    result.set("line", line);
    done[line] = json::dump(result);
    while (!order.empty() && done.count(order.front())) {
      out << done[order.front()] << "\n" << std::flush;
      done.erase(order.front());
      order.pop_front();
    }
    if (!out) throw Error(ErrorCode::io, (output ? *output : std::string("standard output")) + ": write failed");
  };
  auto error_object = [&](const std::string& message) {
    ++failed;
    json::Value o = json::Object{};
    o.set("error", message);
    return o;
  };
  const StopSignals signals(generator);
  std::string line;
  size_t length = 0;
  generator.generate_many(
      [&]() -> std::optional<TagJob> {
        for (;;) {
          if (signals.received()) return std::nullopt;  // the lines in progress finish
          const LineRead read = read_line(*in, line, length, TagLimits::kMaxJsonBytes, line_no == 0);
          if (read == LineRead::end) return std::nullopt;
          // A signal while waiting for the line (standard input): it is left for --resume.
          if (signals.received()) return std::nullopt;
          ++line_no;
          if (line_no <= skip) continue;  // answered by an earlier run (--resume)
          order.push_back(line_no);
          if (read == LineRead::too_long) {
            finish(line_no, error_object("the line is " + std::to_string(length) + " bytes long; a request line holds at most " +
                                         std::to_string(TagLimits::kMaxJsonBytes)));
            continue;
          }
          if (line.find_first_not_of(" \t") == std::string::npos) {
            finish(line_no, error_object("the line is empty; one JSON request per line"));
            continue;
          }
          try {
            TagJob job{tag_request_from_json(json::parse(line), defaults), {}};
            job_line.push_back(line_no);
            return job;
          } catch (const Error& e) {
            finish(line_no, error_object(e.what()));
          }
        }
      },
      [&](size_t index, TagResult* result, const Error* error) {
        finish(job_line[index], result ? tag_result_to_json(*result) : error_object(error->what()));
      },
      parallel);
  if (failed) std::fprintf(stderr, "tags: %lld of %lld request lines failed\n", static_cast<long long>(failed), static_cast<long long>(line_no - skip));
  if (const int sig = signals.received()) {
    std::fprintf(stderr, "tags: stopped by signal %d after input line %lld; --output FILE --resume continues\n", sig,
                 static_cast<long long>(line_no));
    return kExitSignalBase + sig;
  }
  return failed ? 1 : 0;
}

}  // namespace

int cmd_tags(int argc, char** argv) {
  ArgParser args("tags", "-m MODEL [request options] [--json | --batch FILE]",
                 "Extends a short list of Danbooru tags with DanTagGen and prints the finished prompt.\n"
                 "Banned and duplicate tags are prevented while decoding; short outputs are retried\n"
                 "until the target's tag count (as KGen does); the prompt's KV cache is reused.");
  add_model_options(args);
  for (const auto& o : kRequestOptions) {
    if (o.kind == RequestOption::flag) {
      args.flag(o.name, 0, o.help);
    } else {
      args.option(o.name, 0, o.value_name, o.help);
    }
  }
  args.option("quality-line", 0, "on|off|auto", "write the delta models' quality line",
              "auto: from the model file's context length and metadata")
      .option("batch", 0, "FILE", "read one JSON request per line (- for stdin); write one JSON result per line")
      .option("parallel", 0, "N", "with --batch: requests decoded together (results do not change)", "8")
      .option("output", 'o', "FILE", "with --batch: write the results to FILE instead of standard output")
      .flag("resume", 0, "with --batch and --output: skip the input lines FILE already answers, append the rest")
      .option("artists-file", 0, "FILE", "artist names, one per line (added to the built-in lists; KGen's tag-list files work)")
      .option("characters-file", 0, "FILE", "character names, one per line")
      .option("copyrights-file", 0, "FILE", "copyright names, one per line")
      .option("meta-file", 0, "FILE", "meta tags, one per line")
      .flag("no-builtin-lists", 0, "sort tags with the --*-file lists only, not the lists built into nanollama")
      .flag("json", 0, "print the result as one JSON object")
      .flag("stream", 0, "print each new tag on stderr as soon as it is accepted")
      .epilog(
          "Any TAGS, TEXT or FILE value - reads standard input (one option per run).\n\n"
          "examples:\n"
          "  nanollama tags -m dtg.gguf --general \"1girl, solo, dragon girl\" --target short --seed 1\n"
          "  nanollama tags -m dtg.gguf --prompt \"masterpiece, 1girl, (red eyes:1.2), <lora:x:0.8>\" --variants 4\n"
          "  echo '{\"general\": \"1girl, solo\", \"target\": \"short\", \"seed\": 1, \"ban\": \"umbrella\"}' |\n"
          "      nanollama tags -m dtg.gguf --batch -\n\n"
          "--batch: exactly one result line per input line, in order (a refused line gets {\"error\": ...});\n"
          "a line holds at most 256 KiB. SIGINT/SIGTERM stop after the lines in progress (a second one\n"
          "cancels them) and exit with 128 + the signal (130, 143); 1 if some line was refused.\n");
  if (!args.parse(argc, argv, 1)) return 0;
  args.expect_positionals(0, 0, "");

  TagRequest request;
  try {
    request = tag_request_from_json(request_object(args));
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  const SessionOptions session = session_options(args);
  request.activation = session.activation;

  TagGeneratorOptions options;
  options.n_threads = session.n_threads;
  options.n_ctx = session.n_ctx;
  options.kv_type = session.kv_type;
  options.max_variants = std::max(1, request.variants);
  const std::pair<const char*, tags::Category> files[] = {{"artists-file", tags::Category::artist},
                                                         {"characters-file", tags::Category::characters},
                                                         {"copyrights-file", tags::Category::copyrights},
                                                         {"meta-file", tags::Category::meta}};
  for (const auto& [option, category] : files) {
    if (auto path = args.get_opt(option)) {
      if (*path == "-") {  // the same lines load() would take from a file
        options.categories.add_lines(category, read_input("-", "--" + std::string(option)));
      } else {
        options.categories.load(category, *path);
      }
    }
  }
  if (args.has("batch") && args.has("json")) throw UsageError("--batch always prints JSON; drop --json");
  if (args.has("resume") && !args.has("output")) throw UsageError("--resume needs --output FILE (the results to continue)");

  auto model = load_model(args);
  TagGenerator generator(model, nullptr, std::move(options));
  if (args.has("batch")) {
    return run_batch(generator, args.get("batch"), request, static_cast<int32_t>(args.get_int("parallel", 8, 1, 64)),
                     args.get_opt("output"), args.has("resume"));
  }
  if (args.has("output") || args.has("resume")) throw UsageError("--output and --resume go with --batch");
  if (args.has("parallel")) throw UsageError("--parallel goes with --batch");

  TagCallback stream;
  if (args.has("stream")) {
    stream = [&](int32_t variant, std::string_view tag) {
      if (request.variants > 1) std::fprintf(stderr, "[%d] ", variant);
      std::fprintf(stderr, "+ %.*s\n", static_cast<int>(tag.size()), tag.data());
      return true;
    };
  }
  const TagResult result = generator.generate(request, stream);
  if (args.has("json")) {
    std::cout << json::dump(tag_result_to_json(result)) << "\n";
  } else {
    for (size_t i = 0; i < result.variants.size(); ++i) {
      if (result.variants.size() > 1) std::cout << (i ? "\n" : "") << "# variant " << i << " (seed " << result.variants[i].seed << ")\n";
      std::cout << result.variants[i].formatted << "\n";
    }
  }
  print_summary(result, request, *model);
  return 0;
}

}  // namespace nanollama::cli
