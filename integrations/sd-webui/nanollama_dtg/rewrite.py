# SPDX-License-Identifier: Apache-2.0
"""Prompt rewriting for the Stable Diffusion web UI (A1111 / Forge), as the DTG extension does it.

``rewrite_all_prompts`` is the "after other prompt processing" timing: every prompt of the
batch (``p.all_prompts``) is extended, image i with seed ``seed + p.all_seeds[i]``; the
hires-fix prompts follow as in the DTG extension. ``rewrite_prompt`` is the "before" timing:
``p.prompt`` alone, with ``seed + p.seed``. Both record what they did in the infotext
(``p.extra_generation_params``) under the DTG extension's keys, so its images and ours read
the same. ``p`` is the web UI's processing object; only the attributes used here are needed.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

import nanollama

INFOTEXT_KEY = "DTG Parameters"
INFOTEXT_KEY_PROMPT = "DTG prompt"
INFOTEXT_KEY_FORMAT = "DTG format"
# The infotext is written with quotes swapped so that it survives the web UI's quoting.
QUOTESWAP = str.maketrans("'\"", "\"'")
SEED_MAX = 2**31 - 1
TIMING_BEFORE = "Before applying other prompt processings"
TIMING_AFTER = "After applying other prompt processings"
TARGETS = ["very short", "short", "long", "very long"]
# The DTG extension's default format (nanollama's default template is the same).
DEFAULT_FORMAT = """<|special|>, 
<|characters|>, <|copyrights|>, 
<|artist|>, 

<|general|>, 

<|quality|>, <|meta|>, <|rating|>"""


@dataclass
class Settings:
    """The extension's controls."""

    enabled: bool = False
    timing: str = TIMING_AFTER
    seed: int = -1
    tag_length: str = "long"
    ban_tags: str = ""
    format: str = DEFAULT_FORMAT
    temperature: float = 1.35
    top_p: float = 0.95
    top_k: int = 100
    model: str = ""
    no_formatting: bool = False
    lossy_bf16: bool = False  # the library's lossy BF16 products (Model(lossy_bf16=True))

    def request(self, prompt: str, aspect_ratio: float, seed: int) -> Dict[str, Any]:
        """The nanollama request for one prompt."""
        request: Dict[str, Any] = {
            "prompt": prompt,
            "aspect_ratio": aspect_ratio,
            "target": self.tag_length,
            "ban": self.ban_tags,
            "temperature": float(self.temperature),
            "top_p": float(self.top_p),
            "top_k": int(self.top_k),
            "seed": int(seed),
            "no_format": bool(self.no_formatting),
        }
        if self.format.strip() and self.format != DEFAULT_FORMAT:
            request["format"] = self.format
        return {k: v for k, v in request.items() if v != ""}


Generate = Callable[..., nanollama.TagResult]


def draw_seed(seed: int) -> int:
    """-1 means a random seed, drawn once per generation (as the extension does)."""
    return random.randrange(SEED_MAX) if int(seed) == -1 else int(seed)


def write_infotext(p: Any, settings: Settings, seed: int, timing: str) -> None:
    p.extra_generation_params[INFOTEXT_KEY] = json.dumps(
        {
            "seed": seed,
            "timing": timing,
            "tag_length": settings.tag_length,
            "ban_tags": settings.ban_tags,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
            "top_k": settings.top_k,
            "model": settings.model,
            "no_formatting": settings.no_formatting,
            "engine": f"nanollama {nanollama.__version__}",
        },
        ensure_ascii=False,
    ).translate(QUOTESWAP)
    if settings.lossy_bf16:  # it changes the tags, so an image made with it says so
        recorded = read_infotext(p.extra_generation_params)
        recorded["lossy_bf16"] = True
        p.extra_generation_params[INFOTEXT_KEY] = json.dumps(recorded, ensure_ascii=False).translate(QUOTESWAP)
    p.extra_generation_params[INFOTEXT_KEY_PROMPT] = p.prompt
    if settings.format != DEFAULT_FORMAT:
        p.extra_generation_params[INFOTEXT_KEY_FORMAT] = settings.format


def read_infotext(params: Dict[str, Any]) -> Dict[str, Any]:
    """The settings recorded in an image's infotext (empty when there are none)."""
    value = params.get(INFOTEXT_KEY)
    if isinstance(value, dict):  # already read back
        return value
    try:
        return json.loads(str(value).translate(QUOTESWAP))
    except (KeyError, ValueError):
        return {}


def rewrite_all_prompts(p: Any, settings: Settings, generate: Generate) -> Optional[int]:
    """Extends every prompt of the batch; returns the seed used, or None when disabled.

    ``generate(**request)`` runs a request (a TagGenerator's ``generate``).
    """
    if not settings.enabled or settings.timing != TIMING_AFTER:
        return None
    seed = draw_seed(settings.seed)
    aspect_ratio = p.width / p.height
    write_infotext(p, settings, seed, "AFTER")
    new_prompts = [
        generate(**settings.request(prompt, aspect_ratio, seed + sub_seed)).formatted
        for prompt, sub_seed in zip(p.all_prompts, p.all_seeds)
    ]
    if getattr(p, "enable_hr", False):
        if p.hr_prompt != p.prompt:
            # The user wrote a hires prompt of their own: theirs stays wherever it differs.
            p.all_hr_prompts = [
                prompt if prompt == hr_prompt else hr_prompt for prompt, hr_prompt in zip(p.all_prompts, p.all_hr_prompts)
            ]
        else:
            p.all_hr_prompts = new_prompts
    p.all_prompts = new_prompts
    return seed


def rewrite_prompt(p: Any, settings: Settings, generate: Generate) -> Optional[int]:
    """The "before" timing: extends ``p.prompt`` (the web UI's seed already fixed) with
    ``seed + p.seed``; returns that seed, or None when disabled."""
    if not settings.enabled or settings.timing != TIMING_BEFORE:
        return None
    seed = draw_seed(settings.seed)
    write_infotext(p, settings, seed, "BEFORE")
    seed = int(seed + p.seed)
    p.prompt = generate(**settings.request(p.prompt, p.width / p.height, seed)).formatted
    return seed
