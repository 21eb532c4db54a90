// SPDX-License-Identifier: Apache-2.0
// Protobuf wire format, just the parts a ModelProto needs: varints, length-delimited
// strings and messages, and fixed32 floats.
#include "tokenizer/spm_proto.h"

#include <bit>
#include <cstdint>

#include "tokenizer/vocabulary.h"

namespace nanollama::tokenizer_detail {
namespace {

enum WireType : uint32_t { kVarint = 0, kLengthDelimited = 2, kFixed32 = 5 };

// ModelProto and its sub-messages (sentencepiece_model.proto).
constexpr uint32_t kModelPieces = 1;
constexpr uint32_t kModelTrainerSpec = 2;
constexpr uint32_t kModelNormalizerSpec = 3;
constexpr uint32_t kPieceText = 1;
constexpr uint32_t kPieceScore = 2;
constexpr uint32_t kPieceType = 3;
constexpr uint32_t kPieceTypeUnknown = 2;
constexpr uint32_t kTrainerModelType = 3;
constexpr uint32_t kTrainerModelTypeBpe = 2;
constexpr uint32_t kTrainerVocabSize = 4;
constexpr uint32_t kTrainerByteFallback = 35;
constexpr uint32_t kNormalizerName = 1;
constexpr uint32_t kNormalizerAddDummyPrefix = 3;
constexpr uint32_t kNormalizerRemoveExtraWhitespaces = 4;
constexpr uint32_t kNormalizerEscapeWhitespaces = 5;

class ProtoWriter {
 public:
  explicit ProtoWriter(std::string& out) : out_(out) {}

  void varint(uint64_t value) {
    while (value >= 0x80) {
      out_ += static_cast<char>((value & 0x7F) | 0x80);
      value >>= 7;
    }
    out_ += static_cast<char>(value);
  }
  void key(uint32_t field, WireType wire) { varint((static_cast<uint64_t>(field) << 3) | wire); }
  void uint_field(uint32_t field, uint64_t value) {
    key(field, kVarint);
    varint(value);
  }
  void bool_field(uint32_t field, bool value) { uint_field(field, value ? 1 : 0); }
  void bytes_field(uint32_t field, std::string_view bytes) {
    key(field, kLengthDelimited);
    varint(bytes.size());
    out_.append(bytes);
  }
  void float_field(uint32_t field, float value) {
    key(field, kFixed32);
    const auto bits = std::bit_cast<uint32_t>(value);
    for (int shift = 0; shift < 32; shift += 8) out_ += static_cast<char>((bits >> shift) & 0xFF);
  }

 private:
  std::string& out_;
};

// One SentencePiece message; NORMAL is the type's default, so it is left out.
void write_piece(ProtoWriter& model, std::string& scratch, std::string_view text, float score, bool unknown) {
  scratch.clear();
  ProtoWriter piece(scratch);
  piece.bytes_field(kPieceText, text);
  piece.float_field(kPieceScore, score);
  if (unknown) piece.uint_field(kPieceType, kPieceTypeUnknown);
  model.bytes_field(kModelPieces, scratch);
}

}  // namespace

std::string serialize_model_proto(const Vocabulary& vocab, std::string_view unknown_piece) {
  std::string out;
  size_t text_bytes = 0;
  for (const auto& t : vocab.texts) text_bytes += t.size();
  out.reserve(text_bytes + vocab.texts.size() * 12 + 64);

  ProtoWriter model(out);
  std::string scratch;
  for (size_t id = 0; id < vocab.texts.size(); ++id) {
    write_piece(model, scratch, vocab.texts[id], vocab.scores[id], false);
  }
  write_piece(model, scratch, unknown_piece, 0.0f, true);

  scratch.clear();
  ProtoWriter trainer(scratch);
  trainer.uint_field(kTrainerModelType, kTrainerModelTypeBpe);
  trainer.uint_field(kTrainerVocabSize, vocab.texts.size() + 1);
  trainer.bool_field(kTrainerByteFallback, false);
  model.bytes_field(kModelTrainerSpec, scratch);

  scratch.clear();
  ProtoWriter normalizer(scratch);
  normalizer.bytes_field(kNormalizerName, "identity");
  normalizer.bool_field(kNormalizerAddDummyPrefix, false);
  normalizer.bool_field(kNormalizerRemoveExtraWhitespaces, false);
  normalizer.bool_field(kNormalizerEscapeWhitespaces, false);
  model.bytes_field(kModelNormalizerSpec, scratch);
  return out;
}

}  // namespace nanollama::tokenizer_detail
