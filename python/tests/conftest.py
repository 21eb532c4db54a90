# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures: the driver (to make small models and to compare with), and the models.

The library is the one NANOLLAMA_LIBRARY names, or the repository's build/ one (what
scripts/test.sh builds). When it cannot be loaded every test errors out: nothing skips.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("NANOLLAMA_BUILD_DIR", REPO / "build"))
os.environ.setdefault("NANOLLAMA_LIBRARY", str(BUILD / "libnanollama.so.0"))
sys.path.insert(0, str(REPO / "python"))
sys.path.insert(0, str(REPO / "integrations"))

import nanollama  # noqa: E402

# The small DanTagGen-shaped model the C API tests use (tests/CMakeLists.txt, capi.make_model).
TINY_MODEL_ARGS = ["--dim", "128", "--ffn", "256", "--layers", "2", "--heads", "4", "--vocab", "2000",
                   "--type", "q8_0", "--seed", "11"]


@pytest.fixture(scope="session")
def driver() -> Path:
    path = Path(os.environ.get("NANOLLAMA_CLI", BUILD / "tools" / "nanollama"))
    assert path.exists(), f"the nanollama driver is not built at {path} (set NANOLLAMA_CLI)"
    return path


def run_driver(driver: Path, *args: str) -> str:
    done = subprocess.run([str(driver), *args], capture_output=True, text=True)
    assert done.returncode == 0, f"nanollama {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def driver_json(driver: Path, *args: str) -> dict:
    return json.loads(run_driver(driver, *args))


@pytest.fixture(scope="session")
def tiny_model(driver, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("models") / "tiny.gguf"
    run_driver(driver, "make-model", "-o", str(path), *TINY_MODEL_ARGS)
    return path


@pytest.fixture(scope="session")
def model(tiny_model) -> "nanollama.Model":
    return nanollama.Model(tiny_model)


@pytest.fixture()
def generator(model) -> "nanollama.TagGenerator":
    with nanollama.TagGenerator(model, threads=1) as g:
        yield g


def without_timings(value):
    """A result dict with its "seconds" entries removed (the only fields that vary by run)."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value
