# SPDX-License-Identifier: Apache-2.0
"""Load from Python threads: 8 threads x 50 requests over one model, one generator per thread
(the C API's contract), each result equal to the same request run alone on one generator."""
import threading

import nanollama

THREADS = 8
REQUESTS_PER_THREAD = 50


def request(thread: int, i: int) -> dict:
    # Varied requests: seeds, targets, bans and variants differ from one to the next.
    return dict(general="1girl, solo" if i % 3 else "1boy",
                target=("very_short", "short")[i % 2],
                seed=1000 * thread + i,
                ban="hat" if i % 4 == 0 else "",
                variants=1 + (i % 5 == 0))


def test_eight_threads_of_fifty_requests_each_give_the_alone_results(model):
    got = [[None] * REQUESTS_PER_THREAD for _ in range(THREADS)]
    errors = []

    def run(t: int) -> None:
        try:
            with nanollama.TagGenerator(model, threads=1) as g:
                for i in range(REQUESTS_PER_THREAD):
                    got[t][i] = [v.tags for v in g.generate(**request(t, i)).variants]
        except Exception as e:  # reported below: a thread's exception would otherwise vanish
            errors.append(e)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(600)
    assert not errors
    assert not any(th.is_alive() for th in threads)
    assert all(r and r[0] for row in got for r in row)  # every request gave tags

    with nanollama.TagGenerator(model, threads=1) as alone:
        for t in range(THREADS):
            for i in range(REQUESTS_PER_THREAD):
                expected = [v.tags for v in alone.generate(**request(t, i)).variants]
                assert got[t][i] == expected, (t, i)
