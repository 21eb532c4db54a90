// SPDX-License-Identifier: Apache-2.0
// TagGenerator: requests on one session. Each request's prompt is evaluated after whatever
// prefix of it the cache already holds, forked into one sequence per variant, and every
// sequence of every request in flight advances by one decode step at a time, all in one
// batch (the weights are read once for all of them), until each request is done.
#include <algorithm>
#include <chrono>

#include "nanollama/error.h"
#include "tags/request_run.h"
#include "tags/sequence_pool.h"
#include "tags/step_plan.h"

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

constexpr int32_t kMaxSequences = 256;

}  // namespace

struct TagGenerator::Impl {
  std::shared_ptr<const Model> model;
  std::shared_ptr<const Tokenizer> tokenizer;
  TagGeneratorOptions options;
  std::optional<Session> session;
  std::optional<SequencePool> pool;
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
    // pages are touched as cells fill, so the sequences cost memory for what they hold.
    o.kv_cells = n_ctx * n_seq;
    session.emplace(model, o);
    pool.emplace(n_seq);
  }

  GeneratorShared shared() {
    return GeneratorShared{*session, *model, *tokenizer, pieces, never_sampled, options.categories};
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
  options.max_variants = std::clamp(options.max_variants, 1, kMaxSequences);
  if (options.step_tokens < 1 || options.step_rows < 1) {
    throw Error(ErrorCode::invalid_argument, "TagGenerator: step_tokens and step_rows must be positive");
  }
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
  impl_->options.n_threads = n;  // a session rebuilt for more sequences keeps it
}
const SessionStats& TagGenerator::session_stats() const noexcept { return impl_->session->stats(); }
const Model& TagGenerator::model() const noexcept { return *impl_->model; }
const Tokenizer& TagGenerator::tokenizer() const noexcept { return *impl_->tokenizer; }
const tags::CategoryLists& TagGenerator::categories() const noexcept { return impl_->options.categories; }

TagResult TagGenerator::generate(const TagRequest& request, const TagCallback& on_tag) {
  bool given = false;
  TagResult out;
  std::optional<Error> failed;
  generate_many(
      [&]() -> std::optional<TagJob> {
        if (given) return std::nullopt;
        given = true;
        return TagJob{request, on_tag};
      },
      [&](size_t, TagResult* result, const Error* error) {
        if (result) out = std::move(*result);
        if (error) failed = *error;
      },
      1);
  if (failed) throw *failed;
  return out;
}

std::vector<TagOutcome> TagGenerator::generate_many(const std::vector<TagRequest>& requests, int32_t max_in_flight) {
  std::vector<TagOutcome> outcomes(requests.size());
  size_t next = 0;
  generate_many(
      [&]() -> std::optional<TagJob> {
        if (next == requests.size()) return std::nullopt;
        return TagJob{requests[next++], {}};
      },
      [&](size_t index, TagResult* result, const Error* error) {
        TagOutcome& o = outcomes[index];
        if (result) {
          o.result = std::move(*result);
          o.ok = true;
        } else {
          o.error_code = error->code();
          o.error = error->what();
        }
      },
      max_in_flight);
  return outcomes;
}

size_t TagGenerator::generate_many(const TagJobSource& next, const TagJobDone& done, int32_t max_in_flight) {
  Impl& g = *impl_;
  g.cancelled.store(false);
  max_in_flight = std::clamp(max_in_flight, 1, kMaxSequences);
  struct Live {
    size_t index;
    std::unique_ptr<RequestRun> run;
  };
  std::vector<Live> live;
  std::optional<Live> waiting;  // taken from the source, not started yet
  size_t taken = 0;
  bool exhausted = false;
  StepPlanner planner;
  std::vector<RequestRun::Work> collected;
  std::vector<StepPlanner::Work> works;
  std::vector<StepPlanner::Delivery> deliveries;
  Batch batch;
  const GeneratorShared shared = g.shared();

  auto finish = [&](Live& l) {
    for (int32_t s : l.run->sequences()) planner.forget(s);
    g.pool->release(l.run->sequences());
    if (l.run->aborted()) {
      const Error e(ErrorCode::context_full, "the request could not be evaluated: the context is full");
      done(l.index, nullptr, &e);
    } else {
      TagResult r = l.run->result();
      done(l.index, &r, nullptr);
    }
  };

  try {
    for (;;) {
      // Take requests while there is room: a request needs a sequence per variant, and one
      // with another MLP activation waits until the session is idle (switching clears it).
      while (!g.cancelled.load() && static_cast<int32_t>(live.size()) < max_in_flight) {
        if (!waiting) {
          if (exhausted) break;
          std::optional<TagJob> job = next();
          if (!job) {
            exhausted = true;
            break;
          }
          const size_t index = taken++;
          try {
            waiting = Live{index, std::make_unique<RequestRun>(shared, std::move(job->request), std::move(job->on_tag))};
          } catch (const Error& e) {
            done(index, nullptr, &e);
            continue;
          }
        }
        RequestRun& run = *waiting->run;
        const bool idle = live.empty();
        if (run.request().activation != g.session->options().activation) {
          if (!idle) break;
          g.session->set_activation(run.request().activation);
        }
        if (g.pool->free_count() < run.n_sequences()) {
          if (!idle) break;
          g.make_session(std::min(kMaxSequences, std::max(run.n_sequences() * max_in_flight, g.pool->size())));
          g.session->set_activation(run.request().activation);  // `shared` still refers to it: rebuilt in place
        }
        SequencePool::Grant grant = g.pool->acquire(*g.session, run.prompt_ids(), run.n_sequences());
        run.begin(std::move(grant.seqs), grant.held);
        live.push_back(std::move(*waiting));
        waiting.reset();
      }
      if (live.empty()) break;

      if (g.cancelled.load()) {
        for (auto& l : live) l.run->cancel();
      }
      const auto now = std::chrono::steady_clock::now();
      for (auto& l : live) l.run->check_deadline(now);
      collected.clear();
      works.clear();
      for (auto& l : live) {
        const size_t before = collected.size();
        l.run->collect(collected);
        for (size_t k = before; k < collected.size(); ++k) works.push_back({l.run.get(), collected[k].seq, collected[k].tokens});
      }
      planner.plan(works, g.options.step_rows, g.options.step_tokens, batch, deliveries);
      if (!batch.tokens.empty()) {
        try {
          g.session->decode(batch);
        } catch (const Error& e) {
          if (e.code() != ErrorCode::context_full) throw;
          // Never an overflow: the sequences of this step stop with what they have.
          for (const auto& w : works) w.owner->stop(true);
          deliveries.clear();
        }
        for (size_t i = 0; i < deliveries.size(); ++i) {
          deliveries[i].owner->on_decoded(deliveries[i].seq, g.session->logits(static_cast<int32_t>(i)));
        }
      }
      for (size_t i = 0; i < live.size();) {
        if (live[i].run->done()) {
          finish(live[i]);
          live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
          ++i;
        }
      }
    }
  } catch (...) {
    // The session stays usable: the requests in flight are dropped with their sequences.
    for (auto& l : live) g.pool->release(l.run->sequences());
    throw;
  }
  if (waiting) {
    const Error e(ErrorCode::cancelled, "cancelled before it started");
    done(waiting->index, nullptr, &e);
  }
  return taken;
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
