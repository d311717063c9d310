"""tools.myst_slides reads MyST with the book's own parser: only what the parser calls MyST is rewritten."""

from __future__ import annotations

from markdown_it import MarkdownIt

from tools.myst_slides import book_extensions, convert_roles, inside_solution_after, myst_to_markdown


def commonmark_tokens(markdown: str) -> list[str]:
    """The block structure nbconvert's CommonMark renderer would see, as token types."""
    return [token.type for token in MarkdownIt("commonmark").parse(markdown)]


def test_a_role_inside_a_code_span_stays_code():
    source = "Type `` {math}`x^2` `` to get {math}`x^2`, or `{ref}` alone."
    assert myst_to_markdown(source) == "Type `` {math}`x^2` `` to get $x^2$, or `{ref}` alone."


def test_roles_in_headings_links_and_table_cells():
    source = (
        "## Slope {math}`f'(x)`\n\n"
        "See [the rule {math}`a`](https://example.org) and {numref}`Figure %s <fig-map>`.\n\n"
        "| symbol | meaning |\n|---|---|\n| {math}`w` | `{math}`w`` in code |\n"
    )
    assert myst_to_markdown(source) == (
        "## Slope $f'(x)$\n\n"
        "See [the rule $a$](https://example.org) and Figure %s.\n\n"
        "| symbol | meaning |\n|---|---|\n| $w$ | `{math}`w`` in code |"
    )


def test_nested_lists_keep_their_shape_and_lose_their_roles():
    source = "- one {math}`x`\n  - two {ref}`the loop <gd-loop>`\n    - three\n- four"
    text = myst_to_markdown(source)
    assert text == "- one $x$\n  - two the loop\n    - three\n- four"
    assert commonmark_tokens(text) == commonmark_tokens(source)


def test_a_directive_inside_a_list_item_stays_in_the_item():
    source = "1. Step one\n\n   ```{note}\n   Mind {math}`y`.\n   ```\n2. Step two"
    text = myst_to_markdown(source)
    assert text == "1. Step one\n\n   > **Note**\n   >\n   > Mind $y$.\n2. Step two"
    tokens = commonmark_tokens(text)
    assert tokens.count("list_item_open") == 2 and tokens.count("ordered_list_open") == 1
    assert tokens.index("blockquote_open") < tokens.index("list_item_close")  # the quote is inside item 1


def test_a_directive_opening_a_list_item_keeps_the_marker():
    text = myst_to_markdown("- ```{math}\n  a = b\n  ```\n- next")
    assert text == "- $$\n  a = b\n  $$\n- next"


def test_nested_colon_fences_convert_from_the_outside_in():
    source = "::::{exercise}\n:label: ch-ex2\nSolve it.\n\n:::{hint}\nUse {math}`x = 1`.\n:::\n::::"
    assert myst_to_markdown(source).split("\n") == [
        "#### Exercise",
        "",
        "Solve it.",
        "",
        "> **Hint**",
        ">",
        "> Use $x = 1$.",
    ]


def test_a_code_fence_showing_a_directive_is_copied_as_written():
    source = "````markdown\n```{note}\nA {math}`role`.\n```\n````"
    assert myst_to_markdown(source) == source


def test_targets_comments_and_labelled_display_math():
    source = "(sec-grad)=\n## Gradient\n\n% a note for authors\n$$\n\\nabla f\n$$ (eq-grad)\n\nText."
    assert myst_to_markdown(source) == "## Gradient\n\n$$\n\\nabla f\n$$\n\nText."


def test_a_solution_opened_in_a_list_cell_is_tracked_by_directive_not_by_text():
    assert inside_solution_after("````{solution-start} e1\n:class: dropdown\n````", False) is True
    assert inside_solution_after("```\n{solution-start} e1\n```", False) is False  # a code block, not a directive
    assert inside_solution_after("```{solution-end}\n```\n\nBack.", True) is False
    assert myst_to_markdown("The answer.\n\n```{solution-end}\n```\n\nBack.", inside_solution=True) == "Back."


def test_title_roles_and_the_books_extensions():
    assert convert_roles("Why {math}`x` and `{math}`x``") == "Why $x$ and `{math}`x``"
    assert {"colon_fence", "dollarmath"} <= set(book_extensions())


def test_a_literalinclude_shows_the_included_function_as_code():
    source = "```{literalinclude} ../utils/cities.py\n:pyobject: city_objective\n```"
    lines = myst_to_markdown(source).split("\n")
    assert lines[0] == "```python" and lines[-1] == "```"
    assert lines[1].startswith("def city_objective(") and "torch.cdist" in "\n".join(lines)
    assert not any(line.startswith("import") for line in lines)  # only the function, not the module
