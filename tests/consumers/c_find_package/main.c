/* SPDX-License-Identifier: Apache-2.0 */
/* Generates tags with the C API: c_consumer MODEL.gguf */
#include <stdio.h>
#include <string.h>

#include <nanollama/nanollama.h>
#include <nanollama/version.h>

int main(int argc, char** argv) {
  nl_model* model = NULL;
  nl_generator* generator = NULL;
  nl_generator_options options;
  nl_tag_request request;
  nl_tag_result* result = NULL;
  int status = 1;

  if (argc != 2) {
    fprintf(stderr, "usage: c_consumer MODEL.gguf\n");
    return 2;
  }
  if (strcmp(nl_version(), NANOLLAMA_VERSION_STRING) != 0) {
    fprintf(stderr, "c_consumer: library %s, headers %s\n", nl_version(), NANOLLAMA_VERSION_STRING);
    return 1;
  }
  nl_generator_options_init(&options);
  options.n_threads = 2;
  nl_tag_request_init(&request);
  request.general = "1girl, solo";
  request.target = NL_TARGET_VERY_SHORT;
  request.max_new_tokens = 48;
  request.max_retries = 2;
  request.seed = 1;
  if (nl_model_load(argv[1], &model) == NL_OK && nl_generator_create(model, &options, &generator) == NL_OK &&
      nl_generate_tags(generator, &request, NULL, NULL, &result) == NL_OK) {
    printf("c_consumer: nanollama %s (commit %s), %zu new tags: %s\n", nl_version(), nl_build_commit(),
           result->variants[0].n_tags, result->variants[0].formatted);
    status = result->variants[0].formatted[0] != '\0' ? 0 : 1;
  } else {
    fprintf(stderr, "c_consumer: %s\n", nl_last_error());
  }
  nl_tag_result_free(result);
  nl_generator_free(generator);
  nl_model_free(model);
  return status;
}
