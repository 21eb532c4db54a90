// SPDX-License-Identifier: Apache-2.0
// Tokenizer speed: building it from a 32006-entry GGUF vocabulary, and encoding/decoding a
// DanTagGen prompt of about 2 KB. Needs the shared fixtures (nano-tiny-f16.gguf).
//   bench_tokenizer --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "nanollama/gguf.h"
#include "nanollama/tokenizer.h"

namespace {

using nanollama::StreamDecoder;
using nanollama::Tokenizer;

std::string model_path() {
  const char* env = std::getenv("NANOLLAMA_FIXTURES");
  const std::filesystem::path dir = (env != nullptr && *env != '\0') ? env : NANOLLAMA_DEFAULT_FIXTURES;
  return (dir / "models" / "nano-tiny-f16.gguf").string();
}

std::shared_ptr<const nanollama::gguf::GgufFile> model_file() {
  static const auto file = [] {
    std::shared_ptr<const nanollama::gguf::GgufFile> f;
    if (std::filesystem::exists(model_path())) f = nanollama::gguf::GgufFile::open(model_path());
    return f;
  }();
  return file;
}

std::shared_ptr<const Tokenizer> tokenizer() {
  static const auto tok = [] {
    std::shared_ptr<const Tokenizer> t;
    if (auto f = model_file()) t = Tokenizer::from_gguf(*f);
    return t;
  }();
  return tok;
}

// A DanTagGen prompt whose general line is a long tag list, about 2 KB in all.
std::string tag_prompt() {
  static const char* kTags[] = {
      "1girl", "solo", "long hair", "looking at viewer", "smile", "open mouth", "blue eyes", "blonde hair", "shirt",
      "long sleeves", "dress", "bow", "holding", "jewelry", "closed mouth", "standing", "full body", "flower",
      "outdoors", "day", "hair bow", "sky", "cloud", "white dress", "blue sky", "hand up", "grass", "floral print",
      "dragon girl", "dragon horns", "dragon tail", "pointy ears", "red eyes", "black hair", "chinese clothes",
      "simple background", "hair between eyes", "china dress", "breasts", "vivlos \\(umamusume\\)", "sidelocks",
      "hair ornament", "thighhighs", "gloves", "ribbon", "navel", "school uniform", "pleated skirt", "serafuku"};
  std::string general;
  for (size_t i = 0; general.size() < 1850; ++i) {
    if (!general.empty()) general += ", ";
    general += kTags[i % std::size(kTags)];
  }
  return "rating: safe\nartist: <|empty|>\ncharacters: <|empty|>\ncopyrights: <|empty|>\naspect ratio: 1.0\n"
         "target: <|long|>\ngeneral: " +
         general + "<|input_end|>";
}

void BM_BuildTokenizer(benchmark::State& state) {
  const auto file = model_file();
  if (!file) {
    state.SkipWithError("fixtures not found (set NANOLLAMA_FIXTURES)");
    return;
  }
  for (auto _ : state) {
    auto tok = Tokenizer::from_gguf(*file);
    benchmark::DoNotOptimize(tok);
  }
  state.counters["entries"] = tokenizer()->n_vocab();
}
BENCHMARK(BM_BuildTokenizer)->Unit(benchmark::kMillisecond);

void BM_EncodeTagPrompt(benchmark::State& state) {
  const auto tok = tokenizer();
  if (!tok) {
    state.SkipWithError("fixtures not found (set NANOLLAMA_FIXTURES)");
    return;
  }
  const std::string prompt = tag_prompt();
  size_t n_tokens = 0;
  for (auto _ : state) {
    auto ids = tok->encode(prompt);
    n_tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * prompt.size()));
  state.counters["bytes"] = static_cast<double>(prompt.size());
  state.counters["tokens"] = static_cast<double>(n_tokens);
}
BENCHMARK(BM_EncodeTagPrompt)->Unit(benchmark::kMicrosecond);

void BM_DecodeTagPrompt(benchmark::State& state) {
  const auto tok = tokenizer();
  if (!tok) {
    state.SkipWithError("fixtures not found (set NANOLLAMA_FIXTURES)");
    return;
  }
  const auto ids = tok->encode(tag_prompt());
  for (auto _ : state) {
    auto text = tok->decode(ids);
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["tokens"] = static_cast<double>(ids.size());
}
BENCHMARK(BM_DecodeTagPrompt)->Unit(benchmark::kMicrosecond);

void BM_StreamDecodeTagPrompt(benchmark::State& state) {
  const auto tok = tokenizer();
  if (!tok) {
    state.SkipWithError("fixtures not found (set NANOLLAMA_FIXTURES)");
    return;
  }
  const auto ids = tok->encode(tag_prompt());
  StreamDecoder stream(*tok);
  for (auto _ : state) {
    size_t bytes = 0;
    for (const int32_t id : ids) bytes += stream.push(id).size();
    bytes += stream.flush().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["tokens"] = static_cast<double>(ids.size());
}
BENCHMARK(BM_StreamDecodeTagPrompt)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
