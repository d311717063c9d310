"""utils.device: the device choice and the run report."""

import time

import torch

from utils.device import pick_device, run_report


def test_picks_cpu_when_no_gpu(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device() == torch.device("cpu")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "cpu" in out


def test_prefers_cuda_then_mps(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Test GPU")
    assert pick_device().type == "cuda"
    assert "Test GPU" in capsys.readouterr().out
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device().type == "mps"


def test_quiet_mode_prints_nothing(capsys):
    pick_device(verbose=False)
    assert capsys.readouterr().out == ""


def test_run_report_names_version_device_and_time():
    report = run_report(torch.device("cpu"), time.perf_counter() - 2.0)
    assert torch.__version__ in report and "device cpu" in report
    seconds = float(report.split("ran in ")[1].split(" s")[0])
    assert 2.0 <= seconds < 60


def test_synchronize_waits_on_the_device_it_is_given(monkeypatch):
    from utils.device import synchronize

    waited = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: waited.append(("cuda", device)))
    monkeypatch.setattr(torch.mps, "synchronize", lambda: waited.append(("mps", None)))
    synchronize(torch.device("cpu"))
    assert waited == []  # the CPU has no queue to wait for
    synchronize(torch.device("cuda", 1))
    synchronize(torch.device("mps"))
    assert waited == [("cuda", torch.device("cuda", 1)), ("mps", None)]
