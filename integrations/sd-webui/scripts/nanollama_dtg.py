# SPDX-License-Identifier: Apache-2.0
"""DanTagGen (nanollama): the web UI script. Its controls are the DTG extension's; the
rewriting itself is nanollama_dtg.rewrite (tested without the web UI)."""
import os
import sys
import threading

import gradio as gr

import modules.scripts as scripts
from modules import script_callbacks, shared
from modules.processing import fix_seed

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nanollama_dtg import rewrite  # noqa: E402  (the extension's own folder, added above)

import nanollama  # noqa: E402

EXTENSION_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIRS = [os.path.join(EXTENSION_DIR, "models"), os.path.join(shared.models_path, "dtg")]
_generators = {}
_lock = threading.Lock()


def model_files():
    found = []
    for folder in MODEL_DIRS:
        if os.path.isdir(folder):
            found += [os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".gguf")]
    return found


def generator_for(path, lossy_bf16=False):
    key = (path, bool(lossy_bf16))
    with _lock:
        if key not in _generators:
            _generators[key] = nanollama.TagGenerator(nanollama.Model(path, lossy_bf16=bool(lossy_bf16)))
        return _generators[key]


class NanollamaDTGScript(scripts.Script):
    def title(self):
        return "DanTagGen (nanollama)"

    def show(self, is_img2img):
        return scripts.AlwaysVisible

    def ui(self, is_img2img):
        files = model_files()
        with gr.Accordion(open=False, label=self.title()) as accordion:
            enabled = gr.Checkbox(label="Enabled", value=False)
            tag_length = gr.Radio(label="Total tag length", choices=rewrite.TARGETS, value="long")
            ban_tags = gr.Textbox(label="Ban tags", info="Separate with comma. Regex supported.", value="")
            format_area = gr.TextArea(label="Prompt Format", value=rewrite.DEFAULT_FORMAT)
            seed = gr.Number(label="Seed for upsampling tags", minimum=-1, step=1, value=-1)
            timing = gr.Dropdown(label="Upsampling timing", choices=[rewrite.TIMING_BEFORE, rewrite.TIMING_AFTER],
                                 value=rewrite.TIMING_AFTER)
            with gr.Accordion(label="Generation config", open=False):
                model = gr.Dropdown(label="Model (GGUF in the extension's models/ or models/dtg)",
                                    choices=files, value=files[0] if files else None)
                no_formatting = gr.Checkbox(label="No formatting", value=False)
                temperature = gr.Slider(label="Temperature", minimum=0.1, maximum=2.5, step=0.05, value=1.35)
                top_p = gr.Slider(label="Top-p", minimum=0, maximum=1, step=0.05, value=0.95)
                top_k = gr.Slider(label="Top-k", minimum=0, maximum=200, step=1, value=100)
                lossy_bf16 = gr.Checkbox(label="Lossy BF16 products (F16 models: ~2x faster prompts on CPUs with "
                                               "AVX512-BF16, about Q8_0's accuracy)", value=False)

        def recorded(key):
            return lambda d: rewrite.read_infotext(d).get(key)

        self.infotext_fields = [
            (accordion, lambda d: gr.update(open=rewrite.INFOTEXT_KEY in d)),
            (enabled, lambda d: rewrite.INFOTEXT_KEY in d),
            (seed, recorded("seed")),
            (tag_length, recorded("tag_length")),
            (ban_tags, recorded("ban_tags")),
            (format_area, lambda d: d.get(rewrite.INFOTEXT_KEY_FORMAT)),
            (temperature, recorded("temperature")),
            (top_p, recorded("top_p")),
            (top_k, recorded("top_k")),
            (no_formatting, recorded("no_formatting")),
            (lossy_bf16, lambda d: bool(rewrite.read_infotext(d).get("lossy_bf16", False))),
        ]
        return [enabled, timing, seed, tag_length, ban_tags, format_area, temperature, top_p, top_k, model,
                no_formatting, lossy_bf16]

    @staticmethod
    def settings(*args):
        (enabled, timing, seed, tag_length, ban_tags, format_text, temperature, top_p, top_k, model,
         no_formatting, lossy_bf16) = args
        return rewrite.Settings(enabled=enabled, timing=timing, seed=int(seed), tag_length=tag_length,
                                ban_tags=ban_tags, format=format_text, temperature=temperature, top_p=top_p,
                                top_k=int(top_k), model=model or "", no_formatting=no_formatting,
                                lossy_bf16=bool(lossy_bf16))

    def before_process(self, p, *args):
        s = self.settings(*args)
        if s.enabled and s.timing == rewrite.TIMING_BEFORE and s.model:
            fix_seed(p)
            rewrite.rewrite_prompt(p, s, generator_for(s.model, s.lossy_bf16).generate)

    def process(self, p, *args):
        s = self.settings(*args)
        if s.enabled and s.timing == rewrite.TIMING_AFTER and s.model:
            rewrite.rewrite_all_prompts(p, s, generator_for(s.model, s.lossy_bf16).generate)


def _parse_infotext(_, params):
    recorded = rewrite.read_infotext(params)
    if recorded:
        params[rewrite.INFOTEXT_KEY] = recorded


script_callbacks.on_infotext_pasted(_parse_infotext)
