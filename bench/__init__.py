"""The course's benchmarks: ``python -m bench`` (or ``make bench``) runs them and writes ``bench/results.md``.

1. :mod:`bench.execution` -- executing every chapter against a floor of kernels that only import.
2. :mod:`bench.build` -- a cold book build against rebuilds served by the execution cache.
3. :mod:`bench.cities` -- optimisers racing to a loss of 1e-6 on the city-placement objective.
4. :mod:`bench.devices` -- per-step time of the city objective on the CPU and, when present, CUDA or MPS.
5. :mod:`bench.test_run` -- the wall time of `make test`'s pytest run in a clean copy of the repository.
6. :mod:`bench.test_path` -- the chapters on `make test`'s own path (pytest, nbval, the cache write) beside
   nbclient and the floor, per chapter and per cell (timed in the pytest process by :mod:`bench.cell_clock`).

Timings live here and only here: the tests never assert on them.
"""
