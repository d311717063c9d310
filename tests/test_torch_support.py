"""utils.torch_support: torch's internal jit warning silenced, and nothing else."""

from __future__ import annotations

import subprocess
import sys
import warnings

from utils import torch_support


def test_only_the_jit_script_warning_is_silenced():
    message = "`torch.jit.script` is deprecated. Please switch to `torch.compile` or `torch.export`."
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch_support.without_torch_jit_warning(lambda: warnings.warn(message, FutureWarning))  # 2.14+
        torch_support.without_torch_jit_warning(lambda: warnings.warn(message, DeprecationWarning))  # 2.13
        torch_support.without_torch_jit_warning(lambda: warnings.warn("something else", FutureWarning))
        torch_support.without_torch_jit_warning(lambda: warnings.warn(message, UserWarning))
    assert [str(w.message) for w in caught] == ["something else", message]


def test_the_result_of_the_call_comes_back():
    assert torch_support.without_torch_jit_warning(lambda: 42) == 42


def test_forward_mode_after_loading_writes_no_warning():
    # A fresh process: forward-mode AD loads its rules once per process.
    code = (
        "import warnings; warnings.simplefilter('error')\n"
        "import torch, utils\n"
        "utils.load_forward_ad()\n"
        "print(torch.func.jacfwd(torch.sin)(torch.zeros(3)).diagonal().tolist())"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.strip() == "[1.0, 1.0, 1.0]"


def test_the_oldest_supported_torch_is_the_one_the_package_declares():
    import importlib.metadata

    requires = importlib.metadata.requires("autodiff-course-utils") or []
    assert f"torch>={torch_support.OLDEST_TORCH}" in requires, requires
