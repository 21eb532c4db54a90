// SPDX-License-Identifier: Apache-2.0
// Model::load: binds every tensor by name, checks its shape and type against the
// hyperparameters, and refuses anything it would otherwise compute wrongly.
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "model/hparams.h"
#include "model/model_weights.h"
#include "nanollama/model.h"

namespace nanollama {
namespace {

std::string shape_text(const std::vector<uint64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

std::string supported_types_text() {
  std::string out;
  for (TensorType t : kernels::weight_types()) out += (out.empty() ? "" : ", ") + std::string(tensor_type_name(t));
  return out;
}

class Binder {
 public:
  explicit Binder(const gguf::GgufFile& file) : file_(file) {}

  [[noreturn]] void fail(const gguf::TensorInfo& t, const std::string& what, ErrorCode code = ErrorCode::bad_format) const {
    throw Error(code, file_.path() + ": tensor '" + t.name + "' " + what);
  }

  const gguf::TensorInfo& find(const std::string& name, const std::string& why) {
    const auto* t = file_.find_tensor(name);
    if (t == nullptr) throw Error(ErrorCode::bad_format, file_.path() + ": tensor '" + name + "' is missing (" + why + ")");
    used_.insert(name);
    return *t;
  }

  void check_shape(const gguf::TensorInfo& t, const std::vector<uint64_t>& expected, const std::string& meaning) const {
    if (t.dims != expected) {
      fail(t, "has shape " + shape_text(t.dims) + ", expected " + shape_text(expected) + " (" + meaning + ")");
    }
  }

  // A weight matrix with `rows` rows of `cols` elements (GGUF dims [cols, rows]).
  kernels::MatrixView matrix(const std::string& name, uint64_t cols, uint64_t rows, const std::string& meaning) {
    const auto& t = find(name, meaning);
    check_shape(t, {cols, rows}, meaning);
    if (!kernels::supports_weight_type(t.type)) {
      fail(t, "has type " + std::string(tensor_type_name(t.type)) + ", which nanollama cannot compute with (supported: " +
                  supported_types_text() + ")",
           ErrorCode::unsupported);
    }
    kernels::MatrixView m;
    m.type = t.type;
    m.rows = static_cast<int64_t>(rows);
    m.cols = static_cast<int64_t>(cols);
    m.data = t.data;
    m.row_stride = static_cast<size_t>(*row_bytes(t.type, cols));
    return m;
  }

  // A gain vector, converted to F32 once (it is tiny and read for every token).
  std::vector<float> vector(const std::string& name, uint64_t n, const std::string& meaning) {
    const auto& t = find(name, meaning);
    check_shape(t, {n}, meaning);
    if (!kernels::supports_weight_type(t.type) || kernels::is_quantized_type(t.type)) {
      fail(t, "has type " + std::string(tensor_type_name(t.type)) + "; norm weights must be F32, F16 or BF16",
           ErrorCode::unsupported);
    }
    std::vector<float> out(n);
    kernels::dequantize_row(t.type, t.data, out.data(), static_cast<int64_t>(n));
    for (float v : out) {
      if (!std::isfinite(v)) fail(t, "holds a non-finite value");
    }
    return out;
  }

  // Every tensor must have been consumed: an unknown one (a bias, an extra projection) means
  // a model variant whose forward pass nanollama would silently get wrong.
  void check_all_used() const {
    for (const auto& t : file_.tensors()) {
      if (used_.count(t.name) == 0) {
        fail(t, "is not part of the llama architecture nanollama runs (unsupported model variant)",
             ErrorCode::unsupported);
      }
    }
  }

 private:
  const gguf::GgufFile& file_;
  std::set<std::string> used_;
};

void prefetch(const gguf::GgufFile& file) {
  if (file.tensors().empty()) return;
  // The whole data section, page-aligned; a hint only, so failure is harmless.
  const auto* first = file.tensors().front().data - file.tensors().front().offset;
  const long page = 4096;
  auto start = reinterpret_cast<uintptr_t>(first) & ~static_cast<uintptr_t>(page - 1);
  const uint64_t length = file.file_size() - file.data_offset() + (reinterpret_cast<uintptr_t>(first) - start);
  madvise(reinterpret_cast<void*>(start), static_cast<size_t>(length), MADV_WILLNEED);
}

// Drops this process's mapping of the whole pages inside [data, data + bytes) of a mapped
// file: it is mapped private and read-only, so a later read would simply map them in again.
// (Never on bytes a caller handed to GgufFile::parse: there it would zero them.)
void release_pages(const void* data, size_t bytes) {
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto start = reinterpret_cast<uintptr_t>(data);
  const uintptr_t begin = (start + page - 1) / page * page, end = (start + bytes) / page * page;
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

// The KV cache one sequence of the training context needs, before any session allocates it:
// a file claiming an absurd context or width is refused here, with numbers.
void check_kv_size(const gguf::GgufFile& f, const Hyperparameters& hp, uint64_t limit) {
  const uint64_t bytes = 2ull * static_cast<uint64_t>(hp.n_layer) * static_cast<uint64_t>(hp.n_ctx_train) *
                         static_cast<uint64_t>(hp.kv_dim()) * 2ull;  // each factor < 2^24: no overflow
  if (bytes > limit) {
    throw Error(ErrorCode::bad_format, f.path() + ": the KV cache of one " + std::to_string(hp.n_ctx_train) +
                                           "-token context would take " + std::to_string(bytes >> 20) +
                                           " MiB (limit " + std::to_string(limit >> 20) + " MiB)");
  }
}

// Every row of every matrix, dequantized and checked (ModelOptions::check_weights): a NaN or
// infinity anywhere would spread to every logit. Names the tensor and row.
void check_matrices_finite(const gguf::GgufFile& f, const ModelWeights& w, bool tied_output) {
  std::vector<float> row;
  auto scan = [&](const kernels::MatrixView& m, const std::string& name) {
    row.resize(static_cast<size_t>(m.cols));
    for (int64_t r = 0; r < m.rows; ++r) {
      kernels::dequantize_row(m.type, static_cast<const uint8_t*>(m.data) + static_cast<size_t>(r) * m.row_stride, row.data(), m.cols);
      for (float v : row) {
        if (!std::isfinite(v)) {
          throw Error(ErrorCode::bad_format, f.path() + ": tensor '" + name + "' holds a non-finite value in row " +
                                                 std::to_string(r) + " (found by the full weight check)");
        }
      }
    }
  };
  scan(w.token_embd, "token_embd.weight");
  if (!tied_output) scan(w.output, "output.weight");
  for (size_t l = 0; l < w.layers.size(); ++l) {
    const LayerWeights& L = w.layers[l];
    const std::string p = "blk." + std::to_string(l) + ".";
    const std::pair<const kernels::MatrixView*, const char*> all[] = {
        {&L.wq, "attn_q.weight"},     {&L.wk, "attn_k.weight"}, {&L.wv, "attn_v.weight"},
        {&L.wo, "attn_output.weight"}, {&L.w_gate, "ffn_gate.weight"}, {&L.w_up, "ffn_up.weight"},
        {&L.w_down, "ffn_down.weight"}};
    for (const auto& [m, name] : all) scan(*m, p + name);
  }
}

// Moves the product matrices `keep` selects (every layer matrix, and the output projection)
// into a layout of their own, in one 64-byte aligned allocation kept in `storage`:
// bytes(view) each, written by convert(view, at). The file pages they came from are let go,
// but for a tied output's, which the embedding still reads. Returns whether any moved.
template <class Keep, class Bytes, class Convert>
bool relayout(ModelWeights& w, bool tied_output, bool mapped_file, std::unique_ptr<uint8_t[]>& storage, Keep keep,
              Bytes bytes, Convert convert) {
  std::vector<kernels::MatrixView*> views;
  for (auto& L : w.layers) {
    for (kernels::MatrixView* v : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) views.push_back(v);
  }
  views.push_back(&w.output);
  std::erase_if(views, [&](const kernels::MatrixView* v) { return !keep(*v, v == &w.output); });
  const auto aligned = [](size_t n) { return (n + 63) / 64 * 64; };
  size_t total = 0;
  for (const auto* v : views) total += aligned(bytes(*v));
  if (total == 0) return false;
  storage.reset(new uint8_t[total + 64]);  // not value-initialized: the conversions write every byte
  uint8_t* at = storage.get() + (64 - reinterpret_cast<uintptr_t>(storage.get()) % 64) % 64;
  for (kernels::MatrixView* v : views) {
    const kernels::MatrixView mapped = *v;
    const size_t size = aligned(bytes(mapped));
    *v = convert(mapped, at);
    at += size;
    const bool embedding = tied_output && v == &w.output;
    if (mapped_file && !embedding) release_pages(mapped.data, static_cast<size_t>(mapped.rows) * mapped.row_stride);
  }
  return true;
}

}  // namespace

Model::~Model() = default;

// Every layer matrix, and an output matrix of its own (a tied one is also the embedding,
// whose rows are looked up), into panels. 4 KB pages, not transparent huge pages: streamed
// from huge pages the panels decode up to 13 % faster, but obtaining them made each load of
// the DanTagGen-shaped model 0.6 s slower on this machine class, more than a whole request gains.
void Model::repack(int n_threads) {
  relayout(
      *weights_, hp_.tied_output, file_->mapped(), weights_->panels,
      [&](const kernels::MatrixView& v, bool output) { return kernels::packs_to_panels(v.type) && !(output && hp_.tied_output); },
      [](const kernels::MatrixView& v) { return kernels::panel_bytes(v.type, v.rows, v.cols); },
      [&](const kernels::MatrixView& v, uint8_t* at) { return kernels::pack_panels(v, at, n_threads); });
}

// Every float matrix the products read, the output projection included (a tied one gets a
// copy of its own: the embedding rows are still looked up exactly), to BF16 panels.
void Model::convert_to_bf16_pairs(int n_threads) {
  weights_->lossy_bf16 = relayout(
      *weights_, hp_.tied_output, file_->mapped(), weights_->bf16,
      [](const kernels::MatrixView& v, bool) {
        const bool is_float = v.type == TensorType::F32 || v.type == TensorType::F16 || v.type == TensorType::BF16;
        return is_float && v.layout == kernels::MatrixLayout::rows;
      },
      [](const kernels::MatrixView& v) { return kernels::bf16_pairs_bytes(v); },
      [&](const kernels::MatrixView& v, uint8_t* at) { return kernels::to_bf16_pairs(v, at, n_threads); });
}

const char* activation_name(Activation a) noexcept { return a == Activation::mish ? "mish" : "silu"; }

Activation parse_activation(std::string_view name) {
  if (name == "silu") return Activation::silu;
  if (name == "mish") return Activation::mish;
  throw Error(ErrorCode::invalid_argument, "unknown MLP activation '" + std::string(name) + "' (use silu or mish)");
}

std::shared_ptr<const Model> Model::load(const std::string& path, const ModelOptions& options) {
  return from_gguf(gguf::GgufFile::open(path), options);
}

std::shared_ptr<const Model> Model::from_gguf(std::shared_ptr<const gguf::GgufFile> file, const ModelOptions& options) {
  auto model = std::shared_ptr<Model>(new Model());
  model->file_ = std::move(file);
  model->weights_ = std::make_unique<ModelWeights>();
  ModelWeights& w = *model->weights_;
  const auto& f = *model->file_;
  Hyperparameters hp = read_hyperparameters(f);
  check_kv_size(f, hp, options.max_kv_bytes);
  Binder bind(f);

  // The embedding fixes the vocabulary size when the metadata does not.
  const auto& embd = bind.find("token_embd.weight", "token embedding");
  if (hp.n_vocab == 0) {
    if (embd.dims.size() != 2 || embd.dims[1] > (1u << 22)) {
      bind.fail(embd, "has shape " + shape_text(embd.dims) + ", expected [n_embd, n_vocab]");
    }
    hp.n_vocab = static_cast<int32_t>(embd.dims[1]);
  }
  const auto E = static_cast<uint64_t>(hp.n_embd), V = static_cast<uint64_t>(hp.n_vocab);
  const auto Q = static_cast<uint64_t>(hp.q_dim()), KV = static_cast<uint64_t>(hp.kv_dim());
  const auto F = static_cast<uint64_t>(hp.n_ff);
  const std::string dims = "n_embd=" + std::to_string(E) + ", n_vocab=" + std::to_string(V);

  w.token_embd = bind.matrix("token_embd.weight", E, V, "token embedding, " + dims);
  hp.tied_output = f.find_tensor("output.weight") == nullptr;
  w.output = hp.tied_output ? w.token_embd : bind.matrix("output.weight", E, V, "output matrix, " + dims);
  w.output_norm = bind.vector("output_norm.weight", E, "final norm, n_embd=" + std::to_string(E));

  w.layers.resize(static_cast<size_t>(hp.n_layer));
  for (int32_t l = 0; l < hp.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    auto& L = w.layers[static_cast<size_t>(l)];
    const std::string heads = "n_embd=" + std::to_string(E) + ", n_head=" + std::to_string(hp.n_head) +
                              ", n_head_kv=" + std::to_string(hp.n_head_kv) + ", head_dim=" + std::to_string(hp.head_dim);
    L.attn_norm = bind.vector(p + "attn_norm.weight", E, "attention norm, n_embd=" + std::to_string(E));
    L.wq = bind.matrix(p + "attn_q.weight", E, Q, "Q projection, " + heads);
    L.wk = bind.matrix(p + "attn_k.weight", E, KV, "K projection, " + heads);
    L.wv = bind.matrix(p + "attn_v.weight", E, KV, "V projection, " + heads);
    L.wo = bind.matrix(p + "attn_output.weight", Q, E, "attention output, " + heads);
    const std::string ffn = "n_embd=" + std::to_string(E) + ", n_ff=" + std::to_string(F);
    L.ffn_norm = bind.vector(p + "ffn_norm.weight", E, "MLP norm, n_embd=" + std::to_string(E));
    L.w_gate = bind.matrix(p + "ffn_gate.weight", E, F, "MLP gate, " + ffn);
    L.w_up = bind.matrix(p + "ffn_up.weight", E, F, "MLP up, " + ffn);
    L.w_down = bind.matrix(p + "ffn_down.weight", F, E, "MLP down, " + ffn);
  }
  if (f.find_tensor("rope_freqs.weight") != nullptr) {
    w.rope_freqs = bind.vector("rope_freqs.weight", static_cast<uint64_t>(hp.n_rot / 2), "RoPE frequency factors");
    for (float v : w.rope_freqs) {
      if (!(v > 0.0f)) throw Error(ErrorCode::bad_format, f.path() + ": tensor 'rope_freqs.weight' holds a factor <= 0");
    }
  }
  bind.check_all_used();
  if (options.check_weights) check_matrices_finite(f, w, hp.tied_output);
  model->hp_ = hp;
  if (options.prefetch) prefetch(f);
  if (options.repack) model->repack(options.n_threads);
  if (options.lossy_bf16) model->convert_to_bf16_pairs(options.n_threads);
  return model;
}

uint64_t Model::bytes_per_token() const noexcept {
  auto bytes = [](const kernels::MatrixView& m) { return static_cast<uint64_t>(m.rows) * m.row_stride; };
  const ModelWeights& w = *weights_;
  uint64_t total = w.token_embd.row_stride + bytes(w.output);
  for (const auto& L : w.layers) {
    total += bytes(L.wq) + bytes(L.wk) + bytes(L.wv) + bytes(L.wo) + bytes(L.w_gate) + bytes(L.w_up) + bytes(L.w_down);
  }
  return total;
}

uint64_t Model::parameter_count() const noexcept {
  uint64_t n = 0;
  for (const auto& t : file_->tensors()) n += t.n_elements;
  return n;
}

std::string Model::describe() const {
  std::map<std::string, uint64_t> bytes_by_type;
  uint64_t total = 0;
  for (const auto& t : file_->tensors()) {
    bytes_by_type[std::string(tensor_type_name(t.type))] += t.n_bytes;
    total += t.n_bytes;
  }
  std::string main_type;
  uint64_t most = 0;
  for (const auto& [name, b] : bytes_by_type) {
    if (b > most) most = b, main_type = name;
  }
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s, %.1f M params, %d layers, dim %d, ffn %d, heads %d/%d, vocab %d, ctx %d, %s %.0f MB%s%s%s",
                hp_.architecture.c_str(), static_cast<double>(parameter_count()) / 1e6, hp_.n_layer, hp_.n_embd,
                hp_.n_ff, hp_.n_head, hp_.n_head_kv, hp_.n_vocab, hp_.n_ctx_train, main_type.c_str(),
                static_cast<double>(total) / 1e6, hp_.tied_output ? ", tied output" : "",
                weights_->panels ? ", repacked to panels" : "",
                weights_->lossy_bf16 ? ", lossy BF16 products" : "");
  return buf;
}

}  // namespace nanollama
