// SPDX-License-Identifier: Apache-2.0
// The GGUF v3 writer (docs/GGUF.md): header, metadata, tensor records, padding, data.
#include <unistd.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <unordered_set>

#include "common/checked.h"
#include "nanollama/gguf.h"

namespace nanollama::gguf {
namespace {

constexpr uint32_t kVersion = 3;

[[noreturn]] void bad_argument(const std::string& what) { throw Error(ErrorCode::invalid_argument, "GGUF writer: " + what); }

// Accumulates the encoded header in memory (it is small next to the tensor data).
class Encoder {
 public:
  template <class T>
  void put(T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
  void put_string(std::string_view s) {
    put<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  void put_value(const Value& value) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            put_string(v);
          } else if constexpr (std::is_same_v<T, bool>) {
            put<uint8_t>(v ? 1 : 0);
          } else if constexpr (std::is_arithmetic_v<T>) {
            put<T>(v);
          } else {  // arrays
            put<uint32_t>(static_cast<uint32_t>(value.element_type()));
            put<uint64_t>(v.size());
            for (const auto& item : v) {
              using E = typename T::value_type;
              if constexpr (std::is_same_v<E, std::string>) {
                put_string(item);
              } else if constexpr (std::is_same_v<E, bool>) {
                put<uint8_t>(item ? 1 : 0);
              } else {
                put<E>(item);
              }
            }
          }
        },
        value.storage());
  }
  std::vector<uint8_t> bytes;
};

struct MemorySink {
  std::vector<uint8_t>& out;
  void write(const uint8_t* p, size_t n) { out.insert(out.end(), p, p + n); }
};

struct FileSink {
  std::FILE* f;
  const std::string& path;
  void write(const uint8_t* p, size_t n) {
    if (n != 0 && std::fwrite(p, 1, n, f) != n) {
      throw Error(ErrorCode::io, path + ": write failed: " + std::strerror(errno));
    }
  }
};

}  // namespace

GgufWriter::GgufWriter(uint32_t alignment) : alignment_(alignment) {
  if (alignment == 0 || !std::has_single_bit(alignment)) {
    bad_argument("alignment " + std::to_string(alignment) + " is not a power of two");
  }
  if (alignment != kDefaultAlignment) set("general.alignment", alignment);
}

void GgufWriter::set(std::string key, Value value) {
  if (key.empty() || key.size() > 65535) bad_argument("metadata key must be 1 to 65535 bytes long");
  if (key == "general.alignment") {
    const auto* a = value.get_if<uint32_t>();
    if (a == nullptr || *a != alignment_) {
      bad_argument("general.alignment must be the u32 " + std::to_string(alignment_) +
                   " this writer was created with");
    }
  }
  if (value.is_array() && value.element_type() == ValueType::ARRAY) bad_argument("nested arrays are not allowed");
  for (auto& e : metadata_) {
    if (e.key == key) {
      e.value = std::move(value);
      return;
    }
  }
  metadata_.push_back({std::move(key), std::move(value)});
}

bool GgufWriter::erase(std::string_view key) {
  for (auto it = metadata_.begin(); it != metadata_.end(); ++it) {
    if (it->key == key) {
      metadata_.erase(it);
      return true;
    }
  }
  return false;
}

void GgufWriter::add_tensor(std::string name, TensorType type, std::vector<uint64_t> dims,
                            std::span<const uint8_t> data) {
  std::vector<uint8_t> copy(data.begin(), data.end());
  const std::string label = name;
  add_tensor(std::move(name), type, std::move(dims), [copy = std::move(copy)](std::span<uint8_t> out) {
    std::memcpy(out.data(), copy.data(), copy.size());
  });
  if (tensors_.back().info.n_bytes != data.size()) {
    const auto expected = tensors_.back().info.n_bytes;
    tensors_.pop_back();
    bad_argument("tensor '" + label + "' needs " + std::to_string(expected) + " bytes of data, got " +
                 std::to_string(data.size()));
  }
}

void GgufWriter::add_tensor(std::string name, TensorType type, std::vector<uint64_t> dims, FillFn fill) {
  if (name.empty() || name.size() > 64) bad_argument("tensor name '" + name + "' must be 1 to 64 bytes long");
  for (const auto& t : tensors_) {
    if (t.info.name == name) bad_argument("duplicate tensor '" + name + "'");
  }
  if (dims.empty() || dims.size() > 4) bad_argument("tensor '" + name + "' must have 1 to 4 dimensions");
  uint64_t elements = 1;
  for (uint64_t d : dims) {
    auto p = checked_mul(elements, d);
    if (d == 0 || !p) bad_argument("tensor '" + name + "' has a zero or overflowing dimension");
    elements = *p;
  }
  const auto& info = tensor_type_info(type);
  if (dims[0] % info.block_size != 0) {
    bad_argument("tensor '" + name + "': row length " + std::to_string(dims[0]) + " is not a multiple of " +
                 std::string(info.name) + "'s block size " + std::to_string(info.block_size));
  }
  PendingTensor t;
  t.info.name = std::move(name);
  t.info.type = type;
  t.info.dims = std::move(dims);
  t.info.n_elements = elements;
  t.info.n_bytes = elements / info.block_size * info.block_bytes;
  uint64_t offset = 0;
  if (!tensors_.empty()) {
    const auto& last = tensors_.back().info;
    offset = *align_up(last.offset + last.n_bytes, alignment_);
  }
  t.info.offset = offset;
  t.fill = std::move(fill);
  tensors_.push_back(std::move(t));
}

template <class Sink>
void GgufWriter::emit(Sink& sink, const ProgressFn& progress) const {
  Encoder header;
  header.bytes.insert(header.bytes.end(), {'G', 'G', 'U', 'F'});
  header.put<uint32_t>(kVersion);
  header.put<uint64_t>(tensors_.size());
  header.put<uint64_t>(metadata_.size());
  for (const auto& e : metadata_) {
    header.put_string(e.key);
    header.put<uint32_t>(static_cast<uint32_t>(e.value.type()));
    header.put_value(e.value);
  }
  for (const auto& t : tensors_) {
    header.put_string(t.info.name);
    header.put<uint32_t>(static_cast<uint32_t>(t.info.dims.size()));
    for (uint64_t d : t.info.dims) header.put<uint64_t>(d);
    header.put<uint32_t>(static_cast<uint32_t>(t.info.type));
    header.put<uint64_t>(t.info.offset);
  }
  header.bytes.resize(*align_up(header.bytes.size(), alignment_), 0);
  sink.write(header.bytes.data(), header.bytes.size());

  std::vector<uint8_t> buffer;
  uint64_t written = header.bytes.size();
  uint64_t position = 0;  // inside the data section
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const auto& t = tensors_[i];
    const uint64_t padding = t.info.offset - position;
    buffer.assign(static_cast<size_t>(padding + t.info.n_bytes), 0);
    t.fill(std::span<uint8_t>(buffer.data() + padding, static_cast<size_t>(t.info.n_bytes)));
    sink.write(buffer.data(), buffer.size());
    position = t.info.offset + t.info.n_bytes;
    written += buffer.size();
    if (progress) progress(i + 1, tensors_.size(), written);
  }
}

std::vector<uint8_t> GgufWriter::write_to_memory() const {
  std::vector<uint8_t> out;
  MemorySink sink{out};
  emit(sink, {});
  return out;
}

void GgufWriter::write(const std::string& path, const ProgressFn& progress) const {
  // A temporary name in the target's directory, so the final rename is atomic.
  std::random_device rd;
  const std::string tmp = path + ".tmp-" + std::to_string(rd() % 1000000);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) throw Error(ErrorCode::io, path + ": cannot create: " + std::strerror(errno));
  try {
    FileSink sink{f, path};
    emit(sink, progress);
    if (std::fflush(f) != 0 || fsync(fileno(f)) != 0) {
      throw Error(ErrorCode::io, path + ": write failed: " + std::strerror(errno));
    }
  } catch (...) {
    std::fclose(f);
    std::remove(tmp.c_str());
    throw;
  }
  if (std::fclose(f) != 0) {
    std::remove(tmp.c_str());
    throw Error(ErrorCode::io, path + ": write failed: " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    std::remove(tmp.c_str());
    throw Error(ErrorCode::io, path + ": cannot move the finished file into place: " + std::strerror(saved));
  }
}

}  // namespace nanollama::gguf
