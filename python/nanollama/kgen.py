# SPDX-License-Identifier: Apache-2.0
"""A drop-in for KGen's DanTagGen helpers (``kgen.executor.dtg`` and ``kgen.generate``).

A script written against KGen changes one import::

    # from kgen.executor.dtg import apply_dtg_prompt, tag_gen
    from nanollama.kgen import apply_dtg_prompt, tag_gen

and passes a ``nanollama.TagGenerator`` (or a Model, or a GGUF path) where KGen takes the
transformers or llama-cpp model; the tokenizer argument is ignored. Parameters, defaults
and results are KGen's:

- ``tag_gen(...)`` yields ``(llm_gen, extra_tokens, iter_count)``; callers use the last
  tuple, which nanollama yields once, when the request is done: ``llm_gen`` is the prompt,
  ``<|input_end|>`` and the new tags joined by ``", "`` (KGen's re-fed form),
  ``extra_tokens`` the new tags (no duplicates, none matching ``black_list`` by ``re.match``)
  and ``iter_count`` the passes made. Generation stops as KGen's does: when
  ``len(prompt_tags) + len(extra_tokens) >= len_target``, after ``max_retry`` passes that
  fall short, or after ``max_same_output`` identical outputs in a row.
- ``generate(...)`` runs one pass and returns ``(text, prompt_tokens, completion_tokens)``.

nanollama builds the prompt itself from the fields it reads back from ``prompt`` (the same
text, byte for byte, for prompts ``apply_dtg_prompt`` makes). What differs: the random
numbers (a seed gives other tags than under torch, reproducibly), and bans and duplicates are
prevented while decoding instead of filtered after each pass.
"""
from __future__ import annotations

import os
import re
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from .generator import Model, TagGenerator, TagResult

INPUT_END = "<|input_end|>"
EMPTY = "<|empty|>"
# KGen's metainfo.TARGET: the tag counts each target asks for.
TARGET = {"very_short": 8, "short": 16, "long": 32, "very_long": 48}

ModelArg = Union[TagGenerator, Model, str, "os.PathLike[str]"]
_generators: Dict[str, TagGenerator] = {}


def _generator(text_model: Optional[ModelArg]) -> TagGenerator:
    """The TagGenerator for KGen's model argument (a generator, a Model, or a GGUF path)."""
    if isinstance(text_model, TagGenerator):
        return text_model
    if isinstance(text_model, Model):
        key = f"model:{id(text_model)}"
        if key not in _generators:
            _generators[key] = TagGenerator(text_model)
        return _generators[key]
    if text_model is None:
        raise TypeError("nanollama.kgen: pass a nanollama.TagGenerator (or Model, or GGUF path) as the model")
    path = os.fspath(text_model)
    if path not in _generators:
        _generators[path] = TagGenerator(Model(path))
    return _generators[path]


def apply_dtg_prompt(tag_map: Mapping[str, Sequence[str]], target: str = "", aspect_ratio: float = 1.0,
                     *, quality_line: bool = False) -> str:
    """DanTagGen's prompt for tags already sorted into categories (KGen's ``apply_dtg_prompt``).

    KGen adds the ``quality:`` line when its current model is DanTagGen-delta; here the
    caller says so with ``quality_line`` (``nanollama tags --json`` reports ``model.quality_line``).
    """
    def joined(key: str, default: Sequence[str] = ()) -> str:
        return ", ".join(tag_map.get(key, default))

    lines = [
        f"rating: {joined('rating') or EMPTY}",
        f"artist: {joined('artist').strip() or EMPTY}",
        f"characters: {joined('characters').strip() or EMPTY}",
        f"copyrights: {joined('copyrights').strip() or EMPTY}",
        f"aspect ratio: {aspect_ratio:.1f}",
        f"target: <|{target or 'long'}|>",
        f"general: {joined('special')}, {joined('general').strip().strip(',')}{INPUT_END}",
    ]
    if quality_line:
        lines.insert(0, f"quality: {joined('quality', ['masterpiece'])}")
    return "\n".join(lines)


def black_list_match(tag: str, black_list: Iterable[str]) -> bool:
    """Whether a ban pattern matches the start of ``tag`` (Python's ``re.match``, as KGen)."""
    return any(re.match(b, tag) for b in black_list)


def _split(value: str) -> List[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


def _webui_literal(tag: str) -> str:
    """A tag as web UI text that reads back as exactly the tag (no weights, no escapes lost)."""
    for c in "\\()[]":
        tag = tag.replace(c, "\\" + c)
    return tag


def prompt_fields(prompt: str) -> Dict[str, Any]:
    """The request fields of a DanTagGen prompt (what ``apply_dtg_prompt`` wrote)."""
    head = prompt.split(INPUT_END)[0]
    fields: Dict[str, Any] = {"quality_line": False}
    for line in head.split("\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            key, value = line.rstrip(":"), ""
        value = "" if value.strip() == EMPTY else value
        if key == "quality":
            fields["quality_line"] = True
            fields["quality"] = _split(value)
        elif key in ("rating", "artist", "characters", "copyrights"):
            fields[key] = _split(value)
        elif key == "aspect ratio" and value:
            fields["aspect_ratio"] = float(value)
        elif key == "target":
            fields["target"] = value.strip().strip("<|>") or "long"
        elif key == "general":
            fields["general_tags"] = _split(value)
    return fields


def _request(prompt: str, prompt_tags: Optional[Sequence[str]], len_target: Optional[int],
             black_list: Iterable[str], **sampling: Any) -> Dict[str, Any]:
    f = prompt_fields(prompt)
    general = f.pop("general_tags", [])
    request: Dict[str, Any] = dict(f)
    # Special tags are recognised by the library, as KGen's seperate_tags does; the others are
    # general tags as given (escaped so that the web UI reading keeps them whole), and no
    # category list may move one elsewhere.
    request["general"] = ", ".join(_webui_literal(t) for t in general)
    request["builtin_lists"] = False
    request["ban"] = [b for b in black_list if b]
    if len_target is not None:
        # KGen stops at len(prompt_tags) + new >= len_target; the library counts the prompt's
        # own special and general tags.
        given = len(prompt_tags) if prompt_tags is not None else len(general)
        request["min_tags"] = max(0, int(len_target) - given + len(general))
    request.update({k: v for k, v in sampling.items() if v is not None})
    return request


def _llm_gen(prompt: str, tags: Sequence[str]) -> str:
    return f"{prompt.split(INPUT_END)[0]}{INPUT_END}{', '.join(tags)}"


def tag_gen(
    text_model: ModelArg,
    tokenizer: Any,
    prompt: str,
    prompt_tags: Sequence[str],
    len_target: int,
    black_list: Iterable[str],
    temperature: float = 0.5,
    top_p: float = 0.95,
    top_k: int = 100,
    max_new_tokens: int = 256,
    max_retry: int = 20,
    max_same_output: int = 15,
    seed: Optional[int] = None,
) -> Iterator[Tuple[str, List[str], int]]:
    """KGen's ``tag_gen`` on nanollama: extends ``prompt`` until ``len_target`` tags.

    Yields ``(llm_gen, extra_tokens, iter_count)`` once, when done (see the module's doc).
    ``seed`` None draws a random seed.
    """
    del tokenizer  # the model file carries its own
    gen = _generator(text_model)
    request = _request(prompt, prompt_tags, len_target, list(black_list), temperature=temperature, top_p=top_p,
                       top_k=top_k, max_new_tokens=max_new_tokens, max_retries=max_retry,
                       max_same_output=max_same_output, seed=seed)
    result: TagResult = gen.generate(**request)
    tags = list(result.tags)
    yield _llm_gen(prompt, tags), tags, int(result.stats.get("passes", 1))


def generate(
    model: Optional[ModelArg] = None,
    tokenizer: Any = None,
    prompt: str = "",
    temperature: float = 0.5,
    top_p: float = 0.95,
    top_k: int = 45,
    repetition_penalty: Optional[float] = 1.17,
    max_new_tokens: int = 128,
    autocast_gen: Any = None,
    **kwargs: Any,
) -> Tuple[str, int, int]:
    """KGen's ``generate`` for a DanTagGen prompt: one pass, ``(text, prompt_tokens, completion_tokens)``.

    ``text`` is the prompt followed by the tags of that pass; ``seed`` comes in ``kwargs`` as
    in KGen. ``repetition_penalty`` and ``autocast_gen`` have no meaning here (nanollama
    prevents repeated tags outright) and are ignored.
    """
    del tokenizer, repetition_penalty, autocast_gen
    gen = _generator(model)
    request = _request(prompt, None, None, [], temperature=temperature, top_p=top_p, top_k=top_k,
                       max_new_tokens=max_new_tokens, max_retries=0, seed=kwargs.get("seed"))
    result = gen.generate(**request)
    stats = result.stats
    # KGen counts the whole prompt; the library reports the part it evaluated and the part it
    # found in its cache separately.
    prompt_tokens = int(stats.get("prompt_tokens", 0)) + int(stats.get("reused_tokens", 0))
    return _llm_gen(prompt, result.tags), prompt_tokens, int(stats.get("generated_tokens", 0))
