# SPDX-License-Identifier: Apache-2.0
"""Bulk tagging on Dask: a bag or dataframe of requests through one model per worker process.

    import dask.bag as db
    from dask.distributed import Client
    from nanollama.dask import map_requests

    client = Client("tcp://scheduler:8786")          # or LocalCluster(n_workers=2, threads_per_worker=1)
    requests = db.read_text("prompts-*.jsonl").map(json.loads)
    results = map_requests(requests, "/models/ggml-model-Q8_0.gguf", threads=1).compute()

Each worker process loads the model once (the first time one of its tasks needs it) and
keeps it for every later task; each worker thread gets its own TagGenerator on that model,
which decodes up to ``in_flight`` requests of a partition together (one batched step for
all of them: the weights are read once per step, not once per request).
Results come back in input order, and each request's seed is its own (rows without one get
a random seed, reported in the result), so a row's result does not depend on which worker ran
it or on how the input was split: it equals ``TagGenerator.generate(**row)`` run alone.

``tag_files`` is the file-to-file form: every JSONL file of requests gets its results
written beside it (``prompts.jsonl`` -> ``prompts.tags.jsonl``), line for line.
"""
from __future__ import annotations

import json
import os
import threading
from typing import Any, Dict, Iterable, List, Optional, Sequence

from .generator import Model, TagGenerator

# Per worker process: the models loaded, and per thread the generators on them.
_models: Dict[str, Model] = {}
_models_lock = threading.Lock()
_local = threading.local()
_loads = 0  # how many times this process loaded a model (tests check: once per worker)


def worker_generator(model_path: str, threads: int = 1, **options: Any) -> TagGenerator:
    """This thread's TagGenerator for ``model_path``; the model is loaded once per process."""
    load_model(model_path)
    path = os.path.abspath(model_path)
    model = _models[path]
    cache = getattr(_local, "generators", None)
    if cache is None:
        cache = _local.generators = {}
    key = (path, threads, tuple(sorted(options.items())))
    if key not in cache:
        cache[key] = TagGenerator(model, threads=threads, **options)
    return cache[key]


def load_model(model_path: str) -> Dict[str, Any]:
    """Loads the model into this process now (``client.run(load_model, path)`` warms every
    worker up before a job); returns worker_stats()."""
    global _loads
    path = os.path.abspath(model_path)
    with _models_lock:
        if path not in _models:
            _models[path] = Model(path)
            _loads += 1
    return worker_stats()


def worker_stats() -> Dict[str, Any]:
    """What this process holds: the models loaded and how many loads it made."""
    return {"pid": os.getpid(), "models": sorted(_models), "loads": _loads}


def _clean(request: Dict[str, Any]) -> Dict[str, Any]:
    # Dataframe rows carry NaN / None for fields a row leaves empty: the library's default.
    out = {}
    for k, v in request.items():
        if v is None or (isinstance(v, float) and v != v):
            continue
        if hasattr(v, "item"):  # numpy scalars
            v = v.item()
        out[k] = v
    return out


def run_requests(requests: Iterable[Dict[str, Any]], model_path: str, threads: int = 1, in_flight: int = 8,
                 **options: Any) -> List[Dict[str, Any]]:
    """Runs a partition's requests on this worker's generator, ``in_flight`` of them decoded
    together (TagGenerator.generate_many: each result is the request's alone); results as
    ``TagResult.to_dict()``, in input order."""
    gen = worker_generator(model_path, threads, **options)
    rows = [_clean(dict(r)) for r in requests]
    return [r.to_dict() for r in gen.generate_many(rows, max_in_flight=in_flight)]


def map_requests(bag: Any, model_path: str, threads: int = 1, in_flight: int = 8, **options: Any) -> Any:
    """A Dask bag of request dicts -> a bag of result dicts, in the same order.

    ``threads``: the library's threads per worker thread; ``in_flight``: requests decoded
    together on each worker; other keyword arguments go to TagGenerator.
    """
    return bag.map_partitions(run_requests, model_path, threads, in_flight, **options)


RESULT_COLUMNS = {"tags": object, "formatted": object, "result_seed": "uint64", "result": object}


def _frame_partition(frame: Any, model_path: str, threads: int, in_flight: int,
                     request_columns: Optional[Sequence[str]], options: Dict[str, Any]) -> Any:
    columns = list(request_columns) if request_columns is not None else list(frame.columns)
    rows = frame[columns].to_dict(orient="records")
    results = run_requests(rows, model_path, threads, in_flight, **options)
    out = frame.copy()
    out["tags"] = [", ".join(r.get("tags", [])) for r in results]
    out["formatted"] = [r.get("formatted", "") for r in results]
    out["result_seed"] = [int(r.get("seed", 0)) for r in results]
    out["result"] = [json.dumps(r, ensure_ascii=False) for r in results]
    return out.astype({"result_seed": "uint64"})


def map_dataframe(frame: Any, model_path: str, threads: int = 1, request_columns: Optional[Sequence[str]] = None,
                  in_flight: int = 8, **options: Any) -> Any:
    """A Dask dataframe whose columns are request keys -> the same rows with the results beside them.

    Added columns: ``tags`` (the new tags, comma-separated), ``formatted`` (the final prompt),
    ``result_seed`` (the seed used) and ``result`` (the whole result as JSON). The index and
    the row order are the input's. ``request_columns`` picks the columns that form the request
    (default: all).
    """
    import pandas as pd

    meta = frame._meta.assign(**{name: pd.Series(dtype=dtype) for name, dtype in RESULT_COLUMNS.items()})
    return frame.map_partitions(_frame_partition, model_path, threads, in_flight, request_columns, options,
                                meta=meta)


def results_path(path: str) -> str:
    """Where tag_files writes the results of ``path``: ``x.jsonl`` -> ``x.tags.jsonl``."""
    stem, ext = os.path.splitext(path)
    return f"{stem}.tags{ext or '.jsonl'}"


def _tag_file(path: str, model_path: str, threads: int, in_flight: int, options: Dict[str, Any]) -> str:
    with open(path, encoding="utf-8") as f:
        requests = [json.loads(line) for line in f if line.strip()]
    results = run_requests(requests, model_path, threads, in_flight, **options)
    out = results_path(path)
    tmp = out + ".part"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, out)  # a half-written file never looks finished
    return out


def tag_files(paths: Sequence[str], model_path: str, client: Any = None, threads: int = 1, in_flight: int = 8,
              **options: Any) -> List[str]:
    """Tags every JSONL file of requests (one task per file), writing each file's results
    beside it; returns the paths written. The files must be readable by the workers (a
    shared file system on a real cluster)."""
    import dask
    from dask import delayed

    tasks = [delayed(_tag_file)(os.path.abspath(p), model_path, threads, in_flight, options) for p in paths]
    if client is not None:
        return list(client.compute(tasks, sync=True))
    return list(dask.compute(*tasks))
