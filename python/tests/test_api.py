# SPDX-License-Identifier: Apache-2.0
"""The Python API against the driver's own output and the C API's documented behaviour."""
import ctypes
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import nanollama
from conftest import TINY_MODEL_ARGS, driver_json, run_driver, without_timings

REQUEST = {"general": "1girl, solo", "target": "short", "seed": 1}


def test_library_loads_and_matches_the_package_version():
    assert Path(nanollama.library_path()).exists()
    assert nanollama.version() == nanollama.__version__


def test_result_is_what_the_driver_prints(driver, tiny_model, generator):
    result = generator.generate(**REQUEST)
    expected = driver_json(driver, "tags", "-m", str(tiny_model), "--general", "1girl, solo", "--target", "short",
                           "--seed", "1", "--json", "-t", "1")
    assert without_timings(result.to_dict()) == without_timings(expected)
    assert result.tags == expected["tags"] and len(result.tags) > 0
    assert result.variants[0].formatted == expected["formatted"]
    assert result.variants[0].seed == 1


def test_variants_with_their_seeds_match_the_driver(driver, tiny_model, generator):
    result = generator.generate(general="1girl", target="very_short", seed=7, variants=3, ban="a.*")
    expected = driver_json(driver, "tags", "-m", str(tiny_model), "--general", "1girl", "--target", "very_short",
                           "--seed", "7", "--variants", "3", "--ban", "a.*", "--json", "-t", "1")
    assert without_timings(result.to_dict()) == without_timings(expected)
    assert [v.seed for v in result.variants] == [7, 8, 9]
    for v in result.variants:
        assert all(isinstance(t, str) and t for t in v.tags)
        assert not any(t.startswith("a") for t in v.tags)
        for t in v.tags:
            assert t in v.formatted


def test_lists_and_comma_separated_strings_are_the_same_request(generator):
    as_text = generator.generate(general="1girl", rating="general", ban="b.*, c.*", seed=3, target="short")
    as_lists = generator.generate(general=["1girl"], rating=["general"], ban=["b.*", "c.*"], seed=3, target="short")
    assert as_text.to_dict()["tags"] == as_lists.to_dict()["tags"]
    assert as_text.variants[0].formatted == as_lists.variants[0].formatted


def test_on_tag_streams_every_tag_of_every_variant(generator):
    seen = {}
    result = generator.generate(general="1girl", target="short", seed=2, variants=2,
                                on_tag=lambda v, t: seen.setdefault(v, []).append(t))
    assert not result.cancelled
    # Each tag once, as accepted; the result lists them in the final pass's order.
    assert [sorted(seen.get(i, [])) for i in range(2)] == [sorted(v.tags) for v in result.variants]
    assert all(len(v.tags) > 0 for v in result.variants)


def test_on_tag_returning_false_cancels(generator):
    seen = []

    def stop_at_third(variant, tag):
        seen.append(tag)
        return len(seen) < 3

    result = generator.generate(general="1girl", target="very_long", seed=2, on_tag=stop_at_third)
    assert result.cancelled
    assert len(seen) == 3
    assert sorted(result.tags) == sorted(seen)
    # The generator is usable again, and uncancelled.
    assert not generator.generate(general="1girl", target="very_short", seed=2).cancelled


def test_an_exception_in_on_tag_is_raised_by_generate(generator):
    class Boom(Exception):
        pass

    def boom(variant, tag):
        raise Boom(tag)

    with pytest.raises(Boom):
        generator.generate(general="1girl", target="short", seed=2, on_tag=boom)


def test_cancel_from_another_thread(generator):
    first_tag = threading.Event()
    go_on = threading.Event()
    results = []

    def on_tag(variant, tag):
        first_tag.set()
        go_on.wait(10)  # hold the generation until the other thread has cancelled it

    worker = threading.Thread(target=lambda: results.append(
        generator.generate(general="1girl", target="very_long", seed=4, max_new_tokens=500, on_tag=on_tag)))
    worker.start()
    assert first_tag.wait(30)
    generator.cancel()
    go_on.set()
    worker.join(60)
    assert not worker.is_alive()
    assert results[0].cancelled
    assert len(results[0].tags) <= 1
    full = generator.generate(general="1girl", target="very_long", seed=4, max_new_tokens=500)
    assert not full.cancelled and len(full.tags) > 1


def test_model_options(tiny_model, generator):
    # Matrices kept as mapped give the same tags as repacked ones (the library's promise).
    with nanollama.TagGenerator(nanollama.Model(tiny_model, repack=False, prefetch=False, threads=1), threads=1) as g:
        assert g.generate(**REQUEST).tags == generator.generate(**REQUEST).tags
    with pytest.raises(nanollama.InvalidArgumentError, match="n_threads"):
        nanollama.Model(tiny_model, threads=-1)
    with pytest.raises(TypeError):
        nanollama.Model(tiny_model, no_such_option=1)


def test_lossy_bf16_reaches_the_library(driver, tmp_path):
    # An F16 model: the option changes the arithmetic, so for some seed the tags differ from
    # the exact ones; for every seed Python's are the driver's with --lossy-bf16.
    path = tmp_path / "tiny-f16.gguf"
    args = [a if a != "q8_0" else "f16" for a in TINY_MODEL_ARGS]
    run_driver(driver, "make-model", "-o", str(path), *args)
    lossy = nanollama.TagGenerator(nanollama.Model(path, lossy_bf16=True, threads=1), threads=1)
    differs = False
    for seed in range(1, 9):
        cli = ["tags", "-m", str(path), "--general", "1girl", "--target", "long", "--seed", str(seed), "--json", "-t", "1"]
        exact = driver_json(driver, *cli)["tags"]
        expected = driver_json(driver, *cli, "--lossy-bf16")["tags"]
        assert lossy.generate(general="1girl", target="long", seed=seed).tags == expected
        differs = differs or expected != exact
    lossy.close()
    assert differs, "the lossy products never changed a tag: the option may not reach the kernels"


def test_missing_file_is_a_file_error(tmp_path):
    missing = tmp_path / "missing.gguf"
    with pytest.raises(nanollama.FileError) as e:
        nanollama.Model(missing)
    assert e.value.status == 2
    assert str(missing) in e.value.message


def test_malformed_gguf_is_a_bad_format_error(tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + (3).to_bytes(4, "little") + b"\xff" * 40)
    with pytest.raises(nanollama.BadFormatError) as e:
        nanollama.Model(bad)
    assert e.value.status == 3
    assert str(bad) in e.value.message


def test_bad_requests_are_invalid_argument_errors_naming_the_key(generator):
    with pytest.raises(nanollama.InvalidArgumentError) as e:
        generator.generate(general="1girl", tag_count=3)
    assert e.value.status == 1 and "tag_count" in e.value.message
    with pytest.raises(ValueError, match="target"):
        generator.generate(general="1girl", target="medium")
    with pytest.raises(nanollama.Error, match="ban"):
        generator.generate(general="1girl", ban="(unclosed")


def test_generators_on_one_model_in_threads_give_their_sequential_results(model):
    requests = [dict(general="1girl", target="long", seed=s) for s in (11, 12)]
    with nanollama.TagGenerator(model, threads=1) as g:
        sequential = [g.generate(**r).tags for r in requests]
    parallel = [None, None]

    def run(i):
        with nanollama.TagGenerator(model, threads=1) as g:
            parallel[i] = g.generate(**requests[i]).tags

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert parallel == sequential


def test_calls_into_the_library_release_the_gil():
    # ctypes drops the GIL around calls through CDLL functions, not PyDLL (FUNCFLAG_PYTHONAPI) ones.
    fn = nanollama.library().nl_generate_tags_json_stream
    assert not isinstance(nanollama.library(), ctypes.PyDLL)
    assert fn._flags_ & ctypes._FUNCFLAG_PYTHONAPI == 0


def test_missing_library_error_lists_every_place_tried(tmp_path):
    # A copy of the package with no library beside it, and NANOLLAMA_LIBRARY pointing nowhere.
    package = tmp_path / "nanollama"
    package.mkdir()
    for f in (Path(nanollama.__file__).parent).glob("*.py"):
        (package / f.name).write_text(f.read_text())
    env = dict(os.environ, NANOLLAMA_LIBRARY=str(tmp_path / "nowhere" / "libnanollama.so.0"), PYTHONPATH=str(tmp_path))
    code = ("import nanollama\n"
            "try:\n    nanollama.Model('x.gguf')\n"
            "except nanollama.LibraryNotFoundError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert str(package / "libnanollama.so.0") in out.stdout
    assert str(tmp_path / "nowhere" / "libnanollama.so.0") in out.stdout
    assert "system paths" in out.stdout


def without_stats(value):
    if isinstance(value, dict):
        return {k: without_stats(v) for k, v in value.items() if k not in ("stats", "total")}
    if isinstance(value, list):
        return [without_stats(v) for v in value]
    return value


def test_generate_many_gives_each_requests_own_result_in_input_order(generator):
    requests = [dict(general="1girl", target="short", seed=s, variants=1 + s % 2) for s in range(6)]
    requests.append(dict(prompt="2girls, (smile:1.2)", target="very_short", seed=9, ban="b.*"))
    alone = [generator.generate(**r).to_dict() for r in requests]
    together = generator.generate_many(requests, max_in_flight=4)
    # Everything but the token counts, which depend on what the cache already held.
    assert [without_stats(r.to_dict()) for r in together] == [without_stats(a) for a in alone]
    assert all(len(r.tags) > 0 for r in together)


def test_generate_many_reports_a_bad_request_in_its_place(generator):
    requests = [dict(general="1girl", seed=1, target="very_short"), dict(target="medium"),
                dict(general="solo", seed=2, target="very_short")]
    results = generator.generate_many(requests, errors="return")
    assert isinstance(results[1], nanollama.InvalidArgumentError) and "target" in results[1].message
    assert results[0].tags == generator.generate(**requests[0]).tags
    assert results[2].tags == generator.generate(**requests[2]).tags
    with pytest.raises(nanollama.InvalidArgumentError, match="target"):
        generator.generate_many(requests)
