"""tools.assets: the one list of front-end files the book and the decks serve."""

import pytest

from tools import assets


def fake_node_modules(root, entries):
    for source, _ in entries:
        path = root / source
        if "." in path.name:  # a file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source)
        else:  # a folder with one file in it
            path.mkdir(parents=True, exist_ok=True)
            (path / "inner.txt").write_text(source)
    return root


def test_every_listed_asset_is_installed_by_npm():
    if not assets.NODE_MODULES.is_dir():
        pytest.skip("node_modules is not installed (run `make setup`)")
    missing = [source for source, _ in assets.BOOK + assets.DECKS if not (assets.NODE_MODULES / source).exists()]
    assert not missing, f"package.json no longer installs: {missing}"


def test_stage_book_puts_each_file_at_its_destination_and_nothing_else(tmp_path):
    node_modules = fake_node_modules(tmp_path / "node_modules", assets.BOOK)
    target = tmp_path / "assets"
    (target / "stale").mkdir(parents=True)
    assets.stage_book(target, node_modules)
    assert (target / "mathjax" / "tex-chtml.js").read_text() == "mathjax/es5/tex-chtml.js"
    assert (target / "mathjax/output/chtml/fonts/woff-v2/inner.txt").exists()
    assert not (target / "stale").exists()


def test_a_missing_asset_names_the_path_and_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"mathjax/es5/tex-chtml\.js is missing.*make setup"):
        assets.copy_assets(assets.BOOK, tmp_path / "out", tmp_path / "node_modules")
    assert not (tmp_path / "out").exists()  # nothing half-copied


def test_the_command_line_reports_a_missing_node_modules(tmp_path, capsys):
    assert assets.main([str(tmp_path / "out"), "--node-modules", str(tmp_path / "nothing")]) == 1
    assert "npm ci" in capsys.readouterr().err
