// SPDX-License-Identifier: Apache-2.0
// `nanollama quantize IN OUT --type q8_0|q6_k|f16`: converts the weight matrices of an
// F32/F16 model, the way llama.cpp's quantizer does (every 2-D tensor, token embedding and
// output included; 1-D tensors such as norms stay as they are), copying all metadata.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "cli.h"
#include "commands.h"
#include "format.h"
#include "nanollama/error.h"
#include "nanollama/gguf.h"
#include "nanollama/kernels.h"

namespace nanollama::cli {
namespace {

namespace fs = std::filesystem;

struct Target {
  TensorType type;
  uint32_t file_type;  // general.file_type (llama.cpp's numbering)
  bool quantized;
};

// Targets: every weight type but F32 (from the kernels' type table).
Target parse_target(const std::string& name) {
  const auto type = parse_tensor_type(name);
  if (type && *type != TensorType::F32 && kernels::supports_weight_type(*type)) {
    return {*type, *kernels::gguf_file_type(*type), kernels::is_quantized_type(*type)};
  }
  std::string known;
  for (TensorType t : kernels::weight_types()) {
    if (t != TensorType::F32) known += (known.empty() ? "" : ", ") + std::string(tensor_type_name(t));
  }
  throw UsageError("--type must be one of " + known + " (any case), got '" + name + "'");
}

bool is_float_source(TensorType t) { return kernels::supports_weight_type(t) && !kernels::is_quantized_type(t); }

[[noreturn]] void refuse(const std::string& what) { throw Error(ErrorCode::invalid_argument, what); }

// Converts one tensor's rows into `out`, rows split over threads.
void convert_rows(const gguf::TensorInfo& src, TensorType to, std::span<uint8_t> out, int threads) {
  const auto cols = static_cast<int64_t>(src.cols());
  const size_t in_stride = src.n_bytes / src.rows();
  const size_t out_stride = out.size() / src.rows();
  kernels::parallel_for(threads, static_cast<int64_t>(src.rows()), [&](int64_t begin, int64_t end) {
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t r = begin; r < end; ++r) {
      kernels::dequantize_row(src.type, src.data + static_cast<size_t>(r) * in_stride, row.data(), cols);
      kernels::quantize_row(to, row.data(), out.data() + static_cast<size_t>(r) * out_stride, cols);
    }
  });
}

}  // namespace

int cmd_quantize(int argc, char** argv) {
  ArgParser args("quantize", "IN.gguf OUT.gguf --type q8_0|q6_k|f16 [--force] [--threads N]",
                 "Converts the weight matrices (every 2-D tensor, token embedding and output included) of an\n"
                 "F32/F16 model to Q8_0, Q6_K or F16, bit-exact with llama.cpp's reference quantizers. 1-D\n"
                 "tensors (norms) are copied unchanged; all metadata is copied, with general.file_type updated\n"
                 "and general.quantization_version = 2 when quantizing. The output is written atomically.");
  args.option("type", 't', "TYPE", "target type: q8_0, q6_k or f16")
      .flag("force", 'f', "overwrite OUT if it exists")
      .option("threads", 0, "N", "threads to quantize with", "all CPUs");
  if (!args.parse(argc, argv, 1)) return 0;
  args.expect_positionals(2, 2, "the input and output GGUF files");
  if (!args.has("type")) throw UsageError("missing --type (q8_0, q6_k or f16)");
  const Target target = parse_target(args.get("type"));
  const int threads = static_cast<int>(args.get_int("threads", kernels::default_threads(), 1, 1024));
  const std::string in_path = args.positionals()[0];
  const std::string out_path = args.positionals()[1];

  std::error_code ec;
  if (fs::exists(out_path, ec)) {
    if (fs::equivalent(in_path, out_path, ec)) refuse("output " + out_path + " is the input file");
    if (!args.has("force")) refuse("output " + out_path + " exists (use --force to overwrite it)");
  } else if (fs::weakly_canonical(in_path, ec) == fs::weakly_canonical(out_path, ec)) {
    refuse("output " + out_path + " is the input file");
  }

  const auto file = gguf::GgufFile::open(in_path);
  // Check everything before writing anything.
  uint64_t in_bytes = 0, out_bytes = 0;
  size_t converted = 0;
  const auto& info = tensor_type_info(target.type);
  for (const auto& t : file->tensors()) {
    in_bytes += t.n_bytes;
    if (!is_float_source(t.type)) {
      refuse(in_path + " is already quantized (tensor '" + t.name + "' is " + std::string(tensor_type_name(t.type)) +
             "); quantize from an F32 or F16 model");
    }
    if (t.dims.size() < 2) {
      out_bytes += t.n_bytes;
      continue;
    }
    if (t.cols() % info.block_size != 0) {
      refuse("tensor '" + t.name + "': row length " + std::to_string(t.cols()) + " is not a multiple of " +
             std::string(info.name) + "'s block size " + std::to_string(info.block_size) + "; cannot quantize " +
             in_path + " to " + std::string(info.name));
    }
    out_bytes += *row_bytes(target.type, t.cols()) * t.rows();
    ++converted;
  }

  gguf::GgufWriter writer(file->alignment());
  for (const auto& e : file->metadata()) {
    if (e.key != "general.alignment") writer.set(e.key, e.value);
  }
  writer.set("general.file_type", uint32_t{target.file_type});
  if (target.quantized) writer.set("general.quantization_version", uint32_t{2});

  for (const auto& t : file->tensors()) {
    if (t.dims.size() < 2) {
      writer.add_tensor(t.name, t.type, t.dims, [&t](std::span<uint8_t> out) {
        std::copy(t.data, t.data + t.n_bytes, out.begin());
      });
    } else {
      writer.add_tensor(t.name, target.type, t.dims,
                        [&t, &target, threads](std::span<uint8_t> out) { convert_rows(t, target.type, out, threads); });
    }
  }

  const bool tty = isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  writer.write(out_path, [&](size_t done, size_t total, uint64_t bytes) {
    if (!tty) return;
    std::fprintf(stderr, "\rquantize: %zu/%zu tensors, %s of %s", done, total, human_bytes(bytes).c_str(),
                 human_bytes(out_bytes).c_str());
    std::fflush(stderr);
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (tty) std::fprintf(stderr, "\n");
  std::fprintf(stderr, "quantize: wrote %s: %zu of %zu tensors to %s, %s -> %s in %.1f s\n", out_path.c_str(),
               converted, file->tensors().size(), std::string(info.name).c_str(), human_bytes(in_bytes).c_str(),
               human_bytes(out_bytes).c_str(), seconds);
  return 0;
}

}  // namespace nanollama::cli
