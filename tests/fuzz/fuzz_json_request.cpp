// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: one --batch line. The JSON reader takes it or throws Error; what it takes
// is written back as valid UTF-8 JSON that reads back the same; as a tag request it is
// refused with Error or resolved all the way to DanTagGen's prompt (checks, ban patterns,
// web UI text, categories), as the generator does before tokenizing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/utf8_check.h"
#include "nanollama/json.h"
#include "nanollama/tags.h"
#include "tags/resolved_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nanollama;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  json::Value value;
  try {
    value = json::parse(line);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::invalid_argument) std::abort();
    return 0;
  }
  const std::string out = json::dump(value);
  if (utf8::first_invalid(out) != std::string_view::npos) std::abort();
  if (!(json::parse(out) == value)) std::abort();
  try {
    const TagRequest request = tag_request_from_json(value);
    static const tags::CategoryLists lists;
    DtgModelInfo model;
    model.quality_line = (size & 1) != 0;
    const ResolvedRequest resolved = resolve_request(request, model, lists);
    tags::TagMap categories;
    (void)format_output(request, resolved, {"new tag", "1girl"}, lists, categories);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::invalid_argument) std::abort();
  }
  return 0;
}
