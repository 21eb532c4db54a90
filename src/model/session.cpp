// SPDX-License-Identifier: Apache-2.0
// Session: option resolution, decode planning (validation before any state changes),
// sequence operations, and the logits of the last decode.
#include <chrono>
#include <cmath>

#include "model/model_weights.h"
#include "model/session_impl.h"

namespace nanollama {
namespace {

SessionOptions resolve(const Model& model, SessionOptions o) {
  const Hyperparameters& hp = model.hparams();
  auto bad = [](const std::string& what) { throw Error(ErrorCode::invalid_argument, "session options: " + what); };
  if (o.n_ctx < 0 || o.n_seq_max < 1 || o.kv_cells < 0 || o.n_threads < 0 || o.n_batch < 1) {
    bad("n_ctx, kv_cells and n_threads must be >= 0; n_seq_max and n_batch >= 1");
  }
  if (o.n_ctx == 0) o.n_ctx = hp.n_ctx_train;
  if (o.n_ctx > (1 << 20)) bad("n_ctx " + std::to_string(o.n_ctx) + " is too large");
  if (o.n_seq_max > 4096) bad("n_seq_max " + std::to_string(o.n_seq_max) + " is too large");
  if (o.kv_cells == 0) o.kv_cells = o.n_ctx;
  if (o.n_threads == 0) o.n_threads = kernels::default_threads();
  o.n_batch = std::min(o.n_batch, std::max(o.kv_cells, 1));
  return o;
}

// cos/sin of every position's rotation angles (docs/MODEL.md, "RoPE"), computed in double so long
// contexts keep full float accuracy.
void fill_rope_tables(const Model& model, int32_t n_ctx, std::vector<float>& cos_out, std::vector<float>& sin_out) {
  const Hyperparameters& hp = model.hparams();
  const int32_t half = hp.n_rot / 2;
  cos_out.resize(static_cast<size_t>(n_ctx) * static_cast<size_t>(half));
  sin_out.resize(cos_out.size());
  const auto& factors = weights_of(model).rope_freqs;
  for (int32_t i = 0; i < half; ++i) {
    double freq = std::pow(static_cast<double>(hp.rope_freq_base), -2.0 * i / hp.n_rot) *
                  static_cast<double>(hp.rope_freq_scale);
    if (!factors.empty()) freq /= static_cast<double>(factors[static_cast<size_t>(i)]);
    for (int32_t p = 0; p < n_ctx; ++p) {
      const double theta = p * freq;
      cos_out[static_cast<size_t>(p) * half + i] = static_cast<float>(std::cos(theta));
      sin_out[static_cast<size_t>(p) * half + i] = static_cast<float>(std::sin(theta));
    }
  }
}

}  // namespace

Session::Impl::Impl(std::shared_ptr<const Model> m, const SessionOptions& o)
    : model(std::move(m)),
      options(resolve(*model, o)),
      kv(model->hparams(), options.kv_cells, options.n_seq_max, options.n_ctx, options.kv_type) {
  fill_rope_tables(*model, options.n_ctx, rope_cos, rope_sin);
  allocate_scratch();
}

Session::Impl::Impl(const Impl& o)
    : model(o.model), options(o.options), kv(o.kv), rope_cos(o.rope_cos), rope_sin(o.rope_sin), stats(o.stats) {
  allocate_scratch();
}

void Session::Impl::allocate_scratch() {
  const Hyperparameters& hp = model->hparams();
  const auto B = static_cast<size_t>(options.n_batch);
  scratch.x.resize(B * static_cast<size_t>(hp.n_embd));
  scratch.xn.resize(B * static_cast<size_t>(hp.n_embd));
  scratch.proj.resize(B * static_cast<size_t>(hp.n_embd));
  scratch.q.resize(B * static_cast<size_t>(hp.q_dim()));
  scratch.attn.resize(B * static_cast<size_t>(hp.q_dim()));
  scratch.k.resize(B * static_cast<size_t>(hp.kv_dim()));
  scratch.v.resize(B * static_cast<size_t>(hp.kv_dim()));
  scratch.gate.resize(B * static_cast<size_t>(hp.n_ff));
  scratch.up.resize(B * static_cast<size_t>(hp.n_ff));
  scratch.scores.resize(static_cast<size_t>(options.n_threads) * static_cast<size_t>(options.n_ctx));
}

Session::Session(std::shared_ptr<const Model> model, const SessionOptions& options) {
  if (!model) throw Error(ErrorCode::invalid_argument, "Session needs a model");
  impl_ = std::make_unique<Impl>(std::move(model), options);
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

Session Session::clone() const { return Session(std::make_unique<Impl>(*impl_)); }

void Session::decode(const Batch& batch) {
  Impl& s = *impl_;
  const auto started = std::chrono::steady_clock::now();
  const Hyperparameters& hp = s.model->hparams();
  const size_t n = batch.tokens.size();
  if (n == 0) throw Error(ErrorCode::invalid_argument, "decode: the batch is empty");
  if (!batch.seq.empty() && batch.seq.size() != n) {
    throw Error(ErrorCode::invalid_argument, "decode: batch.seq has " + std::to_string(batch.seq.size()) +
                                                 " entries for " + std::to_string(n) + " tokens");
  }
  if (!batch.want_logits.empty() && batch.want_logits.size() != n) {
    throw Error(ErrorCode::invalid_argument, "decode: batch.want_logits has " +
                                                 std::to_string(batch.want_logits.size()) + " entries for " +
                                                 std::to_string(n) + " tokens");
  }

  // Check everything before touching any state, so a refused batch changes nothing.
  std::vector<int32_t>& added = s.added_per_seq;
  added.assign(static_cast<size_t>(s.options.n_seq_max), 0);
  int32_t n_logits = 0;
  for (size_t i = 0; i < n; ++i) {
    const int32_t token = batch.tokens[i];
    const int32_t seq = batch.seq.empty() ? 0 : batch.seq[i];
    if (token < 0 || token >= hp.n_vocab) {
      throw Error(ErrorCode::invalid_argument, "decode: token id " + std::to_string(token) + " at batch index " +
                                                   std::to_string(i) + " is outside the vocabulary [0, " +
                                                   std::to_string(hp.n_vocab) + ")");
    }
    if (seq < 0 || seq >= s.options.n_seq_max) {
      throw Error(ErrorCode::invalid_argument, "decode: sequence id " + std::to_string(seq) + " at batch index " +
                                                   std::to_string(i) + " is outside [0, " +
                                                   std::to_string(s.options.n_seq_max) + ")");
    }
    ++added[static_cast<size_t>(seq)];
    const bool want = batch.want_logits.empty() ? i + 1 == n : batch.want_logits[i] != 0;
    n_logits += want ? 1 : 0;
  }
  for (int32_t seq = 0; seq < s.options.n_seq_max; ++seq) {
    const int32_t total = s.kv.n_past(seq) + added[static_cast<size_t>(seq)];
    if (total > s.options.n_ctx) {
      throw Error(ErrorCode::context_full, "decode: sequence " + std::to_string(seq) + " would hold " +
                                               std::to_string(total) + " positions, more than the context of " +
                                               std::to_string(s.options.n_ctx));
    }
  }
  if (static_cast<int64_t>(n) > s.kv.free_cells()) {
    throw Error(ErrorCode::context_full, "decode: " + std::to_string(n) + " tokens need KV cells but only " +
                                             std::to_string(s.kv.free_cells()) + " of " +
                                             std::to_string(s.kv.n_cells()) + " are free");
  }

  // Assign positions and cells, then evaluate in chunks of n_batch.
  std::vector<int32_t>& old_length = s.length_before;
  old_length.resize(added.size());
  for (size_t seq = 0; seq < added.size(); ++seq) old_length[seq] = s.kv.n_past(static_cast<int32_t>(seq));
  s.plan.clear();
  for (size_t i = 0; i < n; ++i) {
    PlannedToken p{};
    p.token = batch.tokens[i];
    p.seq = batch.seq.empty() ? 0 : batch.seq[i];
    p.pos = s.kv.n_past(p.seq);
    p.cell = s.kv.append(p.seq, p.token);
    p.want_logits = batch.want_logits.empty() ? i + 1 == n : batch.want_logits[i] != 0;
    s.plan.push_back(p);
  }
  try {
    s.logits.resize(static_cast<size_t>(n_logits) * static_cast<size_t>(hp.n_vocab));
    s.n_logits = n_logits;
    int32_t row = 0;
    for (size_t begin = 0; begin < n; begin += static_cast<size_t>(s.options.n_batch)) {
      const size_t end = std::min(n, begin + static_cast<size_t>(s.options.n_batch));
      s.forward(begin, end, row);
      for (size_t i = begin; i < end; ++i) row += s.plan[i].want_logits ? 1 : 0;
    }
  } catch (...) {
    for (size_t seq = 0; seq < added.size(); ++seq) s.kv.truncate(static_cast<int32_t>(seq), old_length[seq]);
    s.n_logits = 0;
    throw;
  }
  s.stats.tokens_evaluated += n;
  s.stats.decode_calls += 1;
  s.stats.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

std::span<const float> Session::eval(std::span<const int32_t> tokens, int32_t seq) {
  Batch& batch = impl_->eval_batch;
  batch.clear();
  for (size_t i = 0; i < tokens.size(); ++i) batch.add(tokens[i], seq, i + 1 == tokens.size());
  decode(batch);
  return logits(0);
}

std::span<const float> Session::logits(int32_t i) const {
  if (i < 0 || i >= impl_->n_logits) {
    throw Error(ErrorCode::invalid_argument, "logits: index " + std::to_string(i) + " is outside [0, " +
                                                 std::to_string(impl_->n_logits) + ")");
  }
  const auto V = static_cast<size_t>(impl_->model->hparams().n_vocab);
  return {impl_->logits.data() + static_cast<size_t>(i) * V, V};
}

int32_t Session::n_logits() const noexcept { return impl_->n_logits; }

namespace {
void check_seq(int32_t n_seq_max, int32_t seq, const char* what) {
  if (seq < 0 || seq >= n_seq_max) {
    throw Error(ErrorCode::invalid_argument, std::string(what) + ": sequence id " + std::to_string(seq) +
                                                 " is outside [0, " + std::to_string(n_seq_max) + ")");
  }
}
}  // namespace

int32_t Session::n_past(int32_t seq) const {
  check_seq(impl_->options.n_seq_max, seq, "n_past");
  return impl_->kv.n_past(seq);
}

std::span<const int32_t> Session::tokens(int32_t seq) const {
  check_seq(impl_->options.n_seq_max, seq, "tokens");
  return impl_->kv.tokens(seq);
}

void Session::truncate(int32_t seq, int32_t n) {
  check_seq(impl_->options.n_seq_max, seq, "truncate");
  if (n < 0 || n > impl_->kv.n_past(seq)) {
    throw Error(ErrorCode::invalid_argument, "truncate: cannot keep " + std::to_string(n) + " positions of sequence " +
                                                 std::to_string(seq) + ", which holds " +
                                                 std::to_string(impl_->kv.n_past(seq)));
  }
  impl_->kv.truncate(seq, n);
}

void Session::fork(int32_t src, int32_t dst, int32_t n) {
  check_seq(impl_->options.n_seq_max, src, "fork");
  check_seq(impl_->options.n_seq_max, dst, "fork");
  const int32_t have = impl_->kv.n_past(src);
  if (n < 0) n = have;
  if (n > have) {
    throw Error(ErrorCode::invalid_argument, "fork: sequence " + std::to_string(src) + " holds " +
                                                 std::to_string(have) + " positions, not " + std::to_string(n));
  }
  impl_->kv.fork(src, dst, n);
}

void Session::clear(int32_t seq) {
  check_seq(impl_->options.n_seq_max, seq, "clear");
  impl_->kv.truncate(seq, 0);
}

void Session::clear_all() {
  for (int32_t seq = 0; seq < impl_->options.n_seq_max; ++seq) impl_->kv.truncate(seq, 0);
}

int32_t Session::n_ctx() const noexcept { return impl_->options.n_ctx; }
int32_t Session::n_seq_max() const noexcept { return impl_->options.n_seq_max; }
int32_t Session::free_cells() const noexcept { return impl_->kv.free_cells(); }
int32_t Session::n_threads() const noexcept { return impl_->options.n_threads; }

void Session::set_threads(int32_t n) {
  if (n < 0) throw Error(ErrorCode::invalid_argument, "set_threads: thread count must be >= 0");
  impl_->options.n_threads = n == 0 ? kernels::default_threads() : n;
  impl_->allocate_scratch();
}

void Session::set_activation(Activation activation) {
  if (activation == impl_->options.activation) return;
  clear_all();
  impl_->options.activation = activation;
}

const SessionOptions& Session::options() const noexcept { return impl_->options; }
const Model& Session::model() const noexcept { return *impl_->model; }
std::shared_ptr<const Model> Session::model_ptr() const noexcept { return impl_->model; }
const SessionStats& Session::stats() const noexcept { return impl_->stats; }
uint64_t Session::kv_bytes() const noexcept { return impl_->kv.bytes(); }

}  // namespace nanollama
