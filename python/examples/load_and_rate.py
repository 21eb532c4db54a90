# SPDX-License-Identifier: Apache-2.0
"""Load time and tags per second through the Python package.

    python3 load_and_rate.py MODEL.gguf [--threads 2] [--requests 5] [--target long]

Prints the time of Model() (map, check, repack, tokenizer; the file read from the page cache
after a first untimed load), wall and CPU (all threads; less sensitive to a busy machine), of
TagGenerator(), the median tags/s over the requests (fixed seeds), and the time each request
spent outside the library's own clock (ctypes, JSON, building the result).
"""
import argparse
import statistics
import time

import nanollama


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--requests", type=int, default=5)
    ap.add_argument("--target", default="long")
    a = ap.parse_args()
    nanollama.Model(a.model).close()  # the file into the page cache: what follows is load alone
    loads, cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        model = nanollama.Model(a.model)
        loads.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    start = time.perf_counter()
    gen = nanollama.TagGenerator(model, threads=a.threads)
    create = time.perf_counter() - start
    rates, overheads = [], []
    for i in range(a.requests):
        start = time.perf_counter()
        result = gen.generate(general="1girl, solo", target=a.target, seed=100 + i)
        wall = time.perf_counter() - start
        rates.append(len(result.tags) / wall)
        overheads.append(wall - result.stats["seconds"])  # outside the library's own clock
    print(f"Model() median {statistics.median(loads):.3f} s (CPU {statistics.median(cpu):.3f} s), TagGenerator() {create:.3f} s, "
          f"{a.target}: median {statistics.median(rates):.1f} tags/s over {a.requests} requests "
          f"({min(rates):.1f}-{max(rates):.1f}), {a.threads} threads; Python's share per request: median "
          f"{1000 * statistics.median(overheads):.2f} ms")


if __name__ == "__main__":
    main()
