// SPDX-License-Identifier: Apache-2.0
// The driver's conventions shared by every command: --version, and `-` for standard input.
#include <algorithm>
#include <cctype>

#include "nanollama/json.h"
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

// The parts of a `tags --json` result that do not depend on timing.
std::string tags_without_timing(const std::string& out) {
  const json::Value v = json::parse(out);
  std::string kept;
  for (const char* key : {"tags", "formatted", "categories", "dtg_prompt"}) {
    const json::Value* member = v.find(key);
    kept += member ? json::dump(*member) + "\n" : std::string("(no ") + key + ")\n";
  }
  return kept;
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

// A small random model for the stdin tests (vocabulary with tag-word pieces, DanTagGen's
// special tokens).
class DriverStdin : public testing::SuiteWithModel<DriverStdin> {
 protected:
  static void SetUpTestSuite() {
    make_model("stdin.gguf", {"--dim", "64", "--ffn", "128", "--layers", "1", "--heads", "4",
                "--vocab", "2000", "--type", "q8_0", "--seed", "5"});
  }
};

TEST_F(DriverStdin, TokenizeReadsDashAsStandardInput) {
  const std::string text = "1girl, solo, long hair";
  const auto want = run_driver({"tokenize", "-m", model_, text});
  ASSERT_EQ(want.exit_code, 0) << want.err;
  ASSERT_GT(want.out.size(), 4u);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"tokenize", "-m", model_, "--file", "-"}, {"tokenize", "-m", model_, "-f", "-"},
        {"tokenize", "-m", model_, "-"}, {"tokenize", "-m", model_, "--stdin"}}) {
    const auto got = run_driver(args, text);
    EXPECT_EQ(got.exit_code, 0) << args.back() << ": " << got.err;
    EXPECT_EQ(got.out, want.out) << args[3];
  }
  // Bytes as they are: a trailing newline on stdin is part of the text.
  const auto with_newline = run_driver({"tokenize", "-m", model_, "--file", "-"}, text + "\n");
  EXPECT_EQ(with_newline.out, run_driver({"tokenize", "-m", model_, text + "\n"}).out);
  EXPECT_NE(with_newline.out, want.out);
  // A file still works, and a missing one is an error naming it.
  testing::TempDir dir;
  testing::write_bytes(dir.file("t.txt"), std::vector<uint8_t>(text.begin(), text.end()));
  EXPECT_EQ(run_driver({"tokenize", "-m", model_, "--file", dir.file("t.txt").string()}).out, want.out);
  const auto missing = run_driver({"tokenize", "-m", model_, "--file", dir.file("none.txt").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("none.txt"), std::string::npos) << missing.err;
}

TEST_F(DriverStdin, DetokenizeReadsIdsFromStandardInput) {
  const auto want = run_driver({"detokenize", "-m", model_, "1", "300", "301", "302"});
  ASSERT_EQ(want.exit_code, 0) << want.err;
  // Any of the list forms, over several lines.
  for (const std::string input : {"1 300 301 302", "1,300,\n301, 302\n", "[1, 300, 301, 302]\r\n"}) {
    const auto got = run_driver({"detokenize", "-m", model_, "-"}, input);
    EXPECT_EQ(got.exit_code, 0) << got.err;
    EXPECT_EQ(got.out, want.out) << input;
  }
}

TEST_F(DriverStdin, GenerateReadsThePromptOrIdsFromStandardInput) {
  const std::string prompt = "general: 1girl, solo";
  const std::vector<std::string> common = {"generate", "-m", model_, "-n", "6", "--seed", "3", "--threads", "1"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> v = common;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  const auto want = run_driver(with({"-p", prompt}));
  ASSERT_EQ(want.exit_code, 0) << want.err;
  ASSERT_EQ(want.out.rfind(prompt, 0), 0u) << want.out;  // the prompt is echoed first
  const auto got = run_driver(with({"-p", "-"}), prompt);
  EXPECT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(got.out, want.out);  // not the one-character prompt "-"

  const auto ids = run_driver({"tokenize", "-m", model_, prompt});
  ASSERT_EQ(ids.exit_code, 0);
  const auto from_ids = run_driver(with({"--ids", ids.out}));
  ASSERT_EQ(from_ids.exit_code, 0) << from_ids.err;
  const auto from_stdin_ids = run_driver(with({"--ids", "-"}), ids.out);
  EXPECT_EQ(from_stdin_ids.exit_code, 0) << from_stdin_ids.err;
  EXPECT_EQ(from_stdin_ids.out, from_ids.out);
}

TEST_F(DriverStdin, LogitsReadIdsFromStandardInput) {
  testing::TempDir dir;
  const auto a = dir.file("a.f32").string(), b = dir.file("b.f32").string();
  const auto want = run_driver({"logits", "-m", model_, "--ids", "1 300 301", "-o", a});
  ASSERT_EQ(want.exit_code, 0) << want.err;
  const auto got = run_driver({"logits", "-m", model_, "--ids", "-", "-o", b}, "1\n300\n301\n");
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(testing::read_bytes(a).size(), 3u * 2000u * 4u);
  EXPECT_EQ(testing::read_bytes(a), testing::read_bytes(b));
}

TEST_F(DriverStdin, TagsReadsOneOptionFromStandardInput) {
  const std::vector<std::string> common = {"tags", "-m", model_, "--target", "very_short", "--seed", "2",
                                           "--threads", "1", "--max-retries", "1"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> v = common;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  const auto want = run_driver(with({"--general", "1girl, solo"}));
  ASSERT_EQ(want.exit_code, 0) << want.err;
  const auto got = run_driver(with({"--general", "-"}), "1girl, solo\n");
  EXPECT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(got.out, want.out);

  // A category list from stdin sorts a tag out of "general" exactly as the file would.
  testing::TempDir dir;
  const std::string list = "\xEF\xBB\xBFsome_artist\r\nother artist\n";
  testing::write_bytes(dir.file("artists.txt"), std::vector<uint8_t>(list.begin(), list.end()));
  const auto from_file =
      run_driver(with({"--general", "1girl, some artist", "--artists-file", dir.file("artists.txt").string(), "--json"}));
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  const auto from_stdin = run_driver(with({"--general", "1girl, some artist", "--artists-file", "-", "--json"}), list);
  EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(tags_without_timing(from_stdin.out), tags_without_timing(from_file.out));
  EXPECT_NE(from_file.out.find("\"artist\":[\"some artist\"]"), std::string::npos) << from_file.out;

  // Standard input can be read once: two options asking for it is bad usage, said plainly.
  const auto twice = run_driver(with({"--batch", "-", "--general", "-"}), "{}\n");
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("both read standard input"), std::string::npos) << twice.err;
}

}  // namespace
}  // namespace nanollama
