// SPDX-License-Identifier: Apache-2.0
// A corpus of malformed GGUF files, each wrong in one way: every one must give an Error
// whose message names the problem (never a crash; this suite also runs under ASan+UBSan).
#include "gguf/raw_gguf.h"
#include "nanollama/gguf.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

using gguf::GgufFile;
using testing::RawGguf;

constexpr uint32_t kF32 = 0, kQ8_0 = 8, kString = 8, kArray = 9, kU32 = 4;

// Parses and returns the error message ("" if parsing succeeded).
std::string error_of(const std::vector<uint8_t>& bytes, ErrorCode* code = nullptr) {
  try {
    GgufFile::parse(bytes, "bad.gguf");
  } catch (const Error& e) {
    if (code) *code = e.code();
    return e.what();
  }
  return "";
}

#define EXPECT_GGUF_ERROR(bytes, fragment)                                                  \
  do {                                                                                      \
    const std::string message_ = error_of(bytes);                                           \
    EXPECT_NE(message_.find(fragment), std::string::npos) << "message: '" << message_ << "'"; \
    EXPECT_EQ(message_.rfind("bad.gguf: ", 0), 0u) << message_;                             \
  } while (0)

// A small valid file touching every kind of record: two keys, an array, two tensors.
std::vector<uint8_t> valid_file() {
  gguf::GgufWriter w;
  w.set("general.architecture", "llama");
  w.set("tokenizer.ggml.tokens", std::vector<std::string>{"<unk>", "a", "b"});
  w.set("x.flag", true);
  w.add_tensor("a", TensorType::F32, {5, 3}, std::vector<uint8_t>(60, 1));
  w.add_tensor("b", TensorType::Q8_0, {64, 2}, std::vector<uint8_t>(136, 2));
  return w.write_to_memory();
}

TEST(GgufMalformed, TheValidBaseFileParses) { EXPECT_EQ(error_of(valid_file()), ""); }

TEST(GgufMalformed, EveryTruncationIsAnError) {
  const auto full = valid_file();
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    ErrorCode code{};
    const std::string message = error_of(cut, &code);
    ASSERT_FALSE(message.empty()) << "truncated to " << n << " bytes parsed without error";
    EXPECT_EQ(code, ErrorCode::bad_format) << message;
  }
}

TEST(GgufMalformed, BadMagic) {
  auto bytes = valid_file();
  bytes[0] = 'X';
  EXPECT_GGUF_ERROR(bytes, "not a GGUF file");
  EXPECT_GGUF_ERROR(std::vector<uint8_t>{}, "file is empty");
}

TEST(GgufMalformed, UnsupportedVersionsAndByteOrder) {
  for (uint32_t version : {0u, 1u, 4u, 1000u}) {
    auto bytes = RawGguf().header(0, 0, version).bytes;
    ErrorCode code{};
    const std::string message = error_of(bytes, &code);
    EXPECT_EQ(code, ErrorCode::unsupported) << message;
    EXPECT_NE(message.find("version " + std::to_string(version)), std::string::npos) << message;
  }
  // A big-endian v3 file stores its version as 00 00 00 03.
  auto big = RawGguf().header(0, 0, 0x03000000u).bytes;
  ErrorCode code{};
  EXPECT_NE(error_of(big, &code).find("big-endian"), std::string::npos);
  EXPECT_EQ(code, ErrorCode::unsupported);
}

TEST(GgufMalformed, HugeCountsAndLengths) {
  EXPECT_GGUF_ERROR(RawGguf().header(1ull << 40, 0).zeros(64).bytes, "tensor count");
  EXPECT_GGUF_ERROR(RawGguf().header(0, ~0ull).zeros(64).bytes, "metadata count");
  EXPECT_GGUF_ERROR(RawGguf().header(0, 1).put<uint64_t>(~0ull).zeros(64).bytes, "metadata key is");
  EXPECT_GGUF_ERROR(RawGguf().header(0, 1).str("k").put<uint32_t>(kString).put<uint64_t>(1ull << 62).zeros(8).bytes,
                    "k is 4611686018427387904 bytes long");
  EXPECT_GGUF_ERROR(
      RawGguf().header(0, 1).str("arr").put<uint32_t>(kArray).put<uint32_t>(kU32).put<uint64_t>(1ull << 50).zeros(16).bytes,
      "array 'arr' claims 1125899906842624 elements");
  // An array of strings whose count passes the byte bound but not the 8-bytes-per-string one.
  EXPECT_GGUF_ERROR(
      RawGguf().header(0, 1).str("s").put<uint32_t>(kArray).put<uint32_t>(kString).put<uint64_t>(40).zeros(40).bytes,
      "more strings than the file can hold");
  EXPECT_GGUF_ERROR(RawGguf().header(1, 0).put<uint64_t>(1000).zeros(40).bytes, "tensor name is 1000 bytes long");
}

TEST(GgufMalformed, UnknownAndInvalidValues) {
  EXPECT_GGUF_ERROR(RawGguf().header(0, 1).str("k").put<uint32_t>(13).zeros(8).bytes, "'k' has unknown value type 13");
  EXPECT_GGUF_ERROR(RawGguf().header(0, 1).str("k").put<uint32_t>(kArray).put<uint32_t>(99).put<uint64_t>(0).bytes,
                    "'k' has unknown value type 99");
  EXPECT_GGUF_ERROR(RawGguf().header(0, 1).str("k").put<uint32_t>(kArray).put<uint32_t>(kArray).put<uint64_t>(1).zeros(16).bytes,
                    "nested array");
  EXPECT_GGUF_ERROR(RawGguf().header(0, 1).str("k").put<uint32_t>(7).put<uint8_t>(2).bytes, "bool byte of 2");
  EXPECT_GGUF_ERROR(RawGguf().header(0, 1).str("").put<uint32_t>(kU32).put<uint32_t>(1).bytes, "empty key");
}

TEST(GgufMalformed, DuplicateKeysAndTensorNames) {
  EXPECT_GGUF_ERROR(RawGguf().header(0, 2).kv_u32("a.b", 1).kv_u32("a.b", 2).bytes, "duplicate metadata key 'a.b'");
  auto dup = RawGguf().header(2, 0).tensor("w", {4}, kF32, 0).tensor("w", {4}, kF32, 32).pad_to(32).zeros(64).bytes;
  EXPECT_GGUF_ERROR(dup, "duplicate tensor 'w'");
}

TEST(GgufMalformed, DimensionProblems) {
  EXPECT_GGUF_ERROR(RawGguf().header(1, 0).tensor("w", {}, kF32, 0).pad_to(32).zeros(32).bytes,
                    "tensor 'w' has 0 dimensions");
  EXPECT_GGUF_ERROR(RawGguf().header(1, 0).tensor("w", {1, 1, 1, 1, 1}, kF32, 0).pad_to(32).zeros(32).bytes,
                    "tensor 'w' has 5 dimensions");
  EXPECT_GGUF_ERROR(RawGguf().header(1, 0).tensor("w", {4, 0}, kF32, 0).pad_to(32).zeros(32).bytes,
                    "zero-length dimension 1");
  EXPECT_GGUF_ERROR(RawGguf().header(1, 0).tensor("w", {1ull << 32, 1ull << 32}, kF32, 0).pad_to(32).zeros(32).bytes,
                    "more elements than can be addressed");
  EXPECT_GGUF_ERROR(RawGguf().header(1, 0).tensor("w", {30}, kQ8_0, 0).pad_to(32).zeros(64).bytes,
                    "row length of 30, not a multiple of the block size 32");
}

TEST(GgufMalformed, UnknownTensorTypes) {
  for (uint32_t type : {4u, 5u, 31u, 99u, 0xFFFFFFFFu}) {
    EXPECT_GGUF_ERROR(RawGguf().header(1, 0).tensor("w", {32}, type, 0).pad_to(32).zeros(256).bytes,
                      "tensor 'w' has unknown type id " + std::to_string(type));
  }
}

TEST(GgufMalformed, OffsetsOutsideOrMisalignedOrOverlapping) {
  EXPECT_GGUF_ERROR(RawGguf().header(1, 0).tensor("w", {4}, kF32, 8).pad_to(32).zeros(64).bytes,
                    "not a multiple of the alignment 32");
  EXPECT_GGUF_ERROR(RawGguf().header(1, 0).tensor("w", {4}, kF32, 32).pad_to(32).zeros(40).bytes,
                    "extends past the end of the file");
  EXPECT_GGUF_ERROR(RawGguf().header(1, 0).tensor("w", {4}, kF32, ~0ull << 5).pad_to(32).zeros(40).bytes,
                    "extends past the end of the file");
  EXPECT_GGUF_ERROR(
      RawGguf().header(2, 0).tensor("a", {16}, kF32, 0).tensor("b", {4}, kF32, 32).pad_to(32).zeros(128).bytes,
      "tensors 'a' and 'b' overlap");
  // A file that ends before its data section begins.
  EXPECT_GGUF_ERROR(RawGguf().header(1, 0).tensor("w", {4}, kF32, 0).bytes, "ends before its data section");
}

TEST(GgufMalformed, BadAlignment) {
  auto with_alignment = [](uint32_t a) {
    return RawGguf().header(0, 1).kv_u32("general.alignment", a).bytes;
  };
  EXPECT_GGUF_ERROR(with_alignment(48), "general.alignment is 48");
  EXPECT_GGUF_ERROR(with_alignment(0), "general.alignment is 0");
  EXPECT_GGUF_ERROR(RawGguf().header(0, 1).kv_string("general.alignment", "32").bytes,
                    "'general.alignment' has type string, expected u32");
  // A valid non-default alignment is honoured.
  auto ok = RawGguf().header(1, 1).kv_u32("general.alignment", 64).tensor("w", {4}, kF32, 64).pad_to(64).zeros(128).bytes;
  EXPECT_EQ(error_of(ok), "");
}

TEST(GgufMalformed, ErrorsCarryTheByteOffset) {
  // The second key starts right after the first record; the message points there.
  auto bytes = RawGguf().header(0, 2).kv_u32("a", 1).kv_u32("a", 2).bytes;
  const size_t second_record = 24 + (8 + 1 + 4 + 4);
  EXPECT_GGUF_ERROR(bytes, "(at byte " + std::to_string(second_record) + ")");
}

TEST(GgufMalformed, RandomCorruptionNeverCrashes) {
  // Flip bytes all over a valid file: each result either parses or throws Error.
  const auto base = valid_file();
  uint32_t state = 12345;
  for (int trial = 0; trial < 3000; ++trial) {
    auto bytes = base;
    for (int k = 0; k < 3; ++k) {
      state = state * 1664525u + 1013904223u;
      bytes[state % bytes.size()] = static_cast<uint8_t>(state >> 24);
    }
    try {
      auto file = GgufFile::parse(bytes, "fuzz.gguf");
      for (const auto& t : file->tensors()) {
        ASSERT_LE(t.data + t.n_bytes, bytes.data() + bytes.size());  // stays inside the buffer
      }
    } catch (const Error&) {
    }
  }
}

TEST(GgufMalformed, OpenReportsMissingFilesAsIoErrors) {
  try {
    GgufFile::open("/nonexistent/dir/model.gguf");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/model.gguf"), std::string::npos);
  }
  testing::TempDir dir;
  try {
    GgufFile::open(dir.path().string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos);
  }
}

}  // namespace
}  // namespace nanollama
