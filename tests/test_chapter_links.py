"""tools.chapter_links: the header buttons of a chapter page (Slides, the .ipynb download, Colab)."""

from __future__ import annotations

from types import SimpleNamespace

from tools import chapter_links

PAGE = "notebooks/03_sine_fit"


def buttons_of(pagename: str = PAGE, kernelspec: bool = True) -> list[dict]:
    app = SimpleNamespace(env=SimpleNamespace(metadata={pagename: {"kernelspec": {}} if kernelspec else {}}))
    context = {"header_buttons": [{"label": "download-buttons", "buttons": []}], "pathto": lambda path, _: f"../{path}"}
    chapter_links.add_chapter_buttons(app, pagename, "page.html", context, None)
    return context["header_buttons"]


def test_a_chapter_gets_slides_and_its_notebook(monkeypatch):
    monkeypatch.delenv("COURSE_COLAB_REPO", raising=False)
    buttons = buttons_of()
    labels = [button["label"] for button in buttons]
    assert labels == ["slides-button", "download-buttons"], labels
    assert buttons[0]["url"] == "../slides/03_sine_fit.slides.html"
    assert buttons[1]["buttons"][0]["url"] == "../_sources/notebooks/03_sine_fit.ipynb"


def test_no_colab_button_unless_the_publishing_workflow_writes_its_target(monkeypatch):
    monkeypatch.delenv("COURSE_COLAB_REPO", raising=False)
    assert chapter_links.colab_url(PAGE) is None
    assert "colab-button" not in [button["label"] for button in buttons_of()]
    monkeypatch.setenv("COURSE_COLAB_REPO", "someone/autodiff-course")
    colab = next(button for button in buttons_of() if button["label"] == "colab-button")
    expected = "https://colab.research.google.com/github/someone/autodiff-course/blob/colab-notebooks/notebooks/03_sine_fit.ipynb"
    assert colab["url"] == expected


def test_the_colab_branch_is_the_one_the_workflow_pushes():
    workflow = (chapter_links.Path(__file__).resolve().parents[1] / ".github" / "workflows" / "pages.yml").read_text()
    assert f"HEAD:{chapter_links.COLAB_BRANCH}" in workflow and "COURSE_COLAB_REPO: ${{ github.repository }}" in workflow
    assert "cp _build/html/_sources/notebooks/*.ipynb" in workflow


def test_pages_that_are_not_chapters_get_nothing(monkeypatch):
    monkeypatch.setenv("COURSE_COLAB_REPO", "someone/autodiff-course")
    assert [button["label"] for button in buttons_of("intro", kernelspec=False)] == ["download-buttons"]
