# SPDX-License-Identifier: Apache-2.0
"""Tags per second of nanollama.dask on 1 and on 2 single-threaded worker processes.

    python3 dask_scaling.py MODEL.gguf [--requests 32] [--rounds 3] [--target short] [--in-flight 8]

Runs the same requests (fixed seeds) on a LocalCluster of 1 worker, then of 2, alternating,
`--rounds` times each, and prints each run and the medians. The workers load the model
before the clock starts (a warm-up task), so the figures are generation alone.
"""
import argparse
import statistics
import time

import dask.bag as db
from dask.distributed import Client, LocalCluster

from nanollama import dask as nd


def run(client, model, requests, partitions, in_flight):
    client.run(nd.load_model, model)  # load the model on every worker first
    start = time.perf_counter()
    bag = db.from_sequence(requests, npartitions=partitions)
    results = nd.map_requests(bag, model, in_flight=in_flight).compute()
    seconds = time.perf_counter() - start
    return sum(len(r["tags"]) for r in results), seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--requests", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--target", default="short")
    ap.add_argument("--in-flight", type=int, default=8, help="requests decoded together on a worker")
    a = ap.parse_args()
    requests = [{"general": "1girl, solo", "target": a.target, "seed": 1000 + i} for i in range(a.requests)]
    rates = {1: [], 2: []}
    for _ in range(a.rounds):
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                tags, seconds = run(client, a.model, requests, 2 * workers, a.in_flight)
            rates[workers].append(tags / seconds)
            print(f"{workers} worker(s): {tags} tags in {seconds:.2f} s = {tags / seconds:.1f} tags/s", flush=True)
    one, two = statistics.median(rates[1]), statistics.median(rates[2])
    print(f"median: 1 worker {one:.1f} tags/s, 2 workers {two:.1f} tags/s, {two / one:.2f}x")


if __name__ == "__main__":
    main()
