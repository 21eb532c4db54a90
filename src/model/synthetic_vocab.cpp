// SPDX-License-Identifier: Apache-2.0
// A small LLaMA-style vocabulary written for nanollama: enough for tag prompts to tokenize
// into real pieces and for generated models to exercise the whole pipeline offline.
#include "model/synthetic_vocab.h"

#include <set>

#include "nanollama/error.h"

namespace nanollama {
namespace {

constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6;
const std::string kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

// Words that make up common Danbooru tags.
const char* const kTagWords[] = {
    "1girl", "2girls", "3girls", "1boy", "2boys", "solo", "multiple", "girls", "boys", "male", "focus",
    "long", "short", "medium", "very", "hair", "eyes", "blue", "red", "black", "white", "blonde", "brown",
    "green", "purple", "pink", "silver", "grey", "orange", "yellow", "aqua", "smile", "blush", "looking",
    "at", "viewer", "open", "mouth", "closed", "simple", "background", "holding", "breasts", "small",
    "large", "bangs", "ribbon", "bow", "hat", "jacket", "gloves", "tail", "ears", "animal", "cat", "dog",
    "fox", "horns", "dragon", "wings", "sitting", "standing", "outdoors", "indoors", "sky", "cloud", "day",
    "night", "flower", "tree", "water", "dress", "skirt", "shirt", "sleeves", "thighhighs", "boots",
    "twintails", "ponytail", "braid", "ahoge", "hairband", "jewelry", "earrings", "necklace", "uniform",
    "school", "serafuku", "kimono", "armor", "sword", "weapon", "book", "cup", "food", "upper", "body",
    "full", "cowboy", "shot", "portrait", "from", "side", "behind", "above", "below", "hand", "hands",
    "up", "on", "hip", "arms", "legs", "feet", "barefoot", "teeth", "tongue", "fang", "pointy",
    "chinese", "clothes", "china", "frills", "lace", "collarbone", "navel", "cleavage", "shoulders",
    "bare", "off", "shoulder", "sidelocks", "between", "heterochromia", "glasses", "mask", "hood",
    "scarf", "cape", "coat", "sweater", "shorts", "pantyhose", "socks", "shoes", "sandals", "window",
    "room", "bed", "chair", "table", "city", "street", "forest", "beach", "ocean", "snow", "rain",
    "sunlight", "moon", "star", "stars", "petals", "leaf", "leaves", "blurry", "depth", "of", "field",
    "masterpiece", "best", "quality", "high", "absurdres", "highres", "newest", "recent", "safe",
    "general", "sensitive", "questionable", "explicit", "no", "humans", "signature", "commentary",
    "english", "request", "artist", "name", "character", "copyright", "original", "wide", "tall",
};

class Builder {
 public:
  void add(const std::string& text, int32_t type, float boost = 0.0f) {
    if (!seen_.insert(text).second) return;
    v.tokens.push_back(text);
    // Earlier pieces merge first, as in LLaMA's vocabulary (scores fall with the id).
    v.scores.push_back(type == kNormal ? -static_cast<float>(v.tokens.size()) : 0.0f);
    v.types.push_back(type);
    v.output_boost.push_back(boost);
  }
  size_t size() const { return v.tokens.size(); }
  SyntheticVocabulary v;

 private:
  std::set<std::string> seen_;
};

}  // namespace

SyntheticVocabulary make_synthetic_vocabulary(int32_t n_vocab) {
  const char* const specials[] = {"<|empty|>", "<|very_short|>", "<|short|>", "<|long|>", "<|very_long|>", "<|input_end|>"};
  Builder b;
  b.add("<unk>", kUnknown);
  b.add("<s>", kControl);
  b.add("</s>", kControl, 9.9f);  // EOS: about 2% of the choices, so outputs end
  for (int byte = 0; byte < 256; ++byte) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", byte);
    b.add(name, kByte);
  }
  b.add(kSpace, kNormal);
  b.add(",", kNormal, 12.5f);  // tag separator: about a third of the choices
  for (char c = '!'; c <= '~'; ++c) b.add(std::string(1, c), kNormal);
  // Every prefix of "▁word" is a piece, so a word always merges into one token.
  for (const char* word : kTagWords) {
    const std::string w = kSpace + word;
    for (size_t len = kSpace.size() + 1; len <= w.size(); ++len) {
      b.add(w.substr(0, len), kNormal, len == w.size() ? 8.0f : 0.0f);
    }
  }
  const size_t fixed = b.size() + std::size(specials);
  if (static_cast<int64_t>(fixed) > n_vocab) {
    throw Error(ErrorCode::invalid_argument, "the built-in vocabulary needs at least " + std::to_string(fixed) +
                                                 " tokens; n_vocab is " + std::to_string(n_vocab));
  }
  for (int32_t i = 0; static_cast<int32_t>(b.size()) < n_vocab - static_cast<int32_t>(std::size(specials)); ++i) {
    b.add("[PAD" + std::to_string(i) + "]", kUnused);
  }
  for (const char* s : specials) b.add(s, kUserDefined);
  return std::move(b.v);
}

}  // namespace nanollama
