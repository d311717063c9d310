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
