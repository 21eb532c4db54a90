# SPDX-License-Identifier: Apache-2.0
"""Model, TagGenerator and TagResult: DanTagGen tag generation over the C API."""
from __future__ import annotations

import copy
import ctypes
import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from . import _library as L
from .errors import Error, error_for

PathLike = Union[str, "os.PathLike[str]"]
# on_tag(variant, tag): return False to cancel; anything else (None included) goes on.
TagCallback = Callable[[int, str], Optional[bool]]


class _Owned:
    """A library object released by its nl_*_free function: close() (or a with block, or the
    garbage collector) frees it once; using it afterwards raises Error."""

    _kind = "object"
    _free = ""  # the name of the nl_*_free function
    _handle: Optional[int] = None
    _lib = None

    @property
    def handle(self) -> int:
        if self._handle is None:
            raise Error(f"the {self._kind} is closed")
        return self._handle

    def close(self) -> None:
        """Releases the object. A model's generators keep their own reference and go on working."""
        if self._handle is not None:
            getattr(self._lib, self._free)(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class Model(_Owned):
    """A GGUF model file, loaded (memory-mapped) once and shared by any number of generators.

    Args:
        path: the model's GGUF file (a DanTagGen GGUF, or one made by ``nanollama make-model``).
        repack: repack the Q8_0 / Q6_K matrices at load for faster products (the results are
            the same either way; False keeps them mapped from the file, using less memory).
        prefetch: ask the OS to read the weights in at load time.
        threads: threads for repacking (None: every CPU).
        lossy_bf16: LOSSY, off by default: round F16/F32 weights and the activations to BF16
            in matrix products (F16 prompts about 2x faster on CPUs with AVX512-BF16; a dot
            product's error becomes about that of Q8_0 weights).

    Raises:
        FileError: the file is missing or unreadable.
        BadFormatError: the file is not a valid GGUF.
        UnsupportedError: it uses a tensor type or architecture nanollama does not run.
    """

    _kind = "model"
    _free = "nl_model_free"

    def __init__(self, path: PathLike, *, repack: bool = True, prefetch: bool = True,
                 threads: Optional[int] = None, lossy_bf16: bool = False) -> None:
        self._handle: Optional[int] = None
        self.path = os.fspath(path)
        lib = L.library()
        opts = L.ModelOptions()
        lib.nl_model_options_init(ctypes.byref(opts))
        opts.no_repack = 0 if repack else 1
        opts.no_prefetch = 0 if prefetch else 1
        opts.n_threads = int(threads or 0)
        opts.lossy_bf16 = 1 if lossy_bf16 else 0
        handle = ctypes.c_void_p()
        L.check(lib.nl_model_load_with_options(L.to_bytes(path), ctypes.byref(opts), ctypes.byref(handle)))
        self._handle = handle.value
        self._lib = lib

    def __repr__(self) -> str:
        return f"nanollama.Model({self.path!r})"


@dataclass
class TagVariant:
    """One variant of a result: the new tags, the final prompt and the seed that made them."""

    tags: List[str]
    formatted: str
    seed: int
    reached_target: bool = False
    context_full: bool = False
    categories: Dict[str, List[str]] = field(default_factory=dict)
    dtg_prompt: str = ""


class TagResult:
    """What one request produced.

    Attributes:
        variants: one TagVariant per requested variant (variant i used seed + i).
        cancelled: the request was cancelled (on_tag returned False, or cancel() was called);
            the variants hold the tags accepted until then.
    """

    def __init__(self, data: Dict[str, Any], cancelled: bool) -> None:
        self._data = data
        self.cancelled = cancelled
        rows = data.get("variants") or ([data] if "tags" in data else [])
        self.variants: List[TagVariant] = [
            TagVariant(
                tags=list(v["tags"]),
                formatted=v["formatted"],
                seed=int(v["seed"]),
                reached_target=bool(v.get("reached_target", False)),
                context_full=bool(v.get("context_full", False)),
                categories={k: list(t) for k, t in v.get("categories", {}).items()},
                dtg_prompt=v.get("dtg_prompt", ""),
            )
            for v in rows
        ]

    @property
    def tags(self) -> List[str]:
        """The first variant's new tags."""
        return self.variants[0].tags if self.variants else []

    @property
    def formatted(self) -> str:
        """The first variant's final prompt."""
        return self.variants[0].formatted if self.variants else ""

    @property
    def stats(self) -> Dict[str, Any]:
        """Token counts, passes and seconds for the whole request."""
        return dict(self._data.get("total", {}))

    def to_dict(self) -> Dict[str, Any]:
        """The result as the JSON object ``nanollama tags --json`` prints for the same request."""
        return copy.deepcopy(self._data)

    def __repr__(self) -> str:
        return f"TagResult(variants={len(self.variants)}, tags={self.tags!r}, cancelled={self.cancelled})"


def request_json(request: Mapping[str, Any]) -> str:
    """A request's keyword arguments as the C API's JSON object.

    Keys are the driver's ``--batch`` keys with ``_`` for ``-`` (the library accepts both);
    ``None`` values are left out (the library's default); tuples become lists, which the
    library takes for tag fields as it takes comma-separated strings.
    """
    out: Dict[str, Any] = {}
    for key, value in request.items():
        if value is None:
            continue
        if isinstance(value, (tuple, set, frozenset)):
            value = list(value)
        out[key] = value
    return json.dumps(out, ensure_ascii=False)


class TagGenerator(_Owned):
    """Generates tags with one model; keeps the prompt's cache across requests.

    A generator is used by one thread at a time (calls from several threads queue up); make
    one per thread to generate in parallel: the GIL is released while generating.

    Args:
        model: a Model, or a path to load one from.
        threads: threads for the matrix products (None: every CPU).
        context: context length (None: the model's).
        kv_f32: keep the KV cache in F32 instead of F16.
        max_variants: variants per request the cache is sized for (it grows when needed).
        artists_file, characters_file, copyrights_file, meta_file: category lists, one tag a
            line, added to the built-in ones.
        builtin_lists: False leaves the built-in category lists out unless a request asks.
    """

    _kind = "generator"
    _free = "nl_generator_free"

    def __init__(
        self,
        model: Union[Model, PathLike],
        threads: Optional[int] = None,
        *,
        context: Optional[int] = None,
        kv_f32: bool = False,
        max_variants: int = 4,
        artists_file: Optional[PathLike] = None,
        characters_file: Optional[PathLike] = None,
        copyrights_file: Optional[PathLike] = None,
        meta_file: Optional[PathLike] = None,
        builtin_lists: bool = True,
    ) -> None:
        self._handle: Optional[int] = None
        self.model = model if isinstance(model, Model) else Model(model)
        lib = L.library()
        self._lib = lib
        opts = L.GeneratorOptions()
        lib.nl_generator_options_init(ctypes.byref(opts))
        opts.n_threads = int(threads or 0)
        opts.n_ctx = int(context or 0)
        opts.kv_f32 = 1 if kv_f32 else 0
        opts.max_variants = int(max_variants)
        opts.artists_file = L.to_bytes(artists_file) if artists_file else None
        opts.characters_file = L.to_bytes(characters_file) if characters_file else None
        opts.copyrights_file = L.to_bytes(copyrights_file) if copyrights_file else None
        opts.meta_file = L.to_bytes(meta_file) if meta_file else None
        opts.no_builtin_lists = 0 if builtin_lists else 1
        handle = ctypes.c_void_p()
        L.check(lib.nl_generator_create(self.model.handle, ctypes.byref(opts), ctypes.byref(handle)))
        self._handle = handle.value
        self._busy = threading.Lock()
        self._cancel = threading.Event()

    def generate(self, *, on_tag: Optional[TagCallback] = None, **request: Any) -> TagResult:
        """Runs one request and returns its result.

        Args:
            on_tag: called as ``on_tag(variant, tag)`` for each tag as it is accepted;
                returning False cancels the request (the result says ``cancelled``).
                An exception raised in it cancels too, and is raised again here.
            **request: the request, keyed as the driver's ``--batch`` JSON lines with ``_``
                for ``-``: ``general``, ``prompt``, ``rating``, ``artist``, ``characters``,
                ``copyrights``, ``quality``, ``special``, ``ban``, ``target``, ``seed``,
                ``temp``/``temperature``, ``top_p``, ``top_k``, ``min_p``, ``variants``,
                ``width``, ``height``, ``format``, ``no_format``... Tag fields take a list
                or a comma-separated string.

        Raises:
            InvalidArgumentError: an unknown key or a bad value (the message names it).
            ContextFullError: the prompt alone does not fit the context.
        """
        text = request_json(request).encode("utf-8")
        raised: List[BaseException] = []

        def call(_user: Optional[int], variant: int, tag: bytes) -> int:
            # Runs on the generating thread with the GIL held; must not raise into C.
            if self._cancel.is_set():
                return 0
            if on_tag is None:
                return 1
            try:
                return 0 if on_tag(int(variant), tag.decode("utf-8", "replace")) is False else 1
            except BaseException as e:  # noqa: BLE001 - handed back to the caller below
                raised.append(e)
                return 0

        callback = L.TAG_CALLBACK(call)
        out = ctypes.POINTER(L.TagResultC)()
        with self._busy:
            self._cancel.clear()
            status = self._lib.nl_generate_tags_json_stream(self.handle, text, callback, None, ctypes.byref(out))
            if raised:
                if out:
                    self._lib.nl_tag_result_free(out)
                raise raised[0]
            L.check(status)
            try:
                data = json.loads(out.contents.json.decode("utf-8"))
                return TagResult(data, bool(out.contents.cancelled))
            finally:
                self._lib.nl_tag_result_free(out)

    def generate_many(self, requests: Sequence[Mapping[str, Any]], *, max_in_flight: int = 8,
                      errors: str = "raise") -> List[Union[TagResult, Error]]:
        """Runs many requests at once and returns their results in input order.

        Up to ``max_in_flight`` requests, all their variants, are decoded together in one
        batched step (the weights are read once for all), a new one starting as soon as
        another ends; each result is the one ``generate(**request)`` gives alone, tag for tag.

        Args:
            requests: request dicts, keyed as for generate().
            max_in_flight: requests decoded together.
            errors: "raise" raises the first refused request's error once all have run;
                "return" puts the Error in that request's place in the list.
        """
        if errors not in ("raise", "return"):
            raise ValueError('errors must be "raise" or "return"')
        texts = [request_json(r).encode("utf-8") for r in requests]
        array = (ctypes.c_char_p * len(texts))(*texts)
        out: List[Any] = [None] * len(texts)
        raised: List[BaseException] = []

        def done(_user: Optional[int], index: int, status: int, error: Optional[bytes], result: Any) -> int:
            try:
                if status == 0 and result:
                    try:
                        data = json.loads(result.contents.json.decode("utf-8"))
                        out[index] = TagResult(data, bool(result.contents.cancelled))
                    finally:
                        self._lib.nl_tag_result_free(result)
                else:
                    out[index] = error_for(status, (error or b"").decode("utf-8", "replace"))
                return 0 if self._cancel.is_set() else 1
            except BaseException as e:  # noqa: BLE001 - handed back to the caller below
                raised.append(e)
                return 0

        callback = L.RESULT_CALLBACK(done)
        with self._busy:
            self._cancel.clear()
            status = self._lib.nl_generate_tags_json_many(self.handle, array, len(texts), int(max_in_flight),
                                                          callback, None)
        if raised:
            raise raised[0]
        L.check(status)
        if errors == "raise":
            for item in out:
                if isinstance(item, Error):
                    raise item
        return out

    def cancel(self) -> None:
        """Stops the generate() or generate_many() running in another thread; the requests in
        flight return with ``cancelled``, and generate_many() starts no more (their places in
        its list stay None).

        Safe to call from any thread; does nothing when no request is running.
        """
        self._cancel.set()
        if self._handle is not None:
            self._lib.nl_generator_cancel(self._handle)

