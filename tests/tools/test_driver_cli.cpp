// The driver's conventions shared by every command: --version, and `-` for standard input.
#include <algorithm>
#include <cctype>

#include "nanollama/version.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

using testing::run_driver;

// "nanollama X.Y.Z (commit C)\n" with C a hex hash of 7+ digits, optionally "-dirty", or
// "unknown". Written out rather than with std::regex, whose GCC 12 headers draw a false
// -Wmaybe-uninitialized under the sanitizers.
bool is_version_line(const std::string& line) {
  auto digits = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
  };
  const std::string head = "nanollama ", mid = " (commit ", tail = ")\n";
  if (line.rfind(head, 0) != 0 || line.size() < head.size() + tail.size()) return false;
  if (line.compare(line.size() - tail.size(), tail.size(), tail) != 0) return false;
  const size_t at = line.find(mid);
  if (at == std::string::npos) return false;
  const std::string version = line.substr(head.size(), at - head.size());
  std::string commit = line.substr(at + mid.size(), line.size() - tail.size() - at - mid.size());
  const size_t dot1 = version.find('.'), dot2 = version.find('.', dot1 + 1);
  if (dot1 == std::string::npos || dot2 == std::string::npos || !digits(version.substr(0, dot1)) ||
      !digits(version.substr(dot1 + 1, dot2 - dot1 - 1)) || !digits(version.substr(dot2 + 1))) {
    return false;
  }
  if (commit == "unknown") return true;
  if (commit.size() > 6 && commit.compare(commit.size() - 6, 6, "-dirty") == 0) commit.resize(commit.size() - 6);
  return commit.size() >= 7 && std::all_of(commit.begin(), commit.end(), [](unsigned char c) {
           return std::isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

TEST(DriverVersion, PrintsTheProjectVersionAndTheCommit) {
  for (const char* flag : {"--version", "-V"}) {
    const auto r = run_driver({flag});
    EXPECT_EQ(r.exit_code, 0) << flag;
    EXPECT_EQ(r.err, "") << flag;
    // The version comes from CMake's project(VERSION), handed to this test separately.
    EXPECT_EQ(r.out, std::string("nanollama ") + NANOLLAMA_EXPECTED_VERSION + " (commit " + build_commit() + ")\n")
        << flag;
    EXPECT_TRUE(is_version_line(r.out)) << r.out;
  }
  EXPECT_STREQ(version(), NANOLLAMA_EXPECTED_VERSION);
  // The shape check itself rejects what it must.
  EXPECT_TRUE(is_version_line("nanollama 0.1.0 (commit abc1234-dirty)\n"));
  EXPECT_TRUE(is_version_line("nanollama 10.2.33 (commit unknown)\n"));
  EXPECT_FALSE(is_version_line("nanollama 0.1 (commit abc1234)\n"));
  EXPECT_FALSE(is_version_line("nanollama 0.1.0 (commit abc12)\n"));
  EXPECT_FALSE(is_version_line("nanollama 0.1.0 (commit ABC1234)\n"));
  EXPECT_FALSE(is_version_line("nanollama 0.1.0 (commit abc1234)"));
  EXPECT_STREQ(NANOLLAMA_VERSION_STRING, NANOLLAMA_EXPECTED_VERSION);
}

TEST(DriverVersion, CommandHelpIsUnchanged) {
  // --version is a driver option, not a command's: a command's --help still prints its help.
  const auto help = run_driver({"tokenize", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_EQ(help.out.rfind("usage: nanollama tokenize", 0), 0u) << help.out;
  EXPECT_EQ(help.out.find("(commit "), std::string::npos);
  const auto overview = run_driver({"--help"});
  EXPECT_EQ(overview.exit_code, 0);
  EXPECT_NE(overview.out.find("--version"), std::string::npos);
  // After a command, -V is that command's business (none takes it).
  EXPECT_EQ(run_driver({"isa", "-V"}).exit_code, 2);
}

}  // namespace
}  // namespace nanollama
