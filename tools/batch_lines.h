// SPDX-License-Identifier: Apache-2.0
// The line handling of `tags --batch`: request lines read with a bound on their length (an
// over-long line is refused without being held in memory), and the results already written
// to an output file counted, for --resume.
#pragma once
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace nanollama::cli {

enum class LineRead { line, too_long, end };

// Reads one line (without its "\n" or a "\r" before it) into `text`. A line of more than
// `limit` bytes is read to its end but not kept: too_long, with `length` its whole length.
// `first`: a UTF-8 byte order mark at the start is dropped. `end` when the input has no more
// lines.
LineRead read_line(std::istream& in, std::string& text, size_t& length, size_t limit, bool first);

// How many input lines the results in `path` answer, in order from line 1 (0 if the file
// does not exist). A half-written last line (no "\n": the run was killed while writing) and
// everything from the first result that says "cancelled": true are cut off the file, so
// those lines run again. Throws Error(bad_format) if a line is not the result of the next
// input line (another batch's output), Error(io) if the file cannot be read or cut.
int64_t answered_lines(const std::string& path);

}  // namespace nanollama::cli
