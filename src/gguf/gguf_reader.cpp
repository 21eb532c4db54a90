// SPDX-License-Identifier: Apache-2.0
// The GGUF reader: maps the file, then checks every structure against the bytes present
// before trusting it (docs/GGUF.md, the layout and "How the reader protects itself").
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <numeric>
#include <unordered_set>

#include "common/checked.h"
#include "gguf/byte_reader.h"
#include "nanollama/gguf.h"

static_assert(std::endian::native == std::endian::little, "the GGUF reader assumes a little-endian host");

namespace nanollama::gguf {

// Owns the read-only mapping (or nothing, when parsing caller-owned bytes).
struct GgufFile::Mapping {
  void* addr = nullptr;
  size_t length = 0;
  ~Mapping() {
    if (addr != nullptr) munmap(addr, length);
  }
};

namespace {

// Smallest possible records, used to refuse counts the file cannot possibly hold.
constexpr uint64_t kMinMetadataRecord = 8 + 4 + 1;            // empty key, type, 1-byte value
constexpr uint64_t kMinTensorRecord = 8 + 4 + 8 + 4 + 8;       // empty name, 1 dim, type, offset
constexpr uint32_t kMaxDims = 4;

[[noreturn]] void io_error(const std::string& path, const std::string& what) {
  throw Error(ErrorCode::io, path + ": " + what + ": " + std::strerror(errno));
}

class Parser {
 public:
  Parser(ByteReader& in, const ReaderLimits& limits) : in_(in), limits_(limits) {}

  Value value(ValueType type, std::string_view key, bool inside_array = false) {
    switch (type) {
      case ValueType::UINT8: return in_.read<uint8_t>(key);
      case ValueType::INT8: return in_.read<int8_t>(key);
      case ValueType::UINT16: return in_.read<uint16_t>(key);
      case ValueType::INT16: return in_.read<int16_t>(key);
      case ValueType::UINT32: return in_.read<uint32_t>(key);
      case ValueType::INT32: return in_.read<int32_t>(key);
      case ValueType::FLOAT32: return in_.read<float>(key);
      case ValueType::UINT64: return in_.read<uint64_t>(key);
      case ValueType::INT64: return in_.read<int64_t>(key);
      case ValueType::FLOAT64: return in_.read<double>(key);
      case ValueType::BOOL: return boolean(key);
      case ValueType::STRING: return std::string(in_.read_string(key, limits_.max_string_length));
      case ValueType::ARRAY:
        if (inside_array) in_.fail("key '" + std::string(key) + "' holds a nested array, which GGUF readers do not accept");
        return array(key);
    }
    in_.fail("key '" + std::string(key) + "' has unknown value type " + std::to_string(static_cast<uint32_t>(type)));
  }

  ValueType value_type(std::string_view key) {
    const uint64_t at = in_.offset();
    const auto raw = in_.read<uint32_t>("a value type");
    if (raw > static_cast<uint32_t>(ValueType::FLOAT64)) {
      in_.fail("key '" + std::string(key) + "' has unknown value type " + std::to_string(raw), at);
    }
    return static_cast<ValueType>(raw);
  }

 private:
  bool boolean(std::string_view key) {
    const uint64_t at = in_.offset();
    const auto b = in_.read<uint8_t>(key);
    if (b > 1) in_.fail("key '" + std::string(key) + "' has a bool byte of " + std::to_string(b) + " (must be 0 or 1)", at);
    return b == 1;
  }

  template <class T>
  Value fixed_array(std::string_view key, uint64_t n) {
    // Every element is at least one byte in the file, so n is already bounded by the file
    // size; checking the exact byte count up front avoids a huge allocation on a lie.
    in_.need(n * sizeof(T), key);
    std::vector<T> items(static_cast<size_t>(n));
    for (auto& item : items) item = in_.read<T>(key);
    return Value(std::move(items));
  }

  Value array(std::string_view key) {
    const ValueType element = value_type(key);
    const uint64_t at = in_.offset();
    const auto n = in_.read<uint64_t>("an array length");
    if (n > limits_.max_array_length || n > in_.remaining()) {
      in_.fail("array '" + std::string(key) + "' claims " + std::to_string(n) + " elements, more than " +
                   (n > limits_.max_array_length ? "the limit of " + std::to_string(limits_.max_array_length)
                                                 : "the rest of the file can hold"),
               at);
    }
    switch (element) {
      case ValueType::UINT8: return fixed_array<uint8_t>(key, n);
      case ValueType::INT8: return fixed_array<int8_t>(key, n);
      case ValueType::UINT16: return fixed_array<uint16_t>(key, n);
      case ValueType::INT16: return fixed_array<int16_t>(key, n);
      case ValueType::UINT32: return fixed_array<uint32_t>(key, n);
      case ValueType::INT32: return fixed_array<int32_t>(key, n);
      case ValueType::FLOAT32: return fixed_array<float>(key, n);
      case ValueType::UINT64: return fixed_array<uint64_t>(key, n);
      case ValueType::INT64: return fixed_array<int64_t>(key, n);
      case ValueType::FLOAT64: return fixed_array<double>(key, n);
      case ValueType::BOOL: {
        in_.need(n, key);
        std::vector<bool> items(static_cast<size_t>(n));
        for (size_t i = 0; i < items.size(); ++i) items[i] = boolean(key);
        return Value(std::move(items));
      }
      case ValueType::STRING: {
        if (n > in_.remaining() / 8) in_.fail("array '" + std::string(key) + "' has more strings than the file can hold", at);
        std::vector<std::string> items;
        items.reserve(static_cast<size_t>(n));
        for (uint64_t i = 0; i < n; ++i) items.emplace_back(in_.read_string(key, limits_.max_string_length));
        return Value(std::move(items));
      }
      case ValueType::ARRAY:
        in_.fail("key '" + std::string(key) + "' holds a nested array, which GGUF readers do not accept", at);
    }
    in_.fail("key '" + std::string(key) + "' is an array of unknown type", at);
  }

  ByteReader& in_;
  const ReaderLimits& limits_;
};

}  // namespace

std::shared_ptr<const GgufFile> GgufFile::open(const std::string& path, const ReaderLimits& limits) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) io_error(path, "cannot open");
  struct stat st{};
  if (fstat(fd, &st) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    io_error(path, "cannot stat");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(ErrorCode::io, path + ": not a regular file");
  }
  auto file = std::shared_ptr<GgufFile>(new GgufFile());
  file->path_ = path;
  file->size_ = static_cast<uint64_t>(st.st_size);
  file->mapping_ = std::make_unique<Mapping>();
  if (file->size_ > 0) {
    void* addr = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr == MAP_FAILED) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      io_error(path, "cannot map");
    }
    file->mapping_->addr = addr;
    file->mapping_->length = static_cast<size_t>(st.st_size);
    file->base_ = static_cast<const uint8_t*>(addr);
  }
  ::close(fd);  // the mapping stays valid without the descriptor
  file->parse_all(limits);
  return file;
}

std::shared_ptr<const GgufFile> GgufFile::parse(std::span<const uint8_t> bytes, std::string name,
                                                const ReaderLimits& limits) {
  auto file = std::shared_ptr<GgufFile>(new GgufFile());
  file->path_ = std::move(name);
  file->base_ = bytes.data();
  file->size_ = bytes.size();
  file->parse_all(limits);
  return file;
}

GgufFile::~GgufFile() = default;

void GgufFile::parse_all(const ReaderLimits& limits) {
  ByteReader in(base_, size_, path_);
  if (size_ < 4 || std::memcmp(base_, "GGUF", 4) != 0) {
    if (size_ == 0) in.fail("file is empty, not a GGUF file", 0);
    char seen[16] = {};
    for (size_t i = 0; i < std::min<uint64_t>(size_, 4); ++i) {
      std::snprintf(seen + 3 * i, 4, "%02x ", base_[i]);
    }
    in.fail("not a GGUF file: the first bytes are " + std::string(seen) + "instead of the magic 'GGUF'", 0);
  }
  in.read<uint32_t>("the magic");

  const uint64_t version_at = in.offset();
  version_ = in.read<uint32_t>("the version");
  if (version_ != 0 && (version_ & 0xFFFFu) == 0) {
    throw Error(ErrorCode::unsupported, path_ + ": big-endian GGUF files are not supported (version field reads " +
                                            std::to_string(version_) + " little-endian, at byte " +
                                            std::to_string(version_at) + ")");
  }
  if (version_ == 1) {
    throw Error(ErrorCode::unsupported, path_ + ": GGUF version 1 is obsolete and not supported (re-convert the model)");
  }
  if (version_ != 2 && version_ != 3) {
    throw Error(ErrorCode::unsupported, path_ + ": GGUF version " + std::to_string(version_) +
                                            " is not supported (versions 2 and 3 are)");
  }

  const uint64_t counts_at = in.offset();
  const auto n_tensors = in.read<uint64_t>("the tensor count");
  const auto n_metadata = in.read<uint64_t>("the metadata count");
  if (n_tensors > limits.max_tensors || n_tensors > in.remaining() / kMinTensorRecord) {
    in.fail("tensor count " + std::to_string(n_tensors) + " is more than the file can hold", counts_at);
  }
  if (n_metadata > limits.max_metadata || n_metadata > in.remaining() / kMinMetadataRecord) {
    in.fail("metadata count " + std::to_string(n_metadata) + " is more than the file can hold", counts_at + 8);
  }

  Parser parser(in, limits);
  std::unordered_set<std::string> seen_keys;
  metadata_.reserve(static_cast<size_t>(n_metadata));
  for (uint64_t i = 0; i < n_metadata; ++i) {
    const uint64_t at = in.offset();
    std::string key(in.read_string("a metadata key", limits.max_key_length));
    if (key.empty()) in.fail("metadata record " + std::to_string(i) + " has an empty key", at);
    if (!seen_keys.insert(key).second) in.fail("duplicate metadata key '" + key + "'", at);
    const ValueType type = parser.value_type(key);
    Value value = parser.value(type, key);
    metadata_.push_back({std::move(key), std::move(value)});
  }
  for (size_t i = 0; i < metadata_.size(); ++i) metadata_index_.emplace(metadata_[i].key, i);

  if (const Value* a = find("general.alignment")) {
    const auto* v = a->get_if<uint32_t>();
    if (v == nullptr) {
      throw Error(ErrorCode::bad_format, path_ + ": key 'general.alignment' has type " +
                                             std::string(value_type_name(a->type())) + ", expected u32");
    }
    if (*v == 0 || !std::has_single_bit(*v) || *v > limits.max_alignment) {
      throw Error(ErrorCode::bad_format, path_ + ": general.alignment is " + std::to_string(*v) +
                                             "; it must be a power of two no larger than " +
                                             std::to_string(limits.max_alignment));
    }
    alignment_ = *v;
  }

  parse_tensor_infos(in, n_tensors, limits);
}

void GgufFile::parse_tensor_infos(ByteReader& in, uint64_t n_tensors, const ReaderLimits& limits) {
  std::vector<uint64_t> record_at;
  tensors_.reserve(static_cast<size_t>(n_tensors));
  record_at.reserve(static_cast<size_t>(n_tensors));
  std::unordered_set<std::string> seen_names;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    const uint64_t at = in.offset();
    TensorInfo t;
    t.name = std::string(in.read_string("a tensor name", limits.max_tensor_name_length));
    const std::string where = "tensor '" + t.name + "'";
    if (t.name.empty()) in.fail("tensor record " + std::to_string(i) + " has an empty name", at);
    if (!seen_names.insert(t.name).second) in.fail("duplicate " + where, at);

    const uint64_t dims_at = in.offset();
    const auto n_dims = in.read<uint32_t>("a dimension count");
    if (n_dims == 0 || n_dims > kMaxDims) {
      in.fail(where + " has " + std::to_string(n_dims) + " dimensions (must be 1 to 4)", dims_at);
    }
    uint64_t elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t dim_at = in.offset();
      const auto dim = in.read<uint64_t>("a tensor dimension");
      if (dim == 0) in.fail(where + " has a zero-length dimension " + std::to_string(d), dim_at);
      auto product = checked_mul(elements, dim);
      if (!product || *product > (uint64_t{1} << 62)) {
        in.fail(where + " has more elements than can be addressed (dimension " + std::to_string(d) + ")", dim_at);
      }
      elements = *product;
      t.dims.push_back(dim);
    }
    t.n_elements = elements;

    const uint64_t type_at = in.offset();
    const auto type_id = in.read<uint32_t>("a tensor type");
    const auto info = find_tensor_type(type_id);
    if (!info) in.fail(where + " has unknown type id " + std::to_string(type_id), type_at);
    t.type = info->type;
    if (t.dims[0] % info->block_size != 0) {
      in.fail(where + " of type " + std::string(info->name) + " has a row length of " + std::to_string(t.dims[0]) +
                  ", not a multiple of the block size " + std::to_string(info->block_size),
              type_at);
    }
    const auto bytes = checked_mul(elements / info->block_size, info->block_bytes);
    if (!bytes) in.fail(where + " is too large", type_at);
    t.n_bytes = *bytes;

    const uint64_t offset_at = in.offset();
    t.offset = in.read<uint64_t>("a tensor offset");
    if (t.offset % alignment_ != 0) {
      in.fail(where + " starts at data offset " + std::to_string(t.offset) + ", not a multiple of the alignment " +
                  std::to_string(alignment_),
              offset_at);
    }
    tensors_.push_back(std::move(t));
    record_at.push_back(at);
  }

  const auto data_start = align_up(in.offset(), alignment_);
  if (!data_start) in.fail("data section offset overflows");
  data_offset_ = *data_start;
  if (!tensors_.empty() && data_offset_ > size_) {
    in.fail("file ends before its data section, which should start at byte " + std::to_string(data_offset_), size_);
  }
  const uint64_t data_size = data_offset_ <= size_ ? size_ - data_offset_ : 0;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    auto& t = tensors_[i];
    const auto end = checked_add(t.offset, t.n_bytes);
    if (!end || *end > data_size) {
      in.fail("tensor '" + t.name + "' (" + std::to_string(t.n_bytes) + " bytes at data offset " +
                  std::to_string(t.offset) + ") extends past the end of the file (data section is " +
                  std::to_string(data_size) + " bytes)",
              record_at[i]);
    }
    t.data = base_ + data_offset_ + t.offset;
  }

  // No two tensors may share bytes.
  std::vector<size_t> order(tensors_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tensors_[a].offset < tensors_[b].offset; });
  for (size_t k = 1; k < order.size(); ++k) {
    const auto& prev = tensors_[order[k - 1]];
    const auto& next = tensors_[order[k]];
    if (prev.offset + prev.n_bytes > next.offset) {
      in.fail("tensors '" + prev.name + "' and '" + next.name + "' overlap in the data section (data offsets " +
                  std::to_string(prev.offset) + "+" + std::to_string(prev.n_bytes) + " and " +
                  std::to_string(next.offset) + ")",
              record_at[order[k]]);
    }
  }
  for (size_t i = 0; i < tensors_.size(); ++i) tensor_index_.emplace(tensors_[i].name, i);
}

const Value* GgufFile::find(std::string_view key) const noexcept {
  auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].value;
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const noexcept {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& GgufFile::tensor(std::string_view name) const {
  if (const auto* t = find_tensor(name)) return *t;
  throw Error(ErrorCode::bad_format, path_ + ": tensor '" + std::string(name) + "' is missing");
}

}  // namespace nanollama::gguf
