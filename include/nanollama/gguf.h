// SPDX-License-Identifier: Apache-2.0
// GGUF files: a hardened reader over a read-only memory map, and a writer.
//
// The reader checks every count, length, offset and size against the bytes that are really
// there before using it, so a truncated or hostile file gives a nanollama::Error naming the
// file, what was wrong and where (byte offset, key or tensor), never a crash. Tensor data is
// never copied: TensorInfo::data points into the mapping, which lives as long as the
// GgufFile (or the last copy of the shared_ptr that holds it).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "nanollama/error.h"
#include "nanollama/tensor_type.h"

namespace nanollama::gguf {

// Metadata value types, numbered as in the file.
enum class ValueType : uint32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};

std::string_view value_type_name(ValueType type) noexcept;

// A metadata value: a scalar, a string, or an array of scalars or strings (GGUF allows
// nested arrays in principle; no reader accepts them, and neither does this one).
class Value {
 public:
  using Storage = std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float, bool,
                               std::string, uint64_t, int64_t, double,  //
                               std::vector<uint8_t>, std::vector<int8_t>, std::vector<uint16_t>,
                               std::vector<int16_t>, std::vector<uint32_t>, std::vector<int32_t>,
                               std::vector<float>, std::vector<bool>, std::vector<std::string>,
                               std::vector<uint64_t>, std::vector<int64_t>, std::vector<double>>;

  // Any of the stored types converts implicitly (the first constraint keeps copies and moves
  // of Value itself out of the check, which would otherwise recurse).
  template <class T>
    requires(!std::is_same_v<std::decay_t<T>, Value>) &&
            std::is_constructible_v<Storage, std::in_place_type_t<std::decay_t<T>>, T&&>
  Value(T&& v) : storage_(std::in_place_type<std::decay_t<T>>, std::forward<T>(v)) {}  // NOLINT
  Value(const char* s) : storage_(std::in_place_type<std::string>, s) {}              // NOLINT
  Value(std::string_view s) : storage_(std::in_place_type<std::string>, s) {}         // NOLINT

  // ARRAY for arrays, else the scalar's type.
  ValueType type() const noexcept;
  // The element type of an array; for a scalar, its own type.
  ValueType element_type() const noexcept;
  bool is_array() const noexcept { return storage_.index() >= kFirstArrayIndex; }
  // Number of elements of an array; 1 for a scalar.
  size_t size() const noexcept;

  const Storage& storage() const noexcept { return storage_; }
  template <class T>
  const T* get_if() const noexcept {
    return std::get_if<T>(&storage_);
  }

  // A readable rendering: strings quoted and escaped, arrays as `[a, b, c, ... (N items)]`
  // with at most `max_items` elements shown.
  std::string to_string(size_t max_items = 8) const;

  bool operator==(const Value& other) const = default;

 private:
  static constexpr size_t kFirstArrayIndex = 12;
  Storage storage_;
};

struct MetadataEntry {
  std::string key;
  Value value;
};

struct TensorInfo {
  std::string name;
  TensorType type;
  std::vector<uint64_t> dims;  // dims[0] is the contiguous dimension (ggml's ne[0]); 1..4 dims
  uint64_t offset = 0;         // byte offset inside the data section (a multiple of alignment)
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // into the file mapping; nullptr for writer-side records

  // A 2-D view: `cols` contiguous elements per row, every higher dimension folded into rows.
  uint64_t cols() const noexcept { return dims.empty() ? 0 : dims[0]; }
  uint64_t rows() const noexcept { return cols() == 0 ? 0 : n_elements / cols(); }
  std::span<const uint8_t> bytes() const noexcept { return {data, static_cast<size_t>(n_bytes)}; }
  std::string shape_string() const;  // "[1024, 32006]"
};

// Limits the reader enforces. Real files are far inside them; hostile files are stopped
// before they can make the reader allocate or loop without end.
struct ReaderLimits {
  uint64_t max_tensors = 1u << 20;
  uint64_t max_metadata = 1u << 20;
  uint64_t max_key_length = 65535;
  uint64_t max_string_length = 64u << 20;
  uint64_t max_array_length = 64u << 20;
  uint64_t max_tensor_name_length = 64;
  uint32_t max_alignment = 1u << 16;
};

inline constexpr uint32_t kDefaultAlignment = 32;

class ByteReader;  // internal: the bounded reader the parser runs on

class GgufFile {
 public:
  // Maps `path` read-only and parses it. Throws Error (io, bad_format, unsupported).
  static std::shared_ptr<const GgufFile> open(const std::string& path, const ReaderLimits& limits = {});

  // Parses bytes the caller keeps alive for the lifetime of the result (tests, fuzzing).
  // `name` stands for the file name in error messages.
  static std::shared_ptr<const GgufFile> parse(std::span<const uint8_t> bytes, std::string name,
                                               const ReaderLimits& limits = {});

  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;
  ~GgufFile();

  const std::string& path() const noexcept { return path_; }
  // True if the bytes are this object's own read-only mapping of the file (open), false if
  // they are the caller's (parse).
  bool mapped() const noexcept { return mapping_ != nullptr; }
  uint32_t version() const noexcept { return version_; }
  uint32_t alignment() const noexcept { return alignment_; }
  uint64_t file_size() const noexcept { return size_; }
  uint64_t data_offset() const noexcept { return data_offset_; }  // start of the data section

  const std::vector<MetadataEntry>& metadata() const noexcept { return metadata_; }
  const Value* find(std::string_view key) const noexcept;
  bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }

  // Typed access. Integer targets accept any integer value type whose value fits; float
  // targets accept FLOAT32 and FLOAT64; vectors accept arrays whose elements convert.
  // Throws Error(bad_format) naming the file, the key, the expected and the actual type
  // (or the value that does not fit); Error(bad_format) if the key is missing.
  // Supported T: the fixed-width integers, float, double, bool, std::string, and
  // std::vector of int32_t, uint32_t, int64_t, float, std::string.
  template <class T>
  T get(std::string_view key) const;
  template <class T>
  T get_or(std::string_view key, T fallback) const {
    return contains(key) ? get<T>(key) : fallback;
  }

  const std::vector<TensorInfo>& tensors() const noexcept { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const noexcept;
  const TensorInfo& tensor(std::string_view name) const;  // throws if absent

 private:
  struct Mapping;
  GgufFile() = default;
  void parse_all(const ReaderLimits& limits);
  void parse_tensor_infos(ByteReader& in, uint64_t n_tensors, const ReaderLimits& limits);

  std::string path_;
  std::unique_ptr<Mapping> mapping_;
  const uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  uint32_t version_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<MetadataEntry> metadata_;
  std::unordered_map<std::string_view, size_t> metadata_index_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string_view, size_t> tensor_index_;
};

// Writes GGUF v3 files. Tensors are laid out in the order they are added, each at an
// aligned offset; their bytes are either given up front or produced at write time by a
// callback, so a multi-gigabyte model never has to sit in memory twice.
class GgufWriter {
 public:
  // Fills `out` (exactly the tensor's byte size) with the tensor's data.
  using FillFn = std::function<void(std::span<uint8_t> out)>;
  // Called after each tensor is written: (tensors done, tensors total, bytes written).
  using ProgressFn = std::function<void(size_t done, size_t total, uint64_t bytes)>;

  explicit GgufWriter(uint32_t alignment = kDefaultAlignment);

  // Adds or replaces a key; keys keep the order of their first insertion.
  void set(std::string key, Value value);
  bool erase(std::string_view key);
  const std::vector<MetadataEntry>& metadata() const noexcept { return metadata_; }

  // Checks name, type and shape at once (throws Error(invalid_argument)).
  void add_tensor(std::string name, TensorType type, std::vector<uint64_t> dims,
                  std::span<const uint8_t> data);
  void add_tensor(std::string name, TensorType type, std::vector<uint64_t> dims, FillFn fill);

  // Writes to `path` through a temporary file renamed into place, so a failed or
  // interrupted write never leaves a half-written file under the final name.
  void write(const std::string& path, const ProgressFn& progress = {}) const;
  std::vector<uint8_t> write_to_memory() const;

 private:
  struct PendingTensor {
    TensorInfo info;
    FillFn fill;
  };
  template <class Sink>
  void emit(Sink& sink, const ProgressFn& progress) const;

  uint32_t alignment_;
  std::vector<MetadataEntry> metadata_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace nanollama::gguf
