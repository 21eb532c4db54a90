// SPDX-License-Identifier: Apache-2.0
// Write with GgufWriter, read back with GgufFile, compare everything.
#include <filesystem>
#include <functional>
#include <limits>
#include <random>

#include "nanollama/gguf.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

using gguf::GgufFile;
using gguf::GgufWriter;
using gguf::Value;
using gguf::ValueType;

// Parses an in-memory image; the returned pointer keeps the bytes alive (tensor data points
// into them).
std::shared_ptr<const GgufFile> reparse(std::vector<uint8_t> bytes) {
  struct Held {
    std::vector<uint8_t> bytes;
    std::shared_ptr<const GgufFile> file;
  };
  auto held = std::make_shared<Held>();
  held->bytes = std::move(bytes);
  held->file = GgufFile::parse(held->bytes, "memory.gguf");
  return std::shared_ptr<const GgufFile>(held, held->file.get());
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// One value of every type the format has, scalars and arrays, with edge values.
std::vector<std::pair<std::string, Value>> every_value_type() {
  return {
      {"t.u8", uint8_t{255}},
      {"t.i8", int8_t{-128}},
      {"t.u16", uint16_t{65535}},
      {"t.i16", int16_t{-32768}},
      {"t.u32", uint32_t{4000000000u}},
      {"t.i32", int32_t{-2000000000}},
      {"t.f32", 3.25f},
      {"t.bool", true},
      {"t.string", std::string("h\xC3\xA9llo \n\"world\"")},
      {"t.empty_string", std::string()},
      {"t.u64", uint64_t{18446744073709551615ull}},
      {"t.i64", int64_t{-9223372036854775807ll - 1}},
      {"t.f64", -1.0e300},
      {"a.u8", std::vector<uint8_t>{0, 1, 255}},
      {"a.i8", std::vector<int8_t>{-1, 0, 127}},
      {"a.u16", std::vector<uint16_t>{1, 65535}},
      {"a.i16", std::vector<int16_t>{-32768, 5}},
      {"a.u32", std::vector<uint32_t>{7, 8, 9}},
      {"a.i32", std::vector<int32_t>{-7, 8}},
      {"a.f32", std::vector<float>{0.5f, -0.0f, std::numeric_limits<float>::infinity()}},
      {"a.bool", std::vector<bool>{true, false, true}},
      {"a.string", std::vector<std::string>{"<s>", "", "\xE2\x96\x81hello"}},
      {"a.u64", std::vector<uint64_t>{1ull << 63}},
      {"a.i64", std::vector<int64_t>{-5}},
      {"a.f64", std::vector<double>{1e-300, 2.0}},
      {"a.empty", std::vector<uint32_t>{}},
  };
}

TEST(GgufRoundTrip, EveryValueTypeSurvives) {
  GgufWriter w;
  for (const auto& [k, v] : every_value_type()) w.set(k, v);
  auto file = reparse(w.write_to_memory());
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(file->alignment(), 32u);
  const auto expected = every_value_type();
  ASSERT_EQ(file->metadata().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(file->metadata()[i].key, expected[i].first);  // file order is insertion order
    EXPECT_EQ(file->metadata()[i].value, expected[i].second) << expected[i].first;
  }
  EXPECT_EQ(file->find("a.string")->type(), ValueType::ARRAY);
  EXPECT_EQ(file->find("a.string")->element_type(), ValueType::STRING);
  EXPECT_EQ(file->find("a.bool")->size(), 3u);
  EXPECT_EQ(file->find("t.f64")->type(), ValueType::FLOAT64);
}

TEST(GgufRoundTrip, SetReplacesInPlaceAndEraseRemoves) {
  GgufWriter w;
  w.set("a", uint32_t{1});
  w.set("b", uint32_t{2});
  w.set("a", std::string("x"));
  EXPECT_TRUE(w.erase("b"));
  EXPECT_FALSE(w.erase("b"));
  auto file = reparse(w.write_to_memory());
  ASSERT_EQ(file->metadata().size(), 1u);
  EXPECT_EQ(file->get<std::string>("a"), "x");
}

TEST(GgufRoundTrip, TensorsOfEveryTypeKeepBytesShapeAndAlignment) {
  const TensorType types[] = {TensorType::F32,  TensorType::F16,  TensorType::BF16, TensorType::Q8_0,
                              TensorType::Q6_K, TensorType::Q8_K, TensorType::Q4_0, TensorType::Q4_K,
                              TensorType::I8,   TensorType::F64};
  for (uint32_t alignment : {32u, 64u, 4096u}) {
    GgufWriter w(alignment);
    std::vector<std::vector<uint8_t>> payloads;
    uint32_t seed = 1;
    for (TensorType t : types) {
      const auto& info = tensor_type_info(t);
      std::vector<uint64_t> dims = {info.block_size * 3, 5, 2};
      payloads.push_back(random_bytes(*row_bytes(t, dims[0]) * 10, seed++));
      w.add_tensor(std::string("t.") + std::string(info.name), t, dims, payloads.back());
    }
    auto bytes = w.write_to_memory();
    auto file = reparse(bytes);
    EXPECT_EQ(file->alignment(), alignment);
    EXPECT_EQ(file->data_offset() % alignment, 0u);
    ASSERT_EQ(file->tensors().size(), std::size(types));
    for (size_t i = 0; i < std::size(types); ++i) {
      const auto& t = file->tensors()[i];
      EXPECT_EQ(t.type, types[i]);
      EXPECT_EQ(t.dims, (std::vector<uint64_t>{tensor_type_info(types[i]).block_size * 3, 5, 2}));
      EXPECT_EQ(t.rows(), 10u);
      EXPECT_EQ(t.offset % alignment, 0u);
      ASSERT_EQ(t.n_bytes, payloads[i].size());
      EXPECT_TRUE(std::equal(payloads[i].begin(), payloads[i].end(), t.data)) << t.name;
      EXPECT_EQ(file->find_tensor(t.name), &t);
    }
    if (alignment != 32) {
      EXPECT_EQ(file->get<uint32_t>("general.alignment"), alignment);
    } else {
      EXPECT_FALSE(file->contains("general.alignment"));
    }
  }
}

TEST(GgufRoundTrip, FillCallbackProducesTheData) {
  GgufWriter w;
  w.add_tensor("x", TensorType::F32, {4, 2}, [](std::span<uint8_t> out) {
    ASSERT_EQ(out.size(), 32u);
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 3);
  });
  auto file = reparse(w.write_to_memory());
  const auto& t = file->tensor("x");
  for (size_t i = 0; i < 32; ++i) EXPECT_EQ(t.data[i], static_cast<uint8_t>(i * 3));
}

TEST(GgufRoundTrip, WritesFilesAtomicallyAndReadsThemBackMapped) {
  testing::TempDir dir;
  const auto path = dir.file("model.gguf").string();
  testing::write_bytes(path, {'o', 'l', 'd'});
  GgufWriter w;
  w.set("general.architecture", "llama");
  w.add_tensor("w", TensorType::F16, {8}, random_bytes(16, 9));
  size_t progress_calls = 0;
  w.write(path, [&](size_t done, size_t total, uint64_t) {
    ++progress_calls;
    EXPECT_LE(done, total);
  });
  EXPECT_EQ(progress_calls, 1u);
  auto file = GgufFile::open(path);
  EXPECT_EQ(file->get<std::string>("general.architecture"), "llama");
  EXPECT_EQ(file->file_size(), std::filesystem::file_size(path));
  EXPECT_EQ(file->tensor("w").n_bytes, 16u);
  // Only the finished file remains: no temporary left beside it.
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(GgufRoundTrip, FailedWriteLeavesNoFileBehind) {
  testing::TempDir dir;
  const auto path = dir.file("model.gguf").string();
  GgufWriter w;
  w.add_tensor("w", TensorType::F32, {4}, [](std::span<uint8_t>) { throw Error(ErrorCode::cancelled, "stop"); });
  EXPECT_THROW(w.write(path), Error);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(GgufRoundTrip, Version2FilesReadLikeVersion3) {
  GgufWriter w;
  w.set("k", uint32_t{5});
  w.add_tensor("w", TensorType::F32, {4}, random_bytes(16, 3));
  auto bytes = w.write_to_memory();
  bytes[4] = 2;  // version field
  auto file = reparse(bytes);
  EXPECT_EQ(file->version(), 2u);
  EXPECT_EQ(file->get<uint32_t>("k"), 5u);
  EXPECT_EQ(file->tensor("w").n_bytes, 16u);
}

TEST(GgufRoundTrip, EmptyFileWithNoTensorsIsValid) {
  GgufWriter w;
  auto file = reparse(w.write_to_memory());
  EXPECT_TRUE(file->metadata().empty());
  EXPECT_TRUE(file->tensors().empty());
}

TEST(GgufRoundTrip, WriterRefusesInvalidTensors) {
  GgufWriter w;
  const std::vector<uint8_t> data(34);
  EXPECT_THROW(w.add_tensor("q", TensorType::Q8_0, {30}, data), Error);           // not a whole block
  EXPECT_THROW(w.add_tensor("", TensorType::F32, {1}, random_bytes(4, 1)), Error);  // empty name
  EXPECT_THROW(w.add_tensor(std::string(65, 'x'), TensorType::F32, {1}, random_bytes(4, 1)), Error);
  EXPECT_THROW(w.add_tensor("d", TensorType::F32, {}, random_bytes(4, 1)), Error);
  EXPECT_THROW(w.add_tensor("d", TensorType::F32, {1, 1, 1, 1, 1}, random_bytes(4, 1)), Error);
  EXPECT_THROW(w.add_tensor("z", TensorType::F32, {0}, std::vector<uint8_t>{}), Error);
  EXPECT_THROW(w.add_tensor("s", TensorType::F32, {2}, random_bytes(4, 1)), Error);  // wrong byte count
  w.add_tensor("ok", TensorType::F32, {1}, random_bytes(4, 1));
  EXPECT_THROW(w.add_tensor("ok", TensorType::F32, {1}, random_bytes(4, 1)), Error);  // duplicate
  EXPECT_THROW(GgufWriter(48), Error);
  EXPECT_THROW(w.set("general.alignment", uint32_t{64}), Error);  // must match the writer's
  // The failed additions left nothing half-added.
  auto file = reparse(w.write_to_memory());
  ASSERT_EQ(file->tensors().size(), 1u);
  EXPECT_EQ(file->tensors()[0].name, "ok");
}

// ---- typed access ----------------------------------------------------------------------

class GgufTypedAccess : public ::testing::Test {
 protected:
  void SetUp() override {
    GgufWriter w;
    w.set("u32", uint32_t{4096});
    w.set("i32", int32_t{24});
    w.set("neg", int32_t{-1});
    w.set("big", uint64_t{1} << 40);
    w.set("f32", 1e-5f);
    w.set("str", "llama");
    w.set("flag", false);
    w.set("tokens", std::vector<std::string>{"a", "b"});
    w.set("scores_i32", std::vector<int32_t>{-3, 4});
    w.set("types", std::vector<int32_t>{1, 6});
    bytes_ = w.write_to_memory();
    file_ = GgufFile::parse(bytes_, "typed.gguf");
  }

  std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }

  std::vector<uint8_t> bytes_;
  std::shared_ptr<const GgufFile> file_;
};

TEST_F(GgufTypedAccess, IntegersConvertWhenTheValueFits) {
  EXPECT_EQ(file_->get<uint32_t>("u32"), 4096u);
  EXPECT_EQ(file_->get<int64_t>("u32"), 4096);
  EXPECT_EQ(file_->get<uint32_t>("i32"), 24u);  // converters write i32 or u32 for the same key
  EXPECT_EQ(file_->get<int16_t>("i32"), 24);
  EXPECT_EQ(file_->get<int32_t>("neg"), -1);
  EXPECT_EQ(file_->get<uint64_t>("big"), uint64_t{1} << 40);
  EXPECT_FLOAT_EQ(file_->get<float>("f32"), 1e-5f);
  EXPECT_DOUBLE_EQ(file_->get<double>("u32"), 4096.0);
  EXPECT_EQ(file_->get<std::string>("str"), "llama");
  EXPECT_FALSE(file_->get<bool>("flag"));
  EXPECT_EQ(file_->get<std::vector<std::string>>("tokens"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(file_->get<std::vector<float>>("scores_i32"), (std::vector<float>{-3.0f, 4.0f}));
  EXPECT_EQ(file_->get<std::vector<uint32_t>>("types"), (std::vector<uint32_t>{1, 6}));
  EXPECT_EQ(file_->get_or<uint32_t>("absent", 7u), 7u);
}

TEST_F(GgufTypedAccess, MismatchesNameTheFileKeyAndTypes) {
  std::string e = error_of([&] { file_->get<uint32_t>("neg"); });
  EXPECT_NE(e.find("typed.gguf"), std::string::npos) << e;
  EXPECT_NE(e.find("'neg'"), std::string::npos) << e;
  EXPECT_NE(e.find("-1"), std::string::npos) << e;
  EXPECT_NE(e.find("u32"), std::string::npos) << e;

  e = error_of([&] { file_->get<uint16_t>("big"); });
  EXPECT_NE(e.find("does not fit in u16"), std::string::npos) << e;

  e = error_of([&] { file_->get<uint32_t>("str"); });
  EXPECT_NE(e.find("'str' has type string, expected an integer"), std::string::npos) << e;

  e = error_of([&] { file_->get<std::vector<std::string>>("types"); });
  EXPECT_NE(e.find("array of i32"), std::string::npos) << e;

  e = error_of([&] { file_->get<bool>("u32"); });
  EXPECT_NE(e.find("expected bool"), std::string::npos) << e;

  e = error_of([&] { file_->get<uint32_t>("llama.block_count"); });
  EXPECT_NE(e.find("'llama.block_count' is missing"), std::string::npos) << e;

  e = error_of([&] { file_->tensor("nope"); });
  EXPECT_NE(e.find("tensor 'nope' is missing"), std::string::npos) << e;
}

TEST(GgufValue, RenderingAbbreviatesLongArrays) {
  Value many(std::vector<uint32_t>(100, 7));
  EXPECT_EQ(many.to_string(3), "[7, 7, 7, ... (100 items)]");
  EXPECT_EQ(Value(std::string("a\"b\n")).to_string(), "\"a\\\"b\\n\"");
  EXPECT_EQ(Value(std::vector<std::string>{"x"}).to_string(), "[\"x\"]");
  EXPECT_EQ(Value(true).to_string(), "true");
}

}  // namespace
}  // namespace nanollama
