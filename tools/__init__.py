"""The course's build tooling: the book build (`python -m tools.build_book`), the slide decks
(`python -m tools.slides`), the classroom archive (`python -m tools.dist`), the JupyterLab set-up
(`python -m tools.lab`) and a small Sphinx extension linking each chapter page to its deck and notebook.

Nothing here is imported by the chapters.
"""
