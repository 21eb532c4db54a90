# SPDX-License-Identifier: Apache-2.0
"""nanollama: DanTagGen tag generation in Python, over libnanollama.so (ctypes).

    import nanollama
    gen = nanollama.TagGenerator(nanollama.Model("ggml-model-Q8_0.gguf"), threads=2)
    result = gen.generate(general="1girl, solo", target="long", seed=1)
    print(result.formatted)

The library is found next to this package, then through NANOLLAMA_LIBRARY, then on the
system's library paths; it is loaded on first use.
"""
from __future__ import annotations

from ._library import library, library_path
from .errors import (
    BadFormatError,
    CancelledError,
    ContextFullError,
    Error,
    FileError,
    InternalError,
    InvalidArgumentError,
    LibraryNotFoundError,
    OutOfMemoryError,
    UnsupportedError,
)
from .generator import Model, TagGenerator, TagResult, TagVariant

__version__ = "0.1.0"


def version() -> str:
    """The loaded library's version (nl_version)."""
    return library().nl_version().decode()


def build_commit() -> str:
    """The git commit the loaded library was built from."""
    return library().nl_build_commit().decode()


__all__ = [
    "BadFormatError",
    "CancelledError",
    "ContextFullError",
    "Error",
    "FileError",
    "InternalError",
    "InvalidArgumentError",
    "LibraryNotFoundError",
    "Model",
    "OutOfMemoryError",
    "TagGenerator",
    "TagResult",
    "TagVariant",
    "UnsupportedError",
    "build_commit",
    "library_path",
    "version",
]
