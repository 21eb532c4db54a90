# SPDX-License-Identifier: Apache-2.0
"""nanollama.dask on a LocalCluster of two worker processes: input order, per-row seeds,
one model load per worker, results beside the inputs, each equal to the request run alone."""
import json
import os

import pytest

import dask.bag as db
import dask.dataframe as dd
import pandas as pd
from dask.distributed import Client, LocalCluster

import nanollama
from conftest import REPO
from nanollama import dask as nd

REQUESTS = [
    {"general": "1girl, solo", "target": "very_short", "seed": 10 + i} if i % 3 else
    {"prompt": "2girls, (smile:1.2)", "target": "short", "seed": 100 + i, "ban": "b.*"}
    for i in range(12)
]


@pytest.fixture(scope="module")
def client():
    # Worker processes import nanollama from this checkout and load the same library.
    os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO / "python"), os.environ.get("PYTHONPATH", "")])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as c:
            yield c


@pytest.fixture(scope="module")
def alone(tiny_model):
    """Each request run alone, in this process, on a fresh generator."""
    with nanollama.TagGenerator(nanollama.Model(tiny_model), threads=1) as g:
        return [g.generate(**r).to_dict() for r in REQUESTS]


def tags_and_seeds(results):
    return [(r["tags"], r["formatted"], r["seed"]) for r in results]


def test_bag_keeps_order_and_seeds_and_loads_the_model_once_per_worker(client, tiny_model, alone):
    bag = db.from_sequence(REQUESTS, npartitions=6)
    results = nd.map_requests(bag, str(tiny_model)).compute()
    assert tags_and_seeds(results) == tags_and_seeds(alone)
    assert [r["seed"] for r in results] == [r["seed"] for r in REQUESTS]
    stats = client.run(nd.worker_stats)
    assert len(stats) == 2
    assert all(s["loads"] <= 1 for s in stats.values())
    assert sum(s["loads"] for s in stats.values()) >= 1
    # Again: the workers reuse what they loaded.
    nd.map_requests(db.from_sequence(REQUESTS, npartitions=4), str(tiny_model)).compute()
    assert all(s["loads"] <= 1 for s in client.run(nd.worker_stats).values())


def test_dataframe_results_beside_the_request_columns(client, tiny_model, alone):
    frame = pd.DataFrame(REQUESTS, index=pd.RangeIndex(500, 500 + len(REQUESTS)))
    ddf = dd.from_pandas(frame, npartitions=3)
    out = nd.map_dataframe(ddf, str(tiny_model)).compute()
    assert list(out.index) == list(frame.index)
    assert list(out.columns[: len(frame.columns)]) == list(frame.columns)
    assert list(out["seed"]) == [r["seed"] for r in REQUESTS]
    assert list(out["result_seed"]) == [r["seed"] for r in alone]
    assert list(out["tags"]) == [", ".join(r["tags"]) for r in alone]
    assert list(out["formatted"]) == [r["formatted"] for r in alone]
    assert [json.loads(x)["tags"] for x in out["result"]] == [r["tags"] for r in alone]


def test_tag_files_writes_results_beside_each_input(client, tiny_model, alone, tmp_path):
    paths = []
    for i, chunk in enumerate([REQUESTS[:5], REQUESTS[5:]]):
        path = tmp_path / f"part-{i}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in chunk))
        paths.append(str(path))
    written = nd.tag_files(paths, str(tiny_model), client=client)
    assert written == [str(tmp_path / "part-0.tags.jsonl"), str(tmp_path / "part-1.tags.jsonl")]
    results = [json.loads(line) for w in written for line in open(w)]
    assert tags_and_seeds(results) == tags_and_seeds(alone)
