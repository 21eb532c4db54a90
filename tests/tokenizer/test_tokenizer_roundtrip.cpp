// SPDX-License-Identifier: Apache-2.0
// Properties over many generated strings: decode(encode(s)) gives s back (up to what
// llama.cpp's rules change), streaming decode equals whole decode, and one tokenizer
// gives the same ids from several threads.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "support/test_support.h"
#include "tokenizer/tokenizer_test_support.h"

namespace nanollama::testing {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Random text: words, tag lists, whitespace runs, Unicode from several planes (many 4-byte
// characters), and, if `invalid`, malformed UTF-8. Never contains '|', so no DanTagGen
// token text can appear.
class TextGenerator {
 public:
  explicit TextGenerator(uint32_t seed) : rng_(seed) {}

  std::string next(bool invalid) {
    std::string s;
    const int parts = pick(0, 14);
    for (int i = 0; i < parts; ++i) {
      switch (pick(0, invalid ? 8 : 7)) {
        case 0: s += kWords[pick(0, std::size(kWords) - 1)]; break;
        case 1: s += std::string(static_cast<size_t>(pick(1, 5)), ' '); break;
        case 2: s += kWhitespace[pick(0, std::size(kWhitespace) - 1)]; break;
        case 3: append_utf8(s, static_cast<uint32_t>(pick(0x20, 0x7E) == '|' ? 'x' : pick(0x20, 0x7E))); break;
        case 4: append_utf8(s, static_cast<uint32_t>(pick(0xA0, 0x7FF))); break;
        case 5: append_utf8(s, static_cast<uint32_t>(pick(0x3040, 0x9FFF))); break;
        case 6: append_utf8(s, static_cast<uint32_t>(pick(0x1F300, 0x1FAFF))); break;
        case 7: {
          uint32_t cp = static_cast<uint32_t>(pick(0x10000, 0x10FFFF));
          append_utf8(s, cp);
          break;
        }
        default: s += kInvalid[pick(0, std::size(kInvalid) - 1)]; break;
      }
    }
    return s;
  }

 private:
  int pick(size_t lo, size_t hi) { return std::uniform_int_distribution<int>(static_cast<int>(lo), static_cast<int>(hi))(rng_); }

  static constexpr const char* kWords[] = {"1girl", ", ", "solo", "dragon girl", "dragon horns", "vivlos \\(umamusume\\)",
                                           "rating: safe\n", "aspect ratio: 1.0", "Once upon a time", "the", "hello",
                                           "<s>", "</s>", "<unk>", "\xE2\x96\x81", "\xC2\xA0", "\xE2\x80\x8D", "caf\xC3\xA9"};
  static constexpr const char* kWhitespace[] = {"\n", "\t", "\r\n", "\n\n", " \n ", "\t \t"};
  static constexpr const char* kInvalid[] = {"\xE2", "\x80", "\xC0\x80", "\xED\xA0\x80", "\xF8", "\xFF", "\xF4\x90\x80\x80",
                                             "\xE2\x96", "\xF0\x9F", "\xC3", "\xBF\xBF"};
  std::mt19937 rng_;
};

// Well-formed UTF-8 check written independently of the library's: decode each code point
// and check its range.
bool is_well_formed(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<uint8_t>(s[i]);
    size_t n = b0 < 0x80 ? 1 : (b0 >> 5) == 6 ? 2 : (b0 >> 4) == 14 ? 3 : (b0 >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? b0 : (b0 & (0x7F >> n));
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<uint8_t>(s[i + k]);
      if ((b >> 6) != 2) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

// What decode(encode(s)) must give under llama.cpp's rules when no special token is
// involved: spaces turn into "▁" before the text is cut into symbols by lead-byte length
// (1/2/3/4 from the top bits, stray continuation bytes alone); well-formed symbols come
// back with "▁" as a space, malformed ones as their raw bytes; the added leading space
// is stripped again.
std::string expected_round_trip(std::string_view s) {
  std::string t(kSpaceSymbol);
  for (const char c : s) {
    if (c == ' ') {
      t += kSpaceSymbol;
    } else {
      t += c;
    }
  }
  std::string out;
  for (size_t i = 0; i < t.size();) {
    const auto lead = static_cast<uint8_t>(t[i]);
    size_t n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    n = std::min(n, t.size() - i);
    const std::string_view symbol = std::string_view(t).substr(i, n);
    out += (symbol == kSpaceSymbol) ? std::string(" ") : std::string(symbol);
    i += n;
  }
  return out.substr(1);
}

std::string stream_decode(const Tokenizer& tok, const std::vector<int32_t>& ids, Tokenizer::DecodeOptions options,
                          bool chunks_must_be_well_formed) {
  StreamDecoder stream(tok, options);
  std::string all;
  for (const int32_t id : ids) {
    const std::string chunk = stream.push(id);
    if (chunks_must_be_well_formed) {
      EXPECT_TRUE(is_well_formed(chunk)) << "chunk " << to_hex(chunk);
    }
    all += chunk;
  }
  return all + stream.flush();
}

void check_round_trips(const Tokenizer& tok, uint32_t seed, int count) {
  TextGenerator gen(seed);
  const Tokenizer::EncodeOptions plain{false, false};
  for (int i = 0; i < count; ++i) {
    const std::string s = gen.next(i % 3 == 2);
    const auto ids = tok.encode(s, plain);
    ASSERT_EQ(tok.decode(ids), expected_round_trip(s)) << "text " << to_hex(s);
    if (is_well_formed(s) && s.find(kSpaceSymbol) == std::string::npos) {
      ASSERT_EQ(tok.decode(ids), s) << "text " << to_hex(s);  // valid text comes back exactly
    }
  }
}

void check_streaming(const Tokenizer& tok, uint32_t seed, int count) {
  TextGenerator gen(seed);
  for (int i = 0; i < count; ++i) {
    const std::string s = gen.next(i % 3 == 2);
    const auto ids = tok.encode(s);  // with BOS
    for (const bool remove : {false, true}) {
      for (const bool render : {false, true}) {
        const Tokenizer::DecodeOptions options{remove, render};
        const std::string whole = tok.decode(ids, options);
        ASSERT_EQ(stream_decode(tok, ids, options, is_well_formed(whole)), whole) << "text " << to_hex(s);
      }
    }
  }
}

// Random ids from the whole vocabulary, biased towards byte tokens and the special ids, so
// that multi-byte characters are cut, bytes are invalid, and BOS/EOS come anywhere.
void check_streaming_random_ids(const Tokenizer& tok, uint32_t seed, int count) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int i = 0; i < count; ++i) {
    std::vector<int32_t> ids(static_cast<size_t>(pick(0, 20)));
    for (auto& id : ids) {
      const int kind = pick(0, 9);
      id = kind < 5 ? pick(3, 258) : kind < 7 ? pick(0, 2) : pick(0, tok.n_vocab() - 1);
    }
    for (const bool remove : {false, true}) {
      for (const bool render : {false, true}) {
        const Tokenizer::DecodeOptions options{remove, render};
        const std::string whole = tok.decode(ids, options);
        ASSERT_EQ(stream_decode(tok, ids, options, is_well_formed(whole)), whole);
      }
    }
  }
}

void check_threads_agree(const Tokenizer& tok) {
  TextGenerator gen(99);
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) texts.push_back(gen.next(i % 4 == 3));
  std::vector<std::vector<int32_t>> expected;
  for (const auto& t : texts) expected.push_back(tok.encode(t));

  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          const size_t k = (i + static_cast<size_t>(t) * 37) % texts.size();
          if (tok.encode(texts[k]) != expected[k]) ++mismatches[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[static_cast<size_t>(t)], 0) << "thread " << t;
}

// An always-available vocabulary: "▁", printable ASCII, a few merges, add_eos on.
std::shared_ptr<const Tokenizer> synthetic_tokenizer(bool add_eos) {
  SyntheticVocab v;
  v.add(std::string(kSpaceSymbol), -1);
  for (char c = 0x21; c < 0x7F; ++c) v.add(std::string(1, c), -5);
  const char* merges[] = {"he", "\xE2\x96\x81t", "\xE2\x96\x81the", "in", "\xE2\x96\x81\xE2\x96\x81", "gi", "girl", "on"};
  float score = -2;
  for (const char* m : merges) v.add(m, score -= 0.25f);
  auto w = v.writer();
  w.set("tokenizer.ggml.add_eos_token", add_eos);
  return tokenizer_from(w);
}

TEST(TokenizerRoundTrip, SyntheticVocabulary) {
  const auto tok = synthetic_tokenizer(false);
  check_round_trips(*tok, 1, 3000);
}

TEST(TokenizerRoundTrip, NanoTinyVocabulary) {
  NANOLLAMA_REQUIRE_FIXTURES();
  check_round_trips(fixture_tokenizer("models/nano-tiny-f16.gguf"), 2, 3000);
}

TEST(TokenizerRoundTrip, Stories260KVocabulary) {
  NANOLLAMA_REQUIRE_FIXTURES();
  check_round_trips(fixture_tokenizer("models/stories260K.gguf"), 3, 2000);
}

TEST(TokenizerStream, ExamplesByHand) {
  SyntheticVocab v;
  const int32_t space = v.add(std::string(kSpaceSymbol), -1);
  const int32_t a = v.add("\xE2\x96\x81" "a", -1);
  auto w = v.writer();
  w.set("tokenizer.ggml.add_eos_token", true);
  const auto tok = tokenizer_from(w);
  const int32_t c3 = SyntheticVocab::byte_id(0xC3);
  const int32_t a9 = SyntheticVocab::byte_id(0xA9);

  StreamDecoder s(*tok);
  EXPECT_EQ(s.push(space), "");  // the first token's space is stripped
  EXPECT_EQ(s.push(c3), "");     // half of é is held back
  EXPECT_EQ(s.push(a9), "\xC3\xA9");
  EXPECT_EQ(s.push(a), " a");
  EXPECT_EQ(s.push(SyntheticVocab::byte_id(0xFF)), "\xFF");  // never valid: passed on at once
  EXPECT_EQ(s.push(c3), "");
  EXPECT_EQ(s.flush(), "\xC3");  // the end: an incomplete character goes out as it is

  // After flush (or reset) a new sequence starts: its first space is stripped again.
  EXPECT_EQ(s.push(a), "a");
  s.reset();
  EXPECT_EQ(s.push(a), "a");
  EXPECT_THROW((void)s.push(-3), Error);
  EXPECT_EQ(s.push(a), " a");  // the failed push changed nothing

  StreamDecoder special(*tok, Tokenizer::DecodeOptions{true, true});
  EXPECT_EQ(special.push(1), "");  // leading BOS removed; the text after it keeps its space
  EXPECT_EQ(special.push(a), " a");
  EXPECT_EQ(special.push(2), "");     // might be the final EOS, which decode() drops
  EXPECT_EQ(special.push(a), "</s> a");  // it was not
  EXPECT_EQ(special.push(2), "");
  EXPECT_EQ(special.flush(), "");  // it was
}

TEST(TokenizerStream, EqualsWholeDecodeSynthetic) {
  for (const bool add_eos : {false, true}) {
    const auto tok = synthetic_tokenizer(add_eos);
    check_streaming(*tok, 4, 1000);
    check_streaming_random_ids(*tok, 5, 2000);
  }
}

TEST(TokenizerStream, EqualsWholeDecodeNanoTiny) {
  NANOLLAMA_REQUIRE_FIXTURES();
  const Tokenizer& tok = fixture_tokenizer("models/nano-tiny-f16.gguf");
  check_streaming(tok, 6, 1000);
  check_streaming_random_ids(tok, 7, 2000);
}

TEST(TokenizerThreads, SharedTokenizerGivesTheSameIds) {
  check_threads_agree(*synthetic_tokenizer(false));
  if (fixtures_dir()) check_threads_agree(fixture_tokenizer("models/nano-tiny-f16.gguf"));
}

}  // namespace
}  // namespace nanollama::testing
