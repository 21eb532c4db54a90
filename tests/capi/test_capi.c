/* SPDX-License-Identifier: Apache-2.0 */
/* The C API exercised from C. Takes the path of a small DanTagGen-shaped model (made by the
 * test fixture with `nanollama make-model`). Exits 0 when every check passes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanollama/nanollama.h"
#include "nanollama/version.h"

static int failures = 0;
#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                          \
    }                                                                      \
  } while (0)

struct counter {
  int calls;
  int stop_after;
};

static int count_tags(void* user_data, int32_t variant, const char* tag) {
  struct counter* c = (struct counter*)user_data;
  (void)variant;
  CHECK(tag != NULL && tag[0] != '\0');
  ++c->calls;
  return c->stop_after == 0 || c->calls < c->stop_after;
}

static int same_tags(const nl_tag_variant* a, const nl_tag_variant* b) {
  if (a->n_tags != b->n_tags) return 0;
  for (size_t i = 0; i < a->n_tags; ++i) {
    if (strcmp(a->tags[i], b->tags[i]) != 0) return 0;
  }
  return 1;
}

struct many_results {
  nl_tag_result* results[4];
  nl_status statuses[4];
  int calls;
  int stop_after;
};

static int keep_result(void* user_data, size_t index, nl_status status, const char* error, nl_tag_result* result) {
  struct many_results* m = (struct many_results*)user_data;
  CHECK(index < 4);
  CHECK(error != NULL);
  CHECK((status == NL_OK) == (result != NULL));
  if (index < 4) {
    CHECK(m->statuses[index] == (nl_status)-1); /* once per request */
    m->statuses[index] = status;
    m->results[index] = result;
  } else {
    nl_tag_result_free(result);
  }
  ++m->calls;
  return m->stop_after == 0 || m->calls < m->stop_after;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_capi MODEL.gguf\n");
    return 2;
  }

  /* The library linked is the one these headers describe; the commit is a hash or "unknown". */
  CHECK(strcmp(nl_version(), NANOLLAMA_VERSION_STRING) == 0);
  CHECK(nl_build_commit() != NULL && strlen(nl_build_commit()) >= 7);

  /* Errors come back as codes with a message; nothing throws or aborts. */
  nl_model* model = NULL;
  CHECK(nl_model_load("/nonexistent/model.gguf", &model) == NL_ERR_IO);
  CHECK(model == NULL);
  CHECK(strstr(nl_last_error(), "/nonexistent/model.gguf") != NULL);
  CHECK(nl_model_load(NULL, &model) == NL_ERR_INVALID_ARGUMENT);
  nl_model_free(NULL);
  nl_generator_free(NULL);
  nl_tag_result_free(NULL);

  CHECK(nl_model_load(argv[1], &model) == NL_OK);
  if (model == NULL) return 1;
  nl_generator_options options;
  nl_generator_options_init(&options);
  CHECK(options.max_variants > 0);
  options.n_threads = 2;
  nl_generator* generator = NULL;
  CHECK(nl_generator_create(model, &options, &generator) == NL_OK);
  if (generator == NULL) return 1;

  nl_tag_request request;
  nl_tag_request_init(&request);
  CHECK(request.target == NL_TARGET_LONG);
  CHECK(request.variants == 1);
  CHECK(request.temperature > 0.0f);
  CHECK(request.seed == NL_SEED_RANDOM);
  CHECK(request.max_same_output == 15);
  CHECK(request.builtin_lists == -1);
  request.general = "1girl, solo, long hair";
  request.target = NL_TARGET_VERY_SHORT;
  request.seed = 42;
  request.max_new_tokens = 48;

  /* The callback sees each new tag once. */
  struct counter counter = {0, 0};
  nl_tag_result* first = NULL;
  CHECK(nl_generate_tags(generator, &request, count_tags, &counter, &first) == NL_OK);
  CHECK(first != NULL && first->n_variants == 1);
  if (first == NULL) return 1;
  CHECK(first->variants[0].formatted != NULL && strstr(first->variants[0].formatted, "1girl") != NULL);
  CHECK((size_t)counter.calls == first->variants[0].n_tags);
  CHECK(first->json != NULL && strstr(first->json, "\"tags\"") != NULL);
  CHECK(first->cancelled == 0);

  /* The same request and seed give the same tags. */
  nl_tag_result* again = NULL;
  CHECK(nl_generate_tags(generator, &request, NULL, NULL, &again) == NL_OK);
  if (again != NULL) CHECK(same_tags(&first->variants[0], &again->variants[0]));
  nl_tag_result_free(again);

  /* Returning 0 from the callback cancels; the generator stays usable. */
  struct counter stopper = {0, 1};
  nl_tag_result* cancelled = NULL;
  CHECK(nl_generate_tags(generator, &request, count_tags, &stopper, &cancelled) == NL_OK);
  if (cancelled != NULL) {
    CHECK(cancelled->cancelled == 1);
    CHECK(stopper.calls == 1);
    nl_tag_result_free(cancelled);
  }

  /* Variants come back together, variant i with seed + i. */
  request.variants = 3;
  nl_tag_result* three = NULL;
  CHECK(nl_generate_tags(generator, &request, NULL, NULL, &three) == NL_OK);
  if (three != NULL) {
    CHECK(three->n_variants == 3);
    CHECK(three->variants[2].seed == 44);
    CHECK(same_tags(&three->variants[0], &first->variants[0]));
    nl_tag_result_free(three);
  }
  nl_tag_result_free(first);

  /* JSON requests, and a bad one. */
  nl_tag_result* from_json = NULL;
  CHECK(nl_generate_tags_json(generator, "{\"general\": \"1girl\", \"target\": \"very_short\", \"seed\": 3}", &from_json) == NL_OK);
  nl_tag_result_free(from_json);
  CHECK(nl_generate_tags_json(generator, "{\"target\": \"medium\"}", &from_json) == NL_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nl_last_error(), "target") != NULL);
  CHECK(nl_generate_tags_json(generator, "{not json", &from_json) == NL_ERR_INVALID_ARGUMENT);

  /* A JSON request streamed: one call per kept tag, the same tags as without a callback, and
   * returning 0 from the callback cancels with the tags accepted so far. */
  const char* streamed_request = "{\"general\": \"1girl\", \"target\": \"long\", \"seed\": 5}";
  nl_tag_result* plain = NULL;
  nl_tag_result* streamed = NULL;
  struct counter stream_counter = {0, 0};
  CHECK(nl_generate_tags_json(generator, streamed_request, &plain) == NL_OK);
  CHECK(nl_generate_tags_json_stream(generator, streamed_request, count_tags, &stream_counter, &streamed) == NL_OK);
  if (plain != NULL && streamed != NULL) {
    CHECK(same_tags(&plain->variants[0], &streamed->variants[0]));
    CHECK((size_t)stream_counter.calls == streamed->variants[0].n_tags);
    CHECK(streamed->variants[0].n_tags > 2);
    CHECK(!streamed->cancelled);
  }
  nl_tag_result_free(streamed);
  struct counter stop_counter = {0, 2};
  CHECK(nl_generate_tags_json_stream(generator, streamed_request, count_tags, &stop_counter, &streamed) == NL_OK);
  if (streamed != NULL) {
    CHECK(streamed->cancelled);
    CHECK(stop_counter.calls == 2);
    CHECK(streamed->variants[0].n_tags <= 2);
  }
  nl_tag_result_free(streamed);
  nl_tag_result_free(plain);
  CHECK(nl_generate_tags_json_stream(generator, "{\"top_k\": -1}", count_tags, &stop_counter, &streamed) == NL_ERR_INVALID_ARGUMENT);
  CHECK(streamed == NULL);

  /* Many requests at once: each result is the one the request gives alone; a malformed
   * request is reported with its index and does not stop the others. */
  {
    const char* many[4] = {"{\"general\": \"1girl\", \"target\": \"very_short\", \"seed\": 3}",
                           "{\"target\": \"medium\"}",
                           "{\"general\": \"solo\", \"target\": \"short\", \"seed\": 5, \"variants\": 2}",
                           "{\"general\": \"1girl, solo\", \"target\": \"very_short\", \"seed\": 7}"};
    struct many_results m;
    memset(&m, 0, sizeof m);
    for (int i = 0; i < 4; ++i) m.statuses[i] = (nl_status)-1;
    CHECK(nl_generate_tags_json_many(generator, many, 4, 3, keep_result, &m) == NL_OK);
    CHECK(m.calls == 4);
    CHECK(m.statuses[1] == NL_ERR_INVALID_ARGUMENT && m.results[1] == NULL);
    const int good[3] = {0, 2, 3};
    for (int k = 0; k < 3; ++k) {
      const int i = good[k];
      nl_tag_result* alone = NULL;
      CHECK(m.statuses[i] == NL_OK);
      CHECK(nl_generate_tags_json(generator, many[i], &alone) == NL_OK);
      if (alone != NULL && m.results[i] != NULL) {
        CHECK(alone->n_variants == m.results[i]->n_variants);
        for (size_t v = 0; v < alone->n_variants && v < m.results[i]->n_variants; ++v) {
          CHECK(same_tags(&alone->variants[v], &m.results[i]->variants[v]));
          CHECK(strcmp(alone->variants[v].formatted, m.results[i]->variants[v].formatted) == 0);
        }
      }
      nl_tag_result_free(alone);
      nl_tag_result_free(m.results[i]);
    }
    /* The callback's 0 cancels: no request is reported after it. */
    memset(&m, 0, sizeof m);
    for (int i = 0; i < 4; ++i) m.statuses[i] = (nl_status)-1;
    m.stop_after = 1;
    CHECK(nl_generate_tags_json_many(generator, many, 4, 1, keep_result, &m) == NL_OK);
    CHECK(m.calls == 1);
    for (int i = 0; i < 4; ++i) nl_tag_result_free(m.results[i]);
    CHECK(nl_generate_tags_json_many(generator, many, 4, -1, keep_result, &m) == NL_ERR_INVALID_ARGUMENT);
    CHECK(nl_generate_tags_json_many(generator, NULL, 4, 1, keep_result, &m) == NL_ERR_INVALID_ARGUMENT);
    /* The generator is usable after a cancelled run. */
    nl_tag_result* after = NULL;
    CHECK(nl_generate_tags_json(generator, many[0], &after) == NL_OK);
    nl_tag_result_free(after);
  }

  /* No seed: one is drawn, reported, and gives the same tags back. */
  request.variants = 1;
  request.seed = NL_SEED_RANDOM;
  nl_tag_result* drawn = NULL;
  CHECK(nl_generate_tags(generator, &request, NULL, NULL, &drawn) == NL_OK);
  if (drawn != NULL) {
    CHECK(drawn->variants[0].seed < 2147483647u);
    request.seed = drawn->variants[0].seed;
    nl_tag_result* replay = NULL;
    CHECK(nl_generate_tags(generator, &request, NULL, NULL, &replay) == NL_OK);
    if (replay != NULL) CHECK(same_tags(&drawn->variants[0], &replay->variants[0]));
    nl_tag_result_free(replay);
    nl_tag_result_free(drawn);
  }
  request.max_same_output = 0;
  CHECK(nl_generate_tags(generator, &request, NULL, NULL, &drawn) == NL_ERR_INVALID_ARGUMENT);
  CHECK(strstr(nl_last_error(), "max_same_output") != NULL);
  request.max_same_output = 15;

  /* Bad request values are refused with a message, not a crash. */
  request.variants = 0;
  nl_tag_result* bad = NULL;
  CHECK(nl_generate_tags(generator, &request, NULL, NULL, &bad) == NL_ERR_INVALID_ARGUMENT);
  CHECK(bad == NULL);
  CHECK(strlen(nl_last_error()) > 0);
  request.variants = 1;

  /* Untrusted requests (docs/SECURITY.md): each refused with what is wrong, and the
   * generator gives the same tags afterwards. */
  {
    request.seed = 42;
    request.general = "1girl, solo, long hair";
    nl_tag_result* before = NULL;
    CHECK(nl_generate_tags(generator, &request, NULL, NULL, &before) == NL_OK);
    size_t big_n = (size_t)6 << 20;
    char* big = (char*)malloc(big_n + 1);
    memset(big, 'a', big_n);
    big[big_n] = '\0';
    request.prompt = big;
    CHECK(nl_generate_tags(generator, &request, NULL, NULL, &bad) == NL_ERR_INVALID_ARGUMENT);
    CHECK(strstr(nl_last_error(), "prompt is over 65536 bytes") != NULL);
    request.prompt = "1girl, caf\xC3";
    CHECK(nl_generate_tags(generator, &request, NULL, NULL, &bad) == NL_ERR_INVALID_ARGUMENT);
    CHECK(strstr(nl_last_error(), "not valid UTF-8 at byte 10") != NULL);
    request.prompt = NULL;
    request.ban = "(oops";
    CHECK(nl_generate_tags(generator, &request, NULL, NULL, &bad) == NL_ERR_INVALID_ARGUMENT);
    CHECK(strstr(nl_last_error(), "(oops") != NULL);
    request.ban = NULL;
    request.top_p = 2.0f;
    CHECK(nl_generate_tags(generator, &request, NULL, NULL, &bad) == NL_ERR_INVALID_ARGUMENT);
    request.top_p = 0.85f;
    request.time_limit_seconds = -1.0;
    CHECK(nl_generate_tags(generator, &request, NULL, NULL, &bad) == NL_ERR_INVALID_ARGUMENT);
    request.time_limit_seconds = 0.0;
    request.target = (nl_target)7;
    CHECK(nl_generate_tags(generator, &request, NULL, NULL, &bad) == NL_ERR_INVALID_ARGUMENT);
    request.target = NL_TARGET_VERY_SHORT;
    /* A JSON request over 256 KiB, one with a key twice, one not UTF-8. */
    big[0] = '{';
    CHECK(nl_generate_tags_json(generator, big, &bad) == NL_ERR_INVALID_ARGUMENT);
    CHECK(strstr(nl_last_error(), "over 262144 bytes") != NULL);
    free(big);
    CHECK(nl_generate_tags_json(generator, "{\"seed\": 1, \"seed\": 2}", &bad) == NL_ERR_INVALID_ARGUMENT);
    CHECK(strstr(nl_last_error(), "duplicate") != NULL);
    CHECK(nl_generate_tags_json(generator, "{\"general\": \"\xFF\"}", &bad) == NL_ERR_INVALID_ARGUMENT);
    CHECK(strstr(nl_last_error(), "invalid UTF-8 at byte 13") != NULL);
    CHECK(bad == NULL);
    nl_tag_result* after = NULL;
    CHECK(nl_generate_tags(generator, &request, NULL, NULL, &after) == NL_OK);
    if (after != NULL && before != NULL) CHECK(same_tags(&after->variants[0], &before->variants[0]));
    nl_tag_result_free(after);
    nl_tag_result_free(before);
  }

  /* Model options: the file's matrices as mapped (no repacking) give the same tags; a bad
   * option is refused. */
  nl_model_options model_options;
  nl_model_options_init(&model_options);
  CHECK(model_options.no_repack == 0 && model_options.no_prefetch == 0 && model_options.n_threads == 0);
  model_options.no_repack = 1;
  model_options.no_prefetch = 1;
  nl_model* mapped = NULL;
  CHECK(nl_model_load_with_options(argv[1], &model_options, &mapped) == NL_OK);
  nl_generator* mapped_generator = NULL;
  if (mapped != NULL) CHECK(nl_generator_create(mapped, NULL, &mapped_generator) == NL_OK);
  if (mapped_generator != NULL) {
    const char* same_request = "{\"general\": \"1girl\", \"target\": \"short\", \"seed\": 8}";
    nl_tag_result* repacked_result = NULL;
    nl_tag_result* mapped_result = NULL;
    CHECK(nl_generate_tags_json(generator, same_request, &repacked_result) == NL_OK);
    CHECK(nl_generate_tags_json(mapped_generator, same_request, &mapped_result) == NL_OK);
    if (repacked_result != NULL && mapped_result != NULL) {
      CHECK(repacked_result->variants[0].n_tags > 0);
      CHECK(same_tags(&repacked_result->variants[0], &mapped_result->variants[0]));
    }
    nl_tag_result_free(repacked_result);
    nl_tag_result_free(mapped_result);
  }
  nl_generator_free(mapped_generator);
  nl_model_free(mapped);
  model_options.n_threads = -1;
  mapped = NULL;
  CHECK(nl_model_load_with_options(argv[1], &model_options, &mapped) == NL_ERR_INVALID_ARGUMENT);
  CHECK(mapped == NULL);
  CHECK(nl_model_load_with_options("/nonexistent/model.gguf", NULL, &mapped) == NL_ERR_IO);

  nl_generator_free(generator);
  nl_model_free(model);
  if (failures) fprintf(stderr, "%d checks failed\n", failures);
  return failures ? 1 : 0;
}
