"""The benchmark helpers compute what results.md claims. Nothing here measures or asserts a timing."""

from pathlib import Path

import pytest
import torch

from bench.__main__ import closing_note
from bench.build import EDIT_LINE, edit_last_code_cell
from bench.cities import city_loss_and_gradient_loops, city_problem
from bench.common import Target, format_seconds, markdown_table, median
from bench.devices import crossover, descent_step, random_problem, synchronized_clock
from utils.cities import city_objective


def test_median_of_odd_and_even_counts():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_median_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        median([])


def test_format_seconds_picks_a_readable_unit():
    assert format_seconds(2.345) == "2.35 s"
    assert format_seconds(0.0456) == "45.6 ms"
    assert format_seconds(0.000789) == "789 us"
    assert format_seconds(None) == "n/a"


def test_markdown_table_aligns_numbers_right_and_escapes_pipes():
    lines = markdown_table(["name", "count"], [("a|b", 3), ("c", 4)])
    assert lines == ["| name | count |", "|---|---:|", "| a\\|b | 3 |", "| c | 4 |"]


def test_markdown_table_rejects_a_short_row():
    with pytest.raises(ValueError, match="2 cells"):
        markdown_table(["a", "b"], [("only one",)])


def test_city_start_and_distances_are_normalised_and_seeded():
    D, X0 = city_problem()
    assert torch.linalg.norm(D).item() == pytest.approx(1.0, abs=1e-12)
    assert torch.linalg.norm(X0).item() == pytest.approx(1.0, abs=1e-12)
    assert torch.equal(X0, city_problem()[1])


def test_loop_objective_and_hand_gradient_match_autograd():
    D, X0 = city_problem()
    X = X0.clone().requires_grad_(True)
    loss = city_objective(X, D)
    loss.backward()
    loop_loss, loop_gradient = city_loss_and_gradient_loops(X0.tolist(), D.tolist())
    assert loop_loss == pytest.approx(loss.item(), rel=1e-12)
    assert torch.allclose(torch.tensor(loop_gradient, dtype=torch.float64), X.grad, rtol=1e-10, atol=1e-12)


def test_crossover_is_where_the_gpu_stays_faster():
    sizes = [36, 64, 128, 256]
    assert crossover(sizes, cpu=[1, 2, 4, 8], gpu=[3, 3, 3, 3]) == 128
    assert crossover(sizes, cpu=[1, 2, 4, 8], gpu=[0.5, 3, 3, 3]) == 128  # a fluke at 36 is not a crossover
    assert crossover(sizes, cpu=[1, 2, 4, 8], gpu=[9, 9, 9, 9]) is None


def test_edit_changes_only_the_last_code_cell(tmp_path: Path):
    chapter = tmp_path / "01_demo.md"
    chapter.write_text("# T\n\n```{code-cell} ipython3\na = 1\n```\n\ntext\n\n```{code-cell} ipython3\nb = 2\n```\n")
    edit_last_code_cell(chapter)
    assert chapter.read_text() == (
        f"# T\n\n```{{code-cell}} ipython3\na = 1\n```\n\ntext\n\n```{{code-cell}} ipython3\nb = 2\n{EDIT_LINE}\n```\n"
    )


def test_closing_note_says_met_missed_or_not_measured():
    lines = closing_note([Target("a", True, "1x"), Target("b", False, "2x"), Target("c", None, "no GPU")])
    assert lines == ["- **met**: a: 1x.", "- **MISSED**: b: 2x.", "- **not measured**: c: no GPU."]


def test_descent_step_moves_the_points_downhill():
    X, D = random_problem(40, torch.device("cpu"))
    start = X.detach().clone()
    step = descent_step(X, D)
    losses = []
    for _ in range(3):
        step()
        losses.append(city_objective(X.detach(), D).item())
    assert city_objective(start, D).item() > losses[0] > losses[1] > losses[2]
    assert X.shape == (40, 2) and D.shape == (40, 40) and X.is_leaf


def test_clock_waits_for_the_device_before_reading(monkeypatch):
    waited = []
    monkeypatch.setattr("bench.devices.synchronize", lambda device: waited.append(device.type))
    clock = synchronized_clock(torch.device("cuda"))
    first, second = clock(), clock()
    assert waited == ["cuda", "cuda"] and second >= first


def test_build_benchmark_reads_the_chapter_list_of_the_copy(tmp_path: Path):
    from bench.build import chapter_list

    (tmp_path / "notebooks").mkdir()
    for name in ("intro.md", "notebooks/02_b.md", "notebooks/01_a.md"):
        (tmp_path / name).write_text("# x\n")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n- file: notebooks/02_b\n- file: notebooks/01_a\n"
    )
    assert chapter_list(tmp_path) == ["notebooks/02_b", "notebooks/01_a"]  # the toc's order, not the names'


def test_peak_memory_is_read_from_the_cell_the_benchmark_adds():
    from bench.execution import peak_memory

    cell = {"outputs": [{"output_type": "stream", "text": "other\npeak-rss 412.5\n"}]}
    assert peak_memory(cell) == 412.5
    assert peak_memory({"outputs": []}) is None  # the cell did not run (the chapter failed before it)


def test_best_step_takes_the_fewest_evaluations_and_skips_diverged_steps(monkeypatch):
    import bench.cities as cities

    counts = {0.1: 700, 0.4: 350, 0.5: 145, 0.6: None}  # None: diverged

    def fake_race(method):
        record = cities.Recorder()
        lr = method.__defaults__[0]
        record.evaluations = counts[lr] or 3
        record.seconds = None if counts[lr] is None else 0.1
        return record

    monkeypatch.setattr(cities, "race", fake_race)
    monkeypatch.setitem(cities.STEP_SWEEPS, "fixed-step descent", tuple(counts))
    best, seen = cities.best_step("fixed-step descent")
    assert best == 0.5
    assert seen == counts


def test_the_test_run_summary_line_is_found():
    from bench.test_run import SUMMARY

    line = "===== 2 failed, 880 passed, 3 skipped in 612.30s (0:10:12) ====="
    assert SUMMARY.findall(line) == ["2 failed, 880 passed, 3 skipped"]
    quiet = "....\n[100%]\n1019 passed in 428.95s (0:07:08)\n"  # pytest -q: no bars
    assert SUMMARY.findall(quiet) == ["1019 passed"]


def _message(kind: str, request: str, date: str, **content) -> dict:
    return {"msg_type": kind, "parent_header": {"msg_id": request}, "header": {"date": date}, "content": content}


def test_kernel_seconds_run_from_the_cells_input_to_its_own_idle_status():
    from bench.cell_clock import kernel_seconds

    messages = [
        _message("status", "old", "2026-01-01T00:00:00Z", execution_state="idle"),
        _message("status", "req", "2026-01-01T00:00:01Z", execution_state="busy"),
        _message("execute_input", "req", "2026-01-01T00:00:01.250Z"),
        _message("stream", "req", "2026-01-01T00:00:02Z", name="stdout", text="x"),
        _message("status", "other", "2026-01-01T00:00:09Z", execution_state="idle"),  # not this cell's
        _message("status", "req", "2026-01-01T00:00:03.750Z", execution_state="idle"),
    ]
    assert kernel_seconds(messages) == pytest.approx(2.5)
    assert kernel_seconds(messages[:-1]) is None  # no idle yet for this request
    assert kernel_seconds([]) is None


def test_overhead_per_cell_leaves_out_the_cells_the_kernel_and_the_cache_write():
    from bench.test_path import PathRun

    run = PathRun(seconds=20.0, cells=10, in_cells=12.0, start=3.0, stop=1.0, cache_write=2.0)
    assert run.per_cell == pytest.approx(0.2)  # 20 - 12 - 3 - 1 - 2 = 2 s over 10 cells
    assert PathRun(5.0, 10, 6.0, 0.0, 0.0).per_cell == 0.0  # clock skew never gives a negative overhead


def test_test_path_run_is_read_from_the_clock_record_and_fails_if_a_cell_was_not_stored():
    from bench.test_path import from_clock

    record = {"chapter": "01_a", "seconds": 9.0, "kernel_start": 2.0, "kernel_stop": 0.5, "cache_write": 0.5,
              "stored": [0, 1], "cells": [{"cell": "Cell 0", "pytest": 4.0, "kernel": 3.0},
                                         {"cell": "Cell 1", "pytest": 1.0, "kernel": None}]}
    run = from_clock(record)
    assert (run.seconds, run.cells, run.in_cells, run.ok) == (9.0, 2, 3.0, True)
    assert run.slowest == ("Cell 0", 3.0)  # the kernel's seconds, not pytest's
    record["stored"] = [0]
    assert not from_clock(record).ok and "1 of 2 cells" in from_clock(record).note


def test_nbclient_start_and_stop_come_from_the_kernels_stamps():
    from datetime import datetime, timezone

    from bench.execution import start_and_stop

    cells = [
        {"metadata": {"execution": {"iopub.execute_input": "2026-01-01T00:00:02Z",
                                    "shell.execute_reply": "2026-01-01T00:00:03Z"}}},
        {"metadata": {"execution": {"iopub.execute_input": "2026-01-01T00:00:03Z",
                                    "shell.execute_reply": "2026-01-01T00:00:05Z"}}},
    ]
    began = datetime(2026, 1, 1, 0, 0, 0, tzinfo=timezone.utc)
    ended = datetime(2026, 1, 1, 0, 0, 6, 500000, tzinfo=timezone.utc)
    assert start_and_stop(cells, began, ended) == (2.0, 1.5)
    assert start_and_stop([], began, ended) == (None, None)


def test_fastest_run_prefers_one_that_passed():
    from bench.test_path import PathRun, fastest

    failed_fast = PathRun(1.0, 3, 0.5, 0.1, 0.1, ok=False, note="x")
    passed = [PathRun(4.0, 3, 2.0, 1.0, 0.1), PathRun(3.0, 3, 2.0, 0.5, 0.1)]
    assert fastest([failed_fast, *passed]).seconds == 3.0
    assert fastest([failed_fast]).seconds == 1.0


def test_report_compares_the_paths_and_names_both_targets():
    from bench.test_path import PathRun, Runs, report

    runs = Runs(
        floor={"01_a": [2.0, 3.0]},
        nbclient={"01_a": [PathRun(4.0, 2, 2.0, 1.0, 0.1)]},
        test={"01_a": [PathRun(5.0, 2, 2.0, 1.0, 0.1, 0.5)]},
        pytest_process=[8.0],
    )
    section = report(runs, 1)
    row = next(line for line in section.lines if line.startswith("| 01_a"))
    assert "| 1.25 |" in row and row.endswith("| n/a | ok |")
    assert [target.met for target in section.targets] == [False, False, False]  # 1.25x; 2.0x and 2.5x the floor
    assert "1.25x" in section.targets[0].detail and "2.50x" in section.targets[2].detail
    runs.test["01_a"] = [PathRun(4.2, 2, 2.0, 1.0, 0.1)]
    runs.floor["01_a"] = [3.0]
    assert [target.met for target in report(runs, 1).targets] == [True, True, True]


def test_cells_are_sorted_into_set_up_explorable_animation_and_other(tmp_path: Path):
    from bench.test_path import cell_kinds

    chapter = tmp_path / "chapter.md"
    chapter.write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\n---\n\n"
        + "".join(f"```{{code-cell}} ipython3\n{source}\n```\n\n" for source in [
            "import torch", "x = utils.explorable(fig, draw, values, words, label='lr')",
            "movie = FuncAnimation(fig, draw_frame, frames=21)", "print(1 + 1)",
        ]),
        encoding="utf-8",
    )
    assert cell_kinds(chapter) == {"Cell 0": "set-up cell", "Cell 1": "explorable figures",
                                   "Cell 2": "animations", "Cell 3": "other cells"}


def test_time_by_kind_sums_the_kernels_seconds_and_keeps_the_rest_outside():
    from bench.test_path import PathRun, time_by_kind

    run = PathRun(10.0, 3, 6.0, 1.0, 0.5, by_cell=[("Cell 0", 2.0), ("Cell 1", 3.0), ("Cell 2", 1.0)])
    spent = time_by_kind(run, {"Cell 0": "set-up cell", "Cell 1": "explorable figures", "Cell 2": "other cells"})
    assert spent == {"set-up cell": 2.0, "explorable figures": 3.0, "animations": 0.0, "other cells": 1.0,
                     "outside the cells": 4.0}


def test_load_report_fails_a_chapter_that_failed_in_any_run():
    from bench.load import report
    from bench.test_path import PathRun

    good = PathRun(5.0, 3, 4.0, 0.5, 0.1)
    bad = PathRun(6.0, 3, 4.0, 0.5, 0.1, ok=False, note="; first failure: notebooks/a.md::Cell 2 - AssertionError")
    section = report({"busy": {"a": [good, bad], "b": [good]}, "one thread": {"a": [good], "b": [good]}},
                     {"busy": [11.0, 12.0], "one thread": [10.0]}, 2)
    assert [target.met for target in section.targets] == [False, True]
    assert "1 failed: a" in section.targets[0].detail
    row = next(line for line in section.lines if line.startswith("| a "))
    assert "FAILED: first failure: notebooks/a.md::Cell 2" in row and "6 s" in row
