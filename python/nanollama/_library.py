# SPDX-License-Identifier: Apache-2.0
"""Finds libnanollama.so and declares the C API's signatures for ctypes.

Lookup order: next to this package (where ``pip install`` puts it), then the file or
directory named by ``NANOLLAMA_LIBRARY``, then the system's library paths. The library is
loaded on first use, so ``import nanollama`` never fails for want of it.

ctypes.CDLL releases the GIL around every foreign call, so generation runs in parallel with
other Python threads.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from pathlib import Path
from typing import List, Optional, Tuple

from .errors import LibraryNotFoundError, error_for

_SONAME = "libnanollama.so.0"
_NAMES = (_SONAME, "libnanollama.so", "libnanollama.dylib", "nanollama.dll")

c_int32_p = ctypes.POINTER(ctypes.c_int32)


class ModelOptions(ctypes.Structure):
    """nl_model_options."""

    _fields_ = [
        ("no_repack", ctypes.c_int32),
        ("no_prefetch", ctypes.c_int32),
        ("n_threads", ctypes.c_int32),
        ("lossy_bf16", ctypes.c_int32),
    ]


class GeneratorOptions(ctypes.Structure):
    """nl_generator_options."""

    _fields_ = [
        ("n_threads", ctypes.c_int32),
        ("n_ctx", ctypes.c_int32),
        ("kv_f32", ctypes.c_int32),
        ("max_variants", ctypes.c_int32),
        ("artists_file", ctypes.c_char_p),
        ("characters_file", ctypes.c_char_p),
        ("copyrights_file", ctypes.c_char_p),
        ("meta_file", ctypes.c_char_p),
        ("no_builtin_lists", ctypes.c_int32),
    ]


class TagVariantC(ctypes.Structure):
    """nl_tag_variant."""

    _fields_ = [
        ("seed", ctypes.c_uint64),
        ("tags", ctypes.POINTER(ctypes.c_char_p)),
        ("n_tags", ctypes.c_size_t),
        ("formatted", ctypes.c_char_p),
        ("reached_target", ctypes.c_int32),
        ("context_full", ctypes.c_int32),
    ]


class TagResultC(ctypes.Structure):
    """nl_tag_result."""

    _fields_ = [
        ("variants", ctypes.POINTER(TagVariantC)),
        ("n_variants", ctypes.c_size_t),
        ("cancelled", ctypes.c_int32),
        ("prompt_tokens", ctypes.c_int64),
        ("reused_tokens", ctypes.c_int64),
        ("generated_tokens", ctypes.c_int64),
        ("rolled_back_tokens", ctypes.c_int64),
        ("rejected_tags", ctypes.c_int64),
        ("passes", ctypes.c_int32),
        ("seconds", ctypes.c_double),
        ("json", ctypes.c_char_p),
    ]


# int (*nl_tag_callback)(void* user_data, int32_t variant, const char* tag)
TAG_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int32, ctypes.c_char_p)

# int (*nl_result_callback)(void* user_data, size_t index, nl_status status, const char* error,
#                           nl_tag_result* result)
RESULT_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_char_p,
                                   ctypes.POINTER(TagResultC))

_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_lib_path: Optional[str] = None


def _candidates() -> List[Tuple[str, str]]:
    """(where, path or name) in lookup order."""
    out: List[Tuple[str, str]] = []
    here = Path(__file__).resolve().parent
    for name in _NAMES:
        out.append(("next to the package", str(here / name)))
    env = os.environ.get("NANOLLAMA_LIBRARY")
    if env:
        p = Path(env)
        if p.is_dir():
            out.extend(("NANOLLAMA_LIBRARY", str(p / name)) for name in _NAMES)
        else:
            out.append(("NANOLLAMA_LIBRARY", env))
    else:
        out.append(("NANOLLAMA_LIBRARY", "(not set)"))
    found = ctypes.util.find_library("nanollama")
    names = [found] if found else []
    names += [n for n in (_SONAME, "libnanollama.so") if n not in names]
    out.extend(("system paths", n) for n in names)
    return out


def _declare(lib: ctypes.CDLL) -> None:
    P = ctypes.c_void_p
    sigs = {
        "nl_last_error": (ctypes.c_char_p, []),
        "nl_status_name": (ctypes.c_char_p, [ctypes.c_int]),
        "nl_version": (ctypes.c_char_p, []),
        "nl_build_commit": (ctypes.c_char_p, []),
        "nl_model_load": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(P)]),
        "nl_model_options_init": (None, [ctypes.POINTER(ModelOptions)]),
        "nl_model_load_with_options": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(ModelOptions), ctypes.POINTER(P)]),
        "nl_model_free": (None, [P]),
        "nl_generator_options_init": (None, [ctypes.POINTER(GeneratorOptions)]),
        "nl_generator_create": (ctypes.c_int, [P, ctypes.POINTER(GeneratorOptions), ctypes.POINTER(P)]),
        "nl_generator_free": (None, [P]),
        "nl_generator_cancel": (None, [P]),
        "nl_generate_tags_json_stream": (
            ctypes.c_int,
            [P, ctypes.c_char_p, TAG_CALLBACK, P, ctypes.POINTER(ctypes.POINTER(TagResultC))],
        ),
        "nl_generate_tags_json_many": (
            ctypes.c_int,
            [P, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, ctypes.c_int32, RESULT_CALLBACK, P],
        ),
        "nl_tag_result_free": (None, [ctypes.POINTER(TagResultC)]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def library() -> ctypes.CDLL:
    """The loaded library (loading it on first call); raises LibraryNotFoundError."""
    global _lib, _lib_path
    with _lock:
        if _lib is not None:
            return _lib
        tried: List[str] = []
        for where, path in _candidates():
            if path == "(not set)":
                tried.append(f"  {where}: not set")
                continue
            is_file_path = os.sep in path
            if is_file_path and not os.path.exists(path):
                tried.append(f"  {where}: {path}: no such file")
                continue
            try:
                lib = ctypes.CDLL(path)
                _declare(lib)
            except (OSError, AttributeError) as e:
                tried.append(f"  {where}: {path}: {e}")
                continue
            _lib, _lib_path = lib, path
            return lib
        raise LibraryNotFoundError(
            "nanollama: cannot load libnanollama.so. Tried, in order:\n"
            + "\n".join(tried)
            + "\nInstall the package with pip (it builds the library), or point NANOLLAMA_LIBRARY at"
            " libnanollama.so.0 (built with cmake -DNANOLLAMA_BUILD_SHARED=ON)."
        )


def library_path() -> str:
    """Where the loaded library came from (loading it if needed)."""
    library()
    assert _lib_path is not None
    return _lib_path


def check(status: int) -> None:
    """Raises the Error subclass for a non-zero status, with the thread's last message."""
    if status != 0:
        lib = library()
        message = (lib.nl_last_error() or b"").decode("utf-8", "replace")
        name = (lib.nl_status_name(status) or b"").decode()
        raise error_for(status, message or name)


def to_bytes(path: "os.PathLike[str] | str") -> bytes:
    return os.fsencode(os.fspath(path))


