# SPDX-License-Identifier: Apache-2.0
"""The ComfyUI nodes (with a stand-in for ComfyUI's folder_paths) and the web UI extension's
prompt rewriting (with a stand-in processing object), against each other and against the
front ends' behaviour as their code defines it."""
import importlib
import importlib.util
import json
import shutil
import sys
import types
from pathlib import Path

import pytest

import nanollama
from conftest import REPO, TINY_MODEL_ARGS, run_driver

sys.path.insert(0, str(REPO / "integrations" / "sd-webui"))
from nanollama_dtg import rewrite  # noqa: E402


@pytest.fixture()
def comfy(tmp_path, tiny_model, monkeypatch):
    """The node pack imported as ComfyUI imports it, over a models/ folder with one model."""
    models = tmp_path / "models"
    (models / "dtg").mkdir(parents=True)
    shutil.copy(tiny_model, models / "dtg" / "tiny.gguf")
    folder_paths = types.ModuleType("folder_paths")
    folder_paths.models_dir = str(models)
    folder_paths.folder_names_and_paths = {}

    def get_filename_list(name):
        folders, extensions = folder_paths.folder_names_and_paths[name]
        return sorted(f.name for d in folders for f in Path(d).iterdir() if f.suffix in extensions)

    def get_full_path(name, filename):
        for d in folder_paths.folder_names_and_paths[name][0]:
            if (Path(d) / filename).is_file():
                return str(Path(d) / filename)
        return None

    folder_paths.get_filename_list = get_filename_list
    folder_paths.get_full_path = get_full_path
    monkeypatch.setitem(sys.modules, "folder_paths", folder_paths)
    for name in [m for m in sys.modules if m == "comfyui" or m.startswith("comfyui.")]:
        monkeypatch.delitem(sys.modules, name)
    package = importlib.import_module("comfyui")
    return package


NODE_INPUTS = dict(prompt="", artist="", characters="", copyrights="", special_tags="", general="", blacklist="",
                   rating="safe", target="long", width=832, height=1216, escape_bracket=True, temperature=1.35,
                   top_p=0.95, top_k=100, seed=0, variants=1)


def test_comfy_nodes_are_registered_with_the_dantaggen_inputs(comfy):
    assert comfy.NODE_DISPLAY_NAME_MAPPINGS["DanTagGenNanollama"] == "DanTagGen (nanollama)"
    node = comfy.NODE_CLASS_MAPPINGS["DanTagGenNanollama"]
    required = node.INPUT_TYPES()["required"]
    # The DanTagGen nodes' inputs (huchenlei/ComfyUI_DanTagGen), then the ones the issue asks for.
    for name in ["model", "artist", "characters", "copyrights", "special_tags", "general", "blacklist", "rating",
                 "target", "width", "height", "escape_bracket", "temperature", "top_p", "top_k", "seed",
                 "variants", "prompt"]:
        assert name in required, name
    assert required["model"][0] == ["tiny.gguf"]  # found in models/dtg
    assert required["rating"][0][:4] == ["safe", "sensitive", "nsfw", "nsfw, explicit"]
    assert required["target"][0] == ["very_short", "short", "long", "very_long"]
    assert node.RETURN_TYPES == ("STRING",)
    assert comfy.NODE_CLASS_MAPPINGS["DanTagGenNewTagsNanollama"].RETURN_TYPES == ("STRING",)


def test_comfy_node_output_is_the_librarys_prompt(comfy, generator):
    node = comfy.NODE_CLASS_MAPPINGS["DanTagGenNanollama"]()
    inputs = dict(NODE_INPUTS, general="1girl, solo", rating="sensitive", blacklist="b.*", seed=42, variants=2)
    (texts,) = node.generate(model="tiny.gguf", **inputs)
    expected = generator.generate(general="1girl, solo", rating="sensitive", ban="b.*", target="long", width=832,
                                  height=1216, temperature=1.35, top_p=0.95, top_k=100, seed=42, variants=2)
    assert texts == [v.formatted for v in expected.variants]
    new_node = comfy.NODE_CLASS_MAPPINGS["DanTagGenNewTagsNanollama"]()
    (new_tags,) = new_node.generate(model="tiny.gguf", **inputs)
    assert new_tags == [", ".join(v.tags) for v in expected.variants]
    assert all(not t.startswith("b") for v in expected.variants for t in v.tags)


def test_comfy_escape_bracket_off_writes_plain_brackets(comfy):
    node = comfy.NODE_CLASS_MAPPINGS["DanTagGenNanollama"]()
    inputs = dict(NODE_INPUTS, general="1girl, fate \\(series\\)", seed=3)
    (escaped,) = node.generate(model="tiny.gguf", **inputs)
    (plain,) = node.generate(model="tiny.gguf", **dict(inputs, escape_bracket=False))
    assert "fate \\(series\\)" in escaped[0]
    assert "fate (series)" in plain[0] and "\\(" not in plain[0]


def test_comfy_lossy_bf16_input_loads_the_model_with_the_option(comfy, driver, tmp_path):
    # An F16 model next to the Q8_0 one: its lossy and exact generators are separate, and the
    # lossy node's prompts are the library's with Model(lossy_bf16=True).
    path = tmp_path / "models" / "dtg" / "tiny-f16.gguf"
    run_driver(driver, "make-model", "-o", str(path), *[a if a != "q8_0" else "f16" for a in TINY_MODEL_ARGS])
    assert comfy.NODE_CLASS_MAPPINGS["DanTagGenNanollama"].INPUT_TYPES()["optional"]["lossy_bf16"][1]["default"] is False
    node = comfy.NODE_CLASS_MAPPINGS["DanTagGenNanollama"]()
    with nanollama.TagGenerator(nanollama.Model(path, lossy_bf16=True), threads=1) as lossy:
        differs = False
        for seed in range(1, 9):
            inputs = dict(NODE_INPUTS, general="1girl", seed=seed)
            (exact,) = node.generate(model="tiny-f16.gguf", **inputs)
            (texts,) = node.generate(model="tiny-f16.gguf", lossy_bf16=True, **inputs)
            expected = lossy.generate(general="1girl", rating="safe", target="long", width=832, height=1216,
                                      temperature=1.35, top_p=0.95, top_k=100, seed=seed)
            assert texts == [v.formatted for v in expected.variants]
            differs = differs or texts != exact
    assert differs, "lossy_bf16 never changed a prompt: the input may not reach the library"


def test_comfy_missing_model_names_it(comfy):
    node = comfy.NODE_CLASS_MAPPINGS["DanTagGenNanollama"]()
    with pytest.raises(FileNotFoundError, match="other.gguf"):
        node.generate(model="other.gguf", **NODE_INPUTS)


class Processing:
    """A stand-in for the web UI's StableDiffusionProcessing: the attributes the rewrite reads."""

    def __init__(self, prompts, seeds, width=832, height=1216, enable_hr=False, hr_prompt=None):
        self.prompt = prompts[0]
        self.all_prompts = list(prompts)
        self.all_seeds = list(seeds)
        self.seed = seeds[0]
        self.width, self.height = width, height
        self.enable_hr = enable_hr
        self.hr_prompt = hr_prompt if hr_prompt is not None else self.prompt
        self.all_hr_prompts = [self.hr_prompt] * len(prompts)
        self.extra_generation_params = {}


def test_webui_rewrites_every_prompt_with_its_image_seed(generator):
    p = Processing(["1girl, (smile:1.2), <lora:x:0.5>", "2girls"], seeds=[100, 101])
    settings = rewrite.Settings(enabled=True, seed=7, tag_length="very short", ban_tags="b.*", top_k=50)
    assert rewrite.rewrite_all_prompts(p, settings, generator.generate) == 7
    for prompt, new, seed in zip(["1girl, (smile:1.2), <lora:x:0.5>", "2girls"], p.all_prompts, [107, 108]):
        expected = generator.generate(prompt=prompt, aspect_ratio=832 / 1216, target="very short", ban="b.*",
                                      temperature=1.35, top_p=0.95, top_k=50, seed=seed)
        assert new == expected.formatted
    assert "(smile:1.2)" in p.all_prompts[0] and "<lora:x:0.5>" in p.all_prompts[0]
    # The infotext: the extension's keys, quotes swapped, and the prompt as the user wrote it.
    recorded = rewrite.read_infotext(p.extra_generation_params)
    assert {k: recorded[k] for k in ("seed", "timing", "tag_length", "ban_tags", "top_k")} == {
        "seed": 7, "timing": "AFTER", "tag_length": "very short", "ban_tags": "b.*", "top_k": 50}
    assert '"' not in p.extra_generation_params[rewrite.INFOTEXT_KEY]
    assert p.extra_generation_params[rewrite.INFOTEXT_KEY_PROMPT] == "1girl, (smile:1.2), <lora:x:0.5>"
    assert rewrite.INFOTEXT_KEY_FORMAT not in p.extra_generation_params
    assert "lossy_bf16" not in recorded  # only an image made with the lossy products says so
    lossy = Processing(["2girls"], seeds=[100])
    rewrite.rewrite_all_prompts(lossy, rewrite.Settings(enabled=True, seed=7, lossy_bf16=True), generator.generate)
    again = rewrite.read_infotext(lossy.extra_generation_params)
    assert again["lossy_bf16"] is True and again["seed"] == 7
    assert '"' not in lossy.extra_generation_params[rewrite.INFOTEXT_KEY]


def test_webui_hires_prompts_follow_the_extensions_rule(generator):
    same = Processing(["1girl"], [5], enable_hr=True)
    settings = rewrite.Settings(enabled=True, seed=1, tag_length="very short")
    rewrite.rewrite_all_prompts(same, settings, generator.generate)
    assert same.all_hr_prompts == same.all_prompts  # no hires prompt of its own: the new one
    own = Processing(["1girl"], [5], enable_hr=True, hr_prompt="1girl, detailed")
    rewrite.rewrite_all_prompts(own, settings, generator.generate)
    assert own.all_hr_prompts == ["1girl, detailed"]  # the user's own stays


def test_webui_disabled_or_other_timing_changes_nothing(generator):
    p = Processing(["1girl"], [5])
    assert rewrite.rewrite_all_prompts(p, rewrite.Settings(enabled=False), generator.generate) is None
    assert rewrite.rewrite_all_prompts(p, rewrite.Settings(enabled=True, timing=rewrite.TIMING_BEFORE),
                                       generator.generate) is None
    assert p.all_prompts == ["1girl"] and p.extra_generation_params == {}


def test_webui_before_timing_uses_seed_plus_image_seed(generator):
    p = Processing(["1girl"], [40])
    settings = rewrite.Settings(enabled=True, timing=rewrite.TIMING_BEFORE, seed=2, tag_length="short",
                                format="<|general|>, <|special|>")
    assert rewrite.rewrite_prompt(p, settings, generator.generate) == 42
    expected = generator.generate(prompt="1girl", aspect_ratio=832 / 1216, target="short", temperature=1.35,
                                  top_p=0.95, top_k=100, seed=42, format="<|general|>, <|special|>")
    assert p.prompt == expected.formatted
    assert p.extra_generation_params[rewrite.INFOTEXT_KEY_FORMAT] == "<|general|>, <|special|>"


def test_webui_random_seed_is_drawn_in_the_extensions_range(generator):
    p = Processing(["1girl"], [0])
    seed = rewrite.rewrite_all_prompts(p, rewrite.Settings(enabled=True, tag_length="very short"), generator.generate)
    assert 0 <= seed < 2**31 - 1
    again = Processing(["1girl"], [0])
    rewrite.rewrite_all_prompts(again, rewrite.Settings(enabled=True, seed=seed, tag_length="very short"),
                                generator.generate)
    assert again.all_prompts == p.all_prompts  # the recorded seed reproduces the prompt


def test_comfy_node_and_webui_give_the_same_prompt(comfy, generator):
    prompt = "1girl, solo, (smile:1.2), looking at viewer"
    node = comfy.NODE_CLASS_MAPPINGS["DanTagGenNanollama"]()
    (texts,) = node.generate(model="tiny.gguf", **dict(NODE_INPUTS, prompt=prompt, rating="none", target="short",
                                                       blacklist="sm.*", temperature=1.1, top_p=0.9, top_k=60,
                                                       seed=1234))
    p = Processing([prompt], [0], width=832, height=1216)
    settings = rewrite.Settings(enabled=True, seed=1234, tag_length="short", ban_tags="sm.*", temperature=1.1,
                                top_p=0.9, top_k=60)
    rewrite.rewrite_all_prompts(p, settings, generator.generate)
    assert texts == p.all_prompts
    assert "(smile:1.2)" in texts[0] and len(texts[0]) > len(prompt)


@pytest.fixture()
def webui_script(monkeypatch, tmp_path):
    """The web UI script imported over stand-ins for gradio and the web UI's modules: each gradio
    control records its label and value, so the script's controls and its settings() meet."""

    class Control:
        def __init__(self, *args, label="", value=None, **kwargs):
            self.label, self.value = label, value

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    gradio = types.ModuleType("gradio")
    for name in ["Accordion", "Checkbox", "Radio", "Textbox", "TextArea", "Number", "Dropdown", "Slider"]:
        setattr(gradio, name, Control)
    gradio.update = lambda **kwargs: kwargs
    modules = types.ModuleType("modules")
    scripts_mod = types.ModuleType("modules.scripts")
    scripts_mod.Script = object
    scripts_mod.AlwaysVisible = object()
    callbacks = types.ModuleType("modules.script_callbacks")
    callbacks.on_infotext_pasted = lambda fn: None
    shared = types.ModuleType("modules.shared")
    shared.models_path = str(tmp_path)
    processing = types.ModuleType("modules.processing")
    processing.fix_seed = lambda p: None
    modules.scripts, modules.script_callbacks, modules.shared = scripts_mod, callbacks, shared
    for name, module in [("gradio", gradio), ("modules", modules), ("modules.scripts", scripts_mod),
                         ("modules.script_callbacks", callbacks), ("modules.shared", shared),
                         ("modules.processing", processing)]:
        monkeypatch.setitem(sys.modules, name, module)
    spec = importlib.util.spec_from_file_location(
        "nanollama_dtg_script", REPO / "integrations" / "sd-webui" / "scripts" / "nanollama_dtg.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_webui_script_controls_are_its_settings(webui_script):
    script = webui_script.NanollamaDTGScript()
    controls = script.ui(False)
    labels = [c.label for c in controls]
    assert labels[-1].startswith("Lossy BF16 products") and controls[-1].value is False
    settings = script.settings(*[c.value for c in controls])  # the defaults, one value per control
    assert settings == rewrite.Settings(model="")
    values = [c.value for c in controls]
    values[0], values[-1] = True, True
    assert script.settings(*values).lossy_bf16 is True and script.settings(*values).enabled is True
