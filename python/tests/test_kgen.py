# SPDX-License-Identifier: Apache-2.0
"""nanollama.kgen against KGen's DanTagGen helpers as KGen's code defines them
(KohakuBlueleaf/KGen, src/kgen/executor/dtg.py and src/kgen/generate.py): signatures,
the prompt text, the result tuples and the stopping rule."""
import inspect
import re

import pytest

import nanollama
from nanollama import kgen

# KGen's signatures, parameter by parameter (name, default), read from its code.
KGEN_TAG_GEN = [("text_model", inspect._empty), ("tokenizer", inspect._empty), ("prompt", inspect._empty),
                ("prompt_tags", inspect._empty), ("len_target", inspect._empty), ("black_list", inspect._empty),
                ("temperature", 0.5), ("top_p", 0.95), ("top_k", 100), ("max_new_tokens", 256),
                ("max_retry", 20), ("max_same_output", 15), ("seed", None)]
KGEN_GENERATE = [("model", None), ("tokenizer", None), ("prompt", ""), ("temperature", 0.5), ("top_p", 0.95),
                 ("top_k", 45), ("repetition_penalty", 1.17), ("max_new_tokens", 128)]
KGEN_APPLY_DTG_PROMPT = [("tag_map", inspect._empty), ("target", ""), ("aspect_ratio", 1.0)]

TAG_MAP = {"special": ["1girl"], "general": ["solo", "long hair", "fate (series)"], "rating": ["general"]}
# What KGen's apply_dtg_prompt writes for TAG_MAP, "long", 832 / 1216 (no quality line).
KGEN_PROMPT = ("rating: general\nartist: <|empty|>\ncharacters: <|empty|>\ncopyrights: <|empty|>\n"
               "aspect ratio: 0.7\ntarget: <|long|>\ngeneral: 1girl, solo, long hair, fate (series)<|input_end|>")


def params(fn):
    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def test_signatures_are_kgens():
    assert params(kgen.tag_gen) == KGEN_TAG_GEN
    assert params(kgen.generate)[:len(KGEN_GENERATE)] == KGEN_GENERATE
    assert "autocast_gen" in inspect.signature(kgen.generate).parameters
    assert params(kgen.apply_dtg_prompt) == KGEN_APPLY_DTG_PROMPT
    assert kgen.TARGET == {"very_short": 8, "short": 16, "long": 32, "very_long": 48}


def test_apply_dtg_prompt_writes_kgens_text():
    assert kgen.apply_dtg_prompt(TAG_MAP, "long", 832 / 1216) == KGEN_PROMPT
    # KGen's quirks: no special tags still leaves ", " after "general:"; no target is long.
    assert kgen.apply_dtg_prompt({"general": ["solo"]}).endswith("aspect ratio: 1.0\ntarget: <|long|>\n"
                                                                  "general: , solo<|input_end|>")
    quality = kgen.apply_dtg_prompt({"general": ["solo"]}, "short", quality_line=True)
    assert quality.startswith("quality: masterpiece\nrating: <|empty|>\n")


def test_black_list_match_is_re_match_at_the_start():
    assert kgen.black_list_match("long hair", ["long.*"])
    assert not kgen.black_list_match("very long hair", ["long"])
    assert kgen.black_list_match("very long hair", ["very", "x"])


def last(gen):
    items = list(gen)
    assert items, "tag_gen yielded nothing"
    for llm_gen, extra, iters in items:
        assert isinstance(llm_gen, str) and isinstance(extra, list) and isinstance(iters, int)
    return items[-1]


def test_tag_gen_result_follows_kgens_rules(generator):
    prompt_tags = TAG_MAP["special"] + TAG_MAP["general"]
    black_list = ["b.*", "s"]
    llm_gen, extra, iters = last(kgen.tag_gen(generator, None, KGEN_PROMPT, prompt_tags, 32, black_list,
                                              temperature=1.0, seed=5))
    # KGen's re-fed form: the prompt as given (so the model saw exactly it), then the tags.
    assert llm_gen == KGEN_PROMPT + ", ".join(extra)
    assert extra and all(t == t.strip() and t for t in extra)
    assert len(set(extra)) == len(extra)
    assert not any(re.match(b, t) for t in extra for b in black_list)
    # KGen's stopping rule: enough tags in all, or the retries spent (max_retry + 1 passes).
    assert len(prompt_tags) + len(extra) >= 32 or iters == 21
    assert iters >= 1


def test_tag_gen_stops_at_len_target_counting_prompt_tags(generator):
    # KGen counts len(prompt_tags) as the caller passes them, whatever the prompt shows: ten
    # prompt tags and a target of 12, or four and 6, both ask for two new tags.
    ten = last(kgen.tag_gen(generator, None, KGEN_PROMPT, ["x"] * 10, 12, [], seed=5))
    four = last(kgen.tag_gen(generator, None, KGEN_PROMPT, ["x"] * 4, 6, [], seed=5))
    assert ten == four
    assert len(ten[1]) >= 2
    more = last(kgen.tag_gen(generator, None, KGEN_PROMPT, ["x"] * 4, 30, [], seed=5))
    assert len(more[1]) >= 26 or more[2] == 21


def test_tag_gen_prompt_is_the_models_prompt_byte_for_byte(generator):
    request = kgen._request(KGEN_PROMPT, None, None, [], max_retries=0, seed=1)
    result = generator.generate(**request)
    assert result.variants[0].dtg_prompt.startswith(KGEN_PROMPT)


def test_tag_gen_seed_reproduces_and_none_draws_one(generator):
    a = last(kgen.tag_gen(generator, None, KGEN_PROMPT, [], 16, [], seed=9))
    b = last(kgen.tag_gen(generator, None, KGEN_PROMPT, [], 16, [], seed=9))
    assert a == b
    assert last(kgen.tag_gen(generator, None, KGEN_PROMPT, [], 16, []))[1]


def test_tag_gen_takes_a_model_or_a_path(tiny_model, model):
    for text_model in (model, str(tiny_model)):
        assert last(kgen.tag_gen(text_model, None, KGEN_PROMPT, [], 8, [], seed=1))[1]
    with pytest.raises(TypeError):
        last(kgen.tag_gen(None, None, KGEN_PROMPT, [], 8, [], seed=1))


def test_generate_is_one_pass_returning_text_and_token_counts(generator):
    text, prompt_tokens, completion_tokens = kgen.generate(generator, None, KGEN_PROMPT, seed=3)
    assert text.startswith(KGEN_PROMPT)
    assert prompt_tokens > 20 and completion_tokens > 0
    # The same prompt counts the same however much of it came from the cache.
    assert kgen.generate(generator, None, KGEN_PROMPT, seed=3)[1] == prompt_tokens
