// SPDX-License-Identifier: Apache-2.0
#include "support/test_support.h"

#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace nanollama::testing {

std::optional<std::filesystem::path> fixtures_dir() {
  std::filesystem::path dir;
  if (const char* env = std::getenv("NANOLLAMA_FIXTURES"); env != nullptr && *env != '\0') {
    dir = env;
  } else {
    dir = NANOLLAMA_DEFAULT_FIXTURES;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(dir / "models", ec)) return dir;
  return std::nullopt;
}

std::filesystem::path fixture(const std::string& relative) {
  auto dir = fixtures_dir();
  if (!dir) throw std::runtime_error("fixtures directory not found");
  return *dir / relative;
}

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string read_text(const std::filesystem::path& path) {
  auto bytes = read_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

std::vector<float> read_f32(const std::filesystem::path& path) {
  auto bytes = read_bytes(path);
  if (bytes.size() % 4 != 0) throw std::runtime_error(path.string() + " is not a float32 file");
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::ostringstream name;
    name << "nanollama-test-" << std::hex << rd() << rd();
    auto candidate = base / name.str();
    if (std::filesystem::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}
}  // namespace

DriverResult run_driver(const std::vector<std::string>& args, const std::string& stdin_text) {
  TempDir dir;
  const auto in = dir.file("stdin"), out = dir.file("stdout"), err = dir.file("stderr");
  write_bytes(in, std::vector<uint8_t>(stdin_text.begin(), stdin_text.end()));
  std::string command = shell_quote(NANOLLAMA_DRIVER);
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on `" " + std::string`.
  for (const auto& a : args) command.append(" ").append(shell_quote(a));
  command.append(" <").append(shell_quote(in.string()));
  command.append(" >").append(shell_quote(out.string()));
  command.append(" 2>").append(shell_quote(err.string()));
  const int status = std::system(command.c_str());
  DriverResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

}  // namespace nanollama::testing
