// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the test programs.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nanollama::testing {

// ../shared/fixtures beside the project (or $NANOLLAMA_FIXTURES), if it exists.
std::optional<std::filesystem::path> fixtures_dir();

// Skips the current test, with a message, when the shared fixtures are absent.
#define NANOLLAMA_REQUIRE_FIXTURES()                                                      \
  do {                                                                                   \
    if (!::nanollama::testing::fixtures_dir()) {                                          \
      GTEST_SKIP() << "shared fixtures not found (expected ../shared/fixtures beside the " \
                      "project, or set NANOLLAMA_FIXTURES); skipping";                    \
    }                                                                                    \
  } while (0)

// Path of a fixture file (requires fixtures_dir()).
std::filesystem::path fixture(const std::string& relative);

std::vector<uint8_t> read_bytes(const std::filesystem::path& path);
std::string read_text(const std::filesystem::path& path);
std::vector<float> read_f32(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);

// A fresh directory removed (with its contents) when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Runs the `nanollama` driver built alongside the tests and captures what it printed.
struct DriverResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
DriverResult run_driver(const std::vector<std::string>& args, const std::string& stdin_text = "");

// A test suite whose tests share one small random model made once by `nanollama make-model`
// (the suite's SetUpTestSuite calls make_model with the shape it wants; CRTP keeps one
// model per suite).
template <class Suite>
class SuiteWithModel : public ::testing::Test {
 protected:
  static void make_model(const std::string& name, const std::vector<std::string>& shape) {
    dir_ = new TempDir();
    model_ = dir_->file(name).string();
    std::vector<std::string> args = {"make-model", "-o", model_};
    args.insert(args.end(), shape.begin(), shape.end());
    const auto r = run_driver(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static inline TempDir* dir_ = nullptr;
  static inline std::string model_;
};

}  // namespace nanollama::testing
