// SPDX-License-Identifier: Apache-2.0
// Building a Tokenizer from a GGUF file, and the per-token lookups.
#include "nanollama/error.h"
#include "nanollama/gguf.h"
#include "tokenizer/tokenizer_impl.h"

namespace nanollama {

void Tokenizer::Impl::check_id(int32_t id) const {
  if (!vocab.contains(id)) {
    throw Error(ErrorCode::invalid_argument, "token id " + std::to_string(id) + " is out of range (the vocabulary has " +
                                                 std::to_string(vocab.size()) + " tokens)");
  }
}

Tokenizer::Tokenizer(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

std::shared_ptr<const Tokenizer> Tokenizer::from_gguf(const gguf::GgufFile& file) {
  auto vocab = tokenizer_detail::load_vocabulary(file);
  tokenizer_detail::SentencePieceMerger merger(vocab, file.path());
  auto impl = std::make_unique<const Impl>(Impl{std::move(vocab), std::move(merger)});
  return std::shared_ptr<const Tokenizer>(new Tokenizer(std::move(impl)));
}

std::optional<int32_t> Tokenizer::find_token(std::string_view text) const {
  const auto it = impl_->vocab.ids_by_text.find(text);
  if (it == impl_->vocab.ids_by_text.end()) return std::nullopt;
  return it->second;
}

int32_t Tokenizer::token_id(std::string_view text) const {
  if (auto id = find_token(text)) return *id;
  throw Error(ErrorCode::invalid_argument, "the vocabulary has no token '" + std::string(text) + "'");
}

int32_t Tokenizer::n_vocab() const { return impl_->vocab.size(); }
int32_t Tokenizer::bos_id() const { return impl_->vocab.bos_id; }
int32_t Tokenizer::eos_id() const { return impl_->vocab.eos_id; }
int32_t Tokenizer::unk_id() const { return impl_->vocab.unk_id; }
std::optional<int32_t> Tokenizer::pad_id() const { return impl_->vocab.pad_id; }
bool Tokenizer::add_bos() const { return impl_->vocab.add_bos; }
bool Tokenizer::add_eos() const { return impl_->vocab.add_eos; }
bool Tokenizer::add_space_prefix() const { return impl_->vocab.add_space_prefix; }

std::string_view Tokenizer::token_text(int32_t id) const {
  impl_->check_id(id);
  return impl_->vocab.texts[static_cast<size_t>(id)];
}

TokenType Tokenizer::token_type(int32_t id) const {
  impl_->check_id(id);
  return impl_->vocab.types[static_cast<size_t>(id)];
}

float Tokenizer::token_score(int32_t id) const {
  impl_->check_id(id);
  return impl_->vocab.scores[static_cast<size_t>(id)];
}

}  // namespace nanollama
