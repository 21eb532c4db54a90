// SPDX-License-Identifier: Apache-2.0
// `tags --batch` against bad and many lines, signals and --resume: exactly one result per
// input line, in order, every line valid UTF-8 JSON, nothing lost when stopped.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "common/utf8_check.h"
#include "nanollama/json.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

using testing::run_driver;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// A short request with a fixed seed; every `bad_every`-th line is one of several kinds of bad.
std::string request_line(int i) {
  return "{\"general\": \"" + std::string(i % 2 ? "1girl, solo" : "cat") +
         "\", \"target\": \"very_short\", \"max-new-tokens\": 12, \"max-retries\": 0, \"seed\": " + std::to_string(i) + "}";
}
std::string bad_line(int kind) {
  switch (kind % 5) {
    case 0: return "{\"general\": \"a\xC3\x28\"}";        // invalid UTF-8
    case 1: return "{\"seed\": 1, \"seed\": 2}";          // duplicate key
    case 2: return "";                                    // blank
    case 3: return "{\"temp\": -1}";                      // out of range
    default: return "{\"ban\": \"(unclosed\"}";           // bad expression
  }
}

class DriverBatch : public testing::SuiteWithModel<DriverBatch> {
 protected:
  static void SetUpTestSuite() {
    make_model("tags.gguf", {"--dim", "64", "--ffn", "128", "--layers", "1", "--heads", "2",
                "--vocab", "2000", "--type", "q8_0", "--seed", "5"});
  }
};

// Python's json.loads on the raw bytes, when Python is there: the strict reader the issue
// names. Returns true when it accepts every line (or is absent).
bool python_reads_every_line(const std::filesystem::path& file) {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) return true;
  const std::string cmd = "python3 -c 'import json,sys\nfor l in open(sys.argv[1],\"rb\"): json.loads(l)' '" +
                          file.string() + "'";
  return std::system(cmd.c_str()) == 0;
}

TEST_F(DriverBatch, EveryKindOfBadLineGetsItsOwnErrorAndTheOutputIsStrictJson) {
  const std::string huge = "{\"general\": \"" + std::string(6u << 20, 'a') + "\"}";
  std::string input = "\xEF\xBB\xBF" + request_line(1) + "\r\n";  // a byte order mark, CRLF
  for (int k = 0; k < 5; ++k) input += bad_line(k) + "\n";
  input += huge + "\n";
  input += "{\"general\": \"x\", \"time-limit\": -3}\n";
  input += request_line(3);  // no final newline
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_driver({"tags", "-m", model_, "--batch", "-", "--threads", "1"}, input);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 9u) << r.out.substr(0, 2000);
  std::vector<json::Value> v;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(utf8::first_invalid(lines[i]), std::string::npos) << "line " << i + 1;
    v.push_back(json::parse(lines[i]));
    EXPECT_EQ(v.back().find("line")->as_int(), static_cast<int64_t>(i + 1));
  }
  EXPECT_TRUE(v[0].find("tags")->is_array());  // the BOM and the CR did not get in the way
  auto error = [&](size_t i) { return v[i].find("error") ? v[i].find("error")->as_string() : std::string("(none)"); };
  EXPECT_NE(error(1).find("invalid UTF-8 at byte 14"), std::string::npos) << error(1);
  EXPECT_NE(error(2).find("duplicate"), std::string::npos) << error(2);
  EXPECT_NE(error(3).find("empty"), std::string::npos) << error(3);
  EXPECT_NE(error(4).find("temp"), std::string::npos) << error(4);
  EXPECT_NE(error(5).find("(unclosed"), std::string::npos) << error(5);
  EXPECT_NE(error(6).find(std::to_string(huge.size()) + " bytes long"), std::string::npos) << error(6);
  EXPECT_NE(error(7).find("time-limit"), std::string::npos) << error(7);
  EXPECT_TRUE(v[8].find("tags")->is_array());
  // Refused before tokenizing: the 6 MB line costs a read, not 28 s of tokenizer (a loose
  // bound, far above what the whole run takes even under sanitizers).
  EXPECT_LT(seconds, 20.0);
  const auto out = dir_->file("strict.jsonl");
  testing::write_bytes(out, std::vector<uint8_t>(r.out.begin(), r.out.end()));
  EXPECT_TRUE(python_reads_every_line(out));
}

std::string many_lines(int n, int bad_every) {
  std::string input;
  for (int i = 1; i <= n; ++i) input += (i % bad_every == 0 ? bad_line(i / bad_every) : request_line(i)) + "\n";
  return input;
}

TEST_F(DriverBatch, ThousandsOfLinesInParallelGiveOneResultPerLineInOrder) {
  const int n = 2000, bad_every = 9;
  const auto in = dir_->file("many.jsonl");
  const std::string input = many_lines(n, bad_every);
  testing::write_bytes(in, std::vector<uint8_t>(input.begin(), input.end()));
  auto r = run_driver({"tags", "-m", model_, "--batch", in.string(), "--parallel", "4", "--threads", "1"});
  EXPECT_EQ(r.exit_code, 1);
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), static_cast<size_t>(n));
  for (int i = 1; i <= n; ++i) {
    const auto v = json::parse(lines[static_cast<size_t>(i - 1)]);
    ASSERT_EQ(v.find("line")->as_int(), i);
    EXPECT_EQ(v.find("error") != nullptr, i % bad_every == 0) << "line " << i;
  }
}

// The tags of each line of a results file, by line number.
std::map<int64_t, std::string> tags_by_line(const std::string& text) {
  std::map<int64_t, std::string> out;
  for (const auto& l : lines_of(text)) {
    const auto v = json::parse(l);
    const json::Value* tags = v.find("tags");
    out[v.find("line")->as_int()] = tags ? json::dump(*tags) : "error: " + v.find("error")->as_string();
  }
  return out;
}

TEST_F(DriverBatch, ASignalStopsAfterTheLinesInProgressAndResumeFinishesTheBatch) {
  // Long enough that the signal, sent once 20 results are written, comes well before the end
  // (a line takes ~0.3 ms here natively, 40 ms under qemu); the batch runs three times.
  const int n = 600;
  const auto in = dir_->file("stop.jsonl"), out = dir_->file("stop.out"), full = dir_->file("full.out");
  const std::string input = many_lines(n, 11);
  testing::write_bytes(in, std::vector<uint8_t>(input.begin(), input.end()));
  ASSERT_EQ(run_driver({"tags", "-m", model_, "--batch", in.string(), "-o", full.string(), "--threads", "1"}).exit_code, 1);

  for (int sig : {SIGINT, SIGTERM}) {
    std::filesystem::remove(out);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      execl(NANOLLAMA_DRIVER, NANOLLAMA_DRIVER, "tags", "-m", model_.c_str(), "--batch", in.c_str(), "-o", out.c_str(),
            "--parallel", "3", "--threads", "1", static_cast<char*>(nullptr));
      _exit(127);
    }
    // Wait until some results are written, then stop it.
    auto written = [&] { return std::filesystem::exists(out) ? lines_of(testing::read_text(out)).size() : 0; };
    for (int i = 0; i < 6000 && written() < 20; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid, sig);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 128 + sig);
    const std::string stopped = testing::read_text(out);
    ASSERT_FALSE(stopped.empty());
    EXPECT_EQ(stopped.back(), '\n');  // no half-written line
    const auto partial = tags_by_line(stopped);
    EXPECT_LT(partial.size(), static_cast<size_t>(n)) << "the signal came after the end; make the batch longer";
    int64_t expect = 1;
    for (const auto& [line, tags] : partial) EXPECT_EQ(line, expect++);  // 1..k, nothing skipped

    auto resumed = run_driver({"tags", "-m", model_, "--batch", in.string(), "-o", out.string(), "--resume",
                               "--parallel", "2", "--threads", "1"});
    EXPECT_EQ(resumed.exit_code, 1) << resumed.err;
    EXPECT_EQ(tags_by_line(testing::read_text(out)), tags_by_line(testing::read_text(full)));
  }
}

TEST_F(DriverBatch, ResumeRunsAgainAHalfWrittenLineAndCancelledResults) {
  const auto in = dir_->file("resume.jsonl"), out = dir_->file("resume.out"), full = dir_->file("resume-full.out");
  const std::string input = many_lines(12, 5);
  testing::write_bytes(in, std::vector<uint8_t>(input.begin(), input.end()));
  ASSERT_EQ(run_driver({"tags", "-m", model_, "--batch", in.string(), "-o", full.string(), "--threads", "1"}).exit_code, 1);
  const auto lines = lines_of(testing::read_text(full));
  ASSERT_EQ(lines.size(), 12u);
  auto resume = [&](const std::string& start) {
    testing::write_bytes(out, std::vector<uint8_t>(start.begin(), start.end()));
    return run_driver({"tags", "-m", model_, "--batch", in.string(), "-o", out.string(), "--resume", "--threads", "1"});
  };
  // Killed while writing line 4.
  EXPECT_EQ(resume(lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n" + lines[3].substr(0, 10)).exit_code, 1);
  EXPECT_EQ(tags_by_line(testing::read_text(out)), tags_by_line(testing::read_text(full)));
  // Line 3 was cancelled by a second signal: it and what follows run again.
  std::string cancelled = lines[2];
  cancelled.replace(cancelled.find("\"cancelled\":false"), 17, "\"cancelled\":true");
  EXPECT_EQ(resume(lines[0] + "\n" + lines[1] + "\n" + cancelled + "\n" + lines[3] + "\n").exit_code, 1);
  EXPECT_EQ(tags_by_line(testing::read_text(out)), tags_by_line(testing::read_text(full)));
  // Everything answered: nothing runs, the file stays.
  EXPECT_EQ(resume(testing::read_text(full)).exit_code, 0);
  EXPECT_EQ(tags_by_line(testing::read_text(out)), tags_by_line(testing::read_text(full)));
  // Another batch's output is not continued.
  auto other = resume(lines[1] + "\n");
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.err.find("expected the result of input line 1"), std::string::npos) << other.err;
  // --resume needs the file it continues.
  EXPECT_EQ(run_driver({"tags", "-m", model_, "--batch", in.string(), "--resume"}).exit_code, 2);
}

}  // namespace
}  // namespace nanollama
