// TagGenerator: evaluates the prompt once (reusing whatever prefix the cache already holds),
// forks it into one sequence per variant, and decodes every variant's next token in one
// batch until all are done.
#include <chrono>

#include "tags/resolved_request.h"
#include "tags/variant_run.h"

namespace nanollama {
namespace {

// Every token's text, decoded once: the tag loop reads a sampled token's text from here
// instead of decoding (and allocating) per token.
std::vector<std::string> token_pieces(const Tokenizer& tok) {
  std::vector<std::string> pieces(static_cast<size_t>(tok.n_vocab()));
  for (int32_t id = 0; id < tok.n_vocab(); ++id) pieces[static_cast<size_t>(id)] = tok.piece(id);
  return pieces;
}

// Tokens the model must never write inside a tag list: control and user-defined tokens
// (their text would end up in tags) except end-of-text, and tokens with text after a comma
// (a tag would then begin inside a token, where it could not be rolled back to cleanly).
std::vector<int32_t> tokens_never_sampled(const Tokenizer& tok, const std::vector<std::string>& pieces) {
  std::vector<int32_t> out;
  for (int32_t id = 0; id < tok.n_vocab(); ++id) {
    if (id == tok.eos_id()) continue;
    const TokenType type = tok.token_type(id);
    if (type != TokenType::normal && type != TokenType::byte) {
      out.push_back(id);
      continue;
    }
    const std::string& piece = pieces[static_cast<size_t>(id)];
    const size_t comma = piece.find(',');
    if (comma != std::string::npos && piece.find_first_not_of(" \t\r\n", comma + 1) != std::string::npos) {
      out.push_back(id);
    }
  }
  return out;
}

void add(TagStats& total, const TagStats& s) {
  total.prompt_tokens += s.prompt_tokens;
  total.reused_tokens += s.reused_tokens;
  total.generated_tokens += s.generated_tokens;
  total.rolled_back_tokens += s.rolled_back_tokens;
  total.rejected_tags += s.rejected_tags;
  total.passes += s.passes;
}

}  // namespace

struct TagGenerator::Impl {
  std::shared_ptr<const Model> model;
  std::shared_ptr<const Tokenizer> tokenizer;
  TagGeneratorOptions options;
  std::optional<Session> session;
  std::vector<std::string> pieces;  // every token's text
  std::vector<int32_t> never_sampled;
  std::atomic<bool> cancelled{false};

  void make_session(int32_t n_seq) {
    SessionOptions o;
    o.n_ctx = options.n_ctx;
    o.n_seq_max = n_seq;
    o.n_threads = options.n_threads;
    o.kv_type = options.kv_type;
    const int32_t n_ctx = options.n_ctx > 0 ? options.n_ctx : model->hparams().n_ctx_train;
    // Every sequence may grow to the full context. The pool is only reserved address space:
    // pages are touched as cells fill, so the variants cost memory for what they hold.
    o.kv_cells = n_ctx * n_seq;
    session.emplace(model, o);
  }
};

TagGenerator::TagGenerator(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer,
                           TagGeneratorOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (!model) throw Error(ErrorCode::invalid_argument, "TagGenerator needs a model");
  impl_->model = std::move(model);
  impl_->tokenizer = tokenizer ? std::move(tokenizer) : Tokenizer::from_gguf(impl_->model->file());
  if (impl_->tokenizer->n_vocab() != impl_->model->hparams().n_vocab) {
    throw Error(ErrorCode::invalid_argument, "TagGenerator: the tokenizer has " + std::to_string(impl_->tokenizer->n_vocab()) +
                                                 " tokens but the model " + std::to_string(impl_->model->hparams().n_vocab));
  }
  if (!impl_->tokenizer->find_token("<|input_end|>")) {
    throw Error(ErrorCode::unsupported, impl_->model->file().path() +
                                            ": the vocabulary has no <|input_end|> token; is this a DanTagGen model?");
  }
  if (options.max_variants < 1) options.max_variants = 1;
  impl_->options = std::move(options);
  impl_->pieces = token_pieces(*impl_->tokenizer);
  impl_->never_sampled = tokens_never_sampled(*impl_->tokenizer, impl_->pieces);
  impl_->make_session(impl_->options.max_variants);
}

TagGenerator::~TagGenerator() = default;
TagGenerator::TagGenerator(TagGenerator&&) noexcept = default;
TagGenerator& TagGenerator::operator=(TagGenerator&&) noexcept = default;

void TagGenerator::cancel() noexcept { impl_->cancelled.store(true); }
void TagGenerator::set_threads(int32_t n) {
  impl_->session->set_threads(n);
  impl_->options.n_threads = n;  // a session rebuilt for more variants keeps it
}
const Model& TagGenerator::model() const noexcept { return *impl_->model; }
const Tokenizer& TagGenerator::tokenizer() const noexcept { return *impl_->tokenizer; }
const tags::CategoryLists& TagGenerator::categories() const noexcept { return impl_->options.categories; }

TagResult TagGenerator::generate(const TagRequest& request, const TagCallback& on_tag) {
  Impl& g = *impl_;
  const auto started = std::chrono::steady_clock::now();
  g.cancelled.store(false);
  const ResolvedRequest resolved = resolve_request(request, *g.model, g.options.categories);
  const std::vector<int32_t> prompt_ids = g.tokenizer->encode(resolved.dtg_prompt);

  if (request.variants > g.session->n_seq_max()) g.make_session(request.variants);
  Session& session = *g.session;
  session.set_activation(request.activation);
  if (static_cast<int32_t>(prompt_ids.size()) >= session.n_ctx()) {
    throw Error(ErrorCode::context_full, "the prompt is " + std::to_string(prompt_ids.size()) +
                                             " tokens long; the context holds " + std::to_string(session.n_ctx()));
  }

  // The prompt goes into sequence 0, after whatever prefix of it the cache already holds
  // (the previous request's prompt, usually all but the last lines). The last token is always
  // evaluated, for its logits.
  for (int32_t seq = 1; seq < session.n_seq_max(); ++seq) session.clear(seq);
  const auto held = session.tokens(0);
  size_t reused = 0;
  while (reused < held.size() && reused + 1 < prompt_ids.size() && held[reused] == prompt_ids[reused]) ++reused;
  session.truncate(0, static_cast<int32_t>(reused));
  const auto logits = session.eval(std::span<const int32_t>(prompt_ids).subspan(reused), 0);
  const std::vector<float> prompt_logits(logits.begin(), logits.end());
  for (int32_t v = 1; v < request.variants; ++v) session.fork(0, v);

  RequestContext ctx{session,       *g.tokenizer,         g.pieces, request, resolved, prompt_ids,
                     prompt_logits, g.options.categories, on_tag,   g.cancelled};
  std::vector<VariantRun> runs;
  runs.reserve(static_cast<size_t>(request.variants));
  for (int32_t v = 0; v < request.variants; ++v) {
    SamplerParams p;
    p.temperature = request.sampling.temperature;
    p.top_k = request.sampling.top_k;
    p.top_p = request.sampling.top_p;
    p.min_p = request.sampling.min_p;
    p.repeat_penalty = request.sampling.repeat_penalty;
    p.order = request.sampling.order;
    p.banned_tokens = g.never_sampled;
    p.seed = request.seed + static_cast<uint64_t>(v);
    runs.emplace_back(ctx, v, v, std::move(p));
  }
  for (auto& run : runs) run.start();

  // One decode per step for every variant that has tokens to evaluate.
  Batch batch;
  std::vector<VariantRun*> waiting;
  for (;;) {
    batch.clear();
    waiting.clear();
    for (auto& run : runs) {
      if (run.done() || run.pending().empty()) continue;
      const auto& tokens = run.pending();
      for (size_t i = 0; i < tokens.size(); ++i) batch.add(tokens[i], run.seq(), i + 1 == tokens.size());
      waiting.push_back(&run);
    }
    if (waiting.empty()) break;
    try {
      session.decode(batch);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::context_full) throw;
      for (auto* run : waiting) run->stop(true);  // never an overflow: stop with what there is
      continue;
    }
    for (size_t i = 0; i < waiting.size(); ++i) waiting[i]->on_decoded(session.logits(static_cast<int32_t>(i)));
  }

  TagResult result;
  result.cancelled = g.cancelled.load();
  result.total.prompt_tokens = static_cast<int64_t>(prompt_ids.size() - reused);
  result.total.reused_tokens = static_cast<int64_t>(reused);
  for (auto& run : runs) {
    result.variants.push_back(run.result());
    add(result.total, result.variants.back().stats);
  }
  result.total.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (auto& v : result.variants) v.stats.seconds = result.total.seconds;
  return result;
}

std::vector<std::string> split_tags(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view piece = text.substr(start, end - start);
    const size_t b = piece.find_first_not_of(" \t\r\n");
    if (b != std::string_view::npos) out.emplace_back(piece.substr(b, piece.find_last_not_of(" \t\r\n") - b + 1));
    start = end + 1;
  }
  return out;
}

}  // namespace nanollama
