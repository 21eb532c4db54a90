# SPDX-License-Identifier: Apache-2.0
"""The nodes: "DanTagGen (nanollama)" (the final prompt) and "DanTagGen new tags (nanollama)".

Their inputs are those of the DanTagGen ComfyUI nodes (artist, characters, copyrights,
special_tags, general, blacklist, rating, target, width, height, escape_bracket,
temperature), plus a web UI style prompt, top-p, top-k, seed, variants and the format.
Models are GGUF files in ComfyUI's models/dtg folder. One TagGenerator per model file, thread
count and lossy_bf16 setting is kept between runs, so the model loads once. lossy_bf16 (off by
default) is the library's lossy BF16 products: F16 models about 2x faster on prompts on CPUs
with AVX512-BF16, at about Q8_0's accuracy.
"""
import os
import re
import threading
from typing import Any, Dict, List, Tuple

import folder_paths  # ComfyUI's

import nanollama

FOLDER = "dtg"
TARGETS = ["very_short", "short", "long", "very_long"]
RATINGS = ["safe", "sensitive", "nsfw", "nsfw, explicit", "none"]
SEED_MAX = 0xFFFFFFFFFFFFFFFE  # 2^64 - 1 would mean "random" to the library

# models/dtg, registered the way every ComfyUI version reads it: (folders, extensions).
if FOLDER not in folder_paths.folder_names_and_paths:
    folder_paths.folder_names_and_paths[FOLDER] = ([os.path.join(folder_paths.models_dir, FOLDER)], {".gguf"})

_generators: Dict[Tuple[str, int, bool], nanollama.TagGenerator] = {}
_lock = threading.Lock()


def generator_for(path: str, threads: int, lossy_bf16: bool = False) -> nanollama.TagGenerator:
    """The cached generator for a model file (loaded on first use)."""
    key = (os.path.realpath(path), threads, bool(lossy_bf16))
    with _lock:
        if key not in _generators:
            model = nanollama.Model(path, lossy_bf16=bool(lossy_bf16))
            _generators[key] = nanollama.TagGenerator(model, threads=threads or None)
        return _generators[key]


def node_request(prompt: str = "", artist: str = "", characters: str = "", copyrights: str = "",
                 special_tags: str = "", general: str = "", blacklist: str = "", rating: str = "safe",
                 target: str = "long", width: int = 1024, height: int = 1024, temperature: float = 1.35,
                 top_p: float = 0.95, top_k: int = 100, seed: int = 0, variants: int = 1, format: str = "",
                 no_format: bool = False, **_ignored: Any) -> Dict[str, Any]:
    """The nanollama request for the node's inputs."""
    request: Dict[str, Any] = {
        "prompt": prompt,
        "artist": artist,
        "characters": characters,
        "copyrights": copyrights,
        "special": special_tags,
        "general": general,
        "ban": blacklist,
        "rating": "" if rating == "none" else rating,
        "target": target,
        "width": int(width),
        "height": int(height),
        "temperature": float(temperature),
        "top_p": float(top_p),
        "top_k": int(top_k),
        "seed": int(seed),
        "variants": int(variants),
        "no_format": bool(no_format),
    }
    if format.strip():
        request["format"] = format
    return {k: v for k, v in request.items() if v != ""}


def unescape_brackets(text: str) -> str:
    """The escaped brackets of A1111 syntax as plain ones (the nodes' escape_bracket off)."""
    return re.sub(r"\\([()\[\]])", r"\1", text)


class DanTagGenNanollama:
    """DanTagGen (nanollama): the prompt extended with generated tags, one per variant."""

    CATEGORY = "conditioning/prompt"
    FUNCTION = "generate"
    RETURN_TYPES = ("STRING",)
    RETURN_NAMES = ("prompt",)
    OUTPUT_IS_LIST = (True,)  # one prompt per variant; downstream nodes run once for each

    @classmethod
    def INPUT_TYPES(cls) -> Dict[str, Any]:
        return {
            "required": {
                "model": (folder_paths.get_filename_list(FOLDER),),
                "prompt": ("STRING", {"default": "", "multiline": True}),
                "artist": ("STRING", {"default": ""}),
                "characters": ("STRING", {"default": ""}),
                "copyrights": ("STRING", {"default": ""}),
                "special_tags": ("STRING", {"default": ""}),
                "general": ("STRING", {"default": "", "multiline": True}),
                "blacklist": ("STRING", {"default": ""}),
                "rating": (RATINGS,),
                "target": (TARGETS, {"default": "long"}),
                "width": ("INT", {"default": 1024, "min": 256, "max": 4096, "step": 32}),
                "height": ("INT", {"default": 1024, "min": 256, "max": 4096, "step": 32}),
                "escape_bracket": ("BOOLEAN", {"default": True}),
                "temperature": ("FLOAT", {"default": 1.35, "min": 0.0, "max": 5.0, "step": 0.05}),
                "top_p": ("FLOAT", {"default": 0.95, "min": 0.0, "max": 1.0, "step": 0.05}),
                "top_k": ("INT", {"default": 100, "min": 0, "max": 1000}),
                "seed": ("INT", {"default": 0, "min": 0, "max": SEED_MAX}),
                "variants": ("INT", {"default": 1, "min": 1, "max": 64}),
            },
            "optional": {
                "format": ("STRING", {"default": "", "multiline": True}),
                "no_format": ("BOOLEAN", {"default": False}),
                "threads": ("INT", {"default": 0, "min": 0, "max": 256}),
                "lossy_bf16": ("BOOLEAN", {"default": False}),
            },
        }

    def run(self, model: str, threads: int = 0, lossy_bf16: bool = False, **inputs: Any) -> nanollama.TagResult:
        path = folder_paths.get_full_path(FOLDER, model)
        if not path:
            raise FileNotFoundError(f"DanTagGen (nanollama): no model {model!r} in models/{FOLDER}")
        return generator_for(path, threads, lossy_bf16).generate(**node_request(**inputs))

    def generate(self, model: str, escape_bracket: bool = True, threads: int = 0, **inputs: Any) -> Tuple[List[str]]:
        result = self.run(model, threads, **inputs)
        texts = [v.formatted for v in result.variants]
        if not escape_bracket:
            texts = [unescape_brackets(t) for t in texts]
        return (texts,)


class DanTagGenNewTagsNanollama(DanTagGenNanollama):
    """DanTagGen new tags (nanollama): only the generated tags, comma-separated."""

    RETURN_NAMES = ("new_tags",)

    def generate(self, model: str, escape_bracket: bool = True, threads: int = 0, **inputs: Any) -> Tuple[List[str]]:
        result = self.run(model, threads, **inputs)
        return ([", ".join(v.tags) for v in result.variants],)


NODE_CLASS_MAPPINGS = {
    "DanTagGenNanollama": DanTagGenNanollama,
    "DanTagGenNewTagsNanollama": DanTagGenNewTagsNanollama,
}
NODE_DISPLAY_NAME_MAPPINGS = {
    "DanTagGenNanollama": "DanTagGen (nanollama)",
    "DanTagGenNewTagsNanollama": "DanTagGen new tags (nanollama)",
}
