// SPDX-License-Identifier: Apache-2.0
// Generates tags with the C++ API: cpp_consumer MODEL.gguf
#include <cstdio>
#include <exception>

#include <nanollama/tags.h>
#include <nanollama/version.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: cpp_consumer MODEL.gguf\n");
    return 2;
  }
  try {
    nanollama::TagGeneratorOptions options;
    options.n_threads = 2;
    nanollama::TagGenerator generator(nanollama::Model::load(argv[1]), nullptr, options);
    nanollama::TagRequest request;
    request.general = {"1girl", "solo"};
    request.target = nanollama::tags::Target::very_short;
    request.max_new_tokens = 48;
    request.max_retries = 2;
    request.seed = 1;
    const nanollama::TagResult result = generator.generate(request);
    const auto& variant = result.variants.at(0);
    std::printf("cpp_consumer: nanollama %s (headers %s), %zu new tags: %s\n", nanollama::version(),
                NANOLLAMA_VERSION_STRING, variant.tags.size(), variant.formatted.c_str());
    return variant.formatted.empty() ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cpp_consumer: %s\n", e.what());
    return 1;
  }
}
