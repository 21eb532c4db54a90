// SPDX-License-Identifier: Apache-2.0
#include "batch_lines.h"

#include <filesystem>
#include <fstream>
#include <istream>

#include "nanollama/error.h"
#include "nanollama/json.h"

namespace nanollama::cli {

LineRead read_line(std::istream& in, std::string& text, size_t& length, size_t limit, bool first) {
  text.clear();
  length = 0;
  // In pieces of up to 64 KiB: a line longer than `limit` is counted, never held.
  bool any = false;
  char piece[1 << 16];
  for (;;) {
    in.getline(piece, sizeof piece);
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0 && in.eof()) {
      if (!any) return LineRead::end;
      break;
    }
    any = true;
    // gcount counts the '\n' getline consumed; a full piece without one sets failbit.
    const bool ended = !in.fail();
    const size_t chars = ended && !in.eof() ? n - 1 : n;
    if (length + chars <= limit) text.append(piece, chars);
    length += chars;
    if (ended || in.eof()) break;
    in.clear();  // the piece was full: the line goes on
  }
  in.clear(in.rdstate() & ~std::ios::failbit);
  if (first && text.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    text.erase(0, 3);
    length -= 3;
  }
  if (!text.empty() && text.back() == '\r' && length <= limit) {
    text.pop_back();
    --length;
  }
  if (length > limit) {
    text.clear();
    return LineRead::too_long;
  }
  return LineRead::line;
}

int64_t answered_lines(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, path + ": cannot open for --resume");
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) text.append(buffer, static_cast<size_t>(in.gcount()));
  if (in.bad()) throw Error(ErrorCode::io, path + ": cannot read");
  int64_t answered = 0;
  size_t start = 0;
  for (;;) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) break;
    const std::string_view line(text.data() + start, end - start);
    const std::string where = path + ":" + std::to_string(answered + 1) + ": ";
    json::Value v;
    try {
      v = json::parse(line);
    } catch (const Error& e) {
      throw Error(ErrorCode::bad_format, where + "not a result line (" + e.what() + "); --resume continues the output of the same batch");
    }
    const json::Value* n = v.find("line");
    if (n == nullptr || !n->is_number() || n->number_text() != std::to_string(answered + 1)) {
      throw Error(ErrorCode::bad_format, where + "expected the result of input line " + std::to_string(answered + 1) +
                                             "; --resume continues the output of the same batch");
    }
    const json::Value* cancelled = v.find("cancelled");
    if (cancelled != nullptr && cancelled->is_bool() && cancelled->as_bool()) break;  // runs again
    ++answered;
    start = end + 1;
  }
  if (start < text.size()) {
    in.close();
    std::filesystem::resize_file(path, start, ec);  // drop the half-written last line and what follows a cancelled result
    if (ec) throw Error(ErrorCode::io, path + ": cannot cut off the results to run again: " + ec.message());
  }
  return answered;
}

}  // namespace nanollama::cli
