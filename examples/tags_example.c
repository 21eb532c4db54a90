/* SPDX-License-Identifier: Apache-2.0 */
/* Embedding nanollama from C: load a DanTagGen GGUF, extend a tag list, print the result.
 *
 *   tags_example MODEL.gguf ["1girl, solo, dragon girl"]
 */
#include <stdio.h>

#include "nanollama/nanollama.h"

static int print_tag(void* user_data, int32_t variant, const char* tag) {
  (void)user_data;
  fprintf(stderr, "  [variant %d] %s\n", (int)variant, tag);
  return 1; /* keep going */
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL.gguf [TAGS]\n", argv[0]);
    return 2;
  }
  nl_model* model = NULL;
  if (nl_model_load(argv[1], &model) != NL_OK) {
    fprintf(stderr, "error: %s\n", nl_last_error());
    return 1;
  }
  nl_generator* generator = NULL;
  if (nl_generator_create(model, NULL, &generator) != NL_OK) {
    fprintf(stderr, "error: %s\n", nl_last_error());
    nl_model_free(model);
    return 1;
  }

  nl_tag_request request;
  nl_tag_request_init(&request);
  request.general = argc > 2 ? argv[2] : "1girl, solo, dragon girl";
  request.rating = "safe";
  request.target = NL_TARGET_SHORT;
  request.seed = 1;

  nl_tag_result* result = NULL;
  int status = 0;
  if (nl_generate_tags(generator, &request, print_tag, NULL, &result) == NL_OK) {
    printf("%s\n", result->variants[0].formatted);
    fprintf(stderr, "%zu new tags, %lld tokens generated in %.2f s\n", result->variants[0].n_tags,
            (long long)result->generated_tokens, result->seconds);
    nl_tag_result_free(result);
  } else {
    fprintf(stderr, "error: %s\n", nl_last_error());
    status = 1;
  }
  nl_generator_free(generator);
  nl_model_free(model);
  return status;
}
