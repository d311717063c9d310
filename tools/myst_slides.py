"""Turn a chapter's MyST markdown into plain Markdown a reveal.js deck can show.

nbconvert renders a markdown cell with a CommonMark renderer that knows nothing of MyST: a
```{exercise} fence would appear as a code block and `{ref}` roles as raw text. This module reads
the cell with the parser the book itself uses (myst-parser's markdown-it, with the extensions
`_config.yml` enables) and rewrites only what that parser reports as MyST: a directive becomes
readable Markdown (an exercise an "Exercise" heading and its text, an admonition a titled quote, a
math directive display math, a literalinclude the code it includes), a role its visible text, a
target or a comment nothing. Everything else, code spans and code blocks included, is copied
through character for character, so `` `{math}`x` `` inside a code span stays code and a directive
inside a list item stays in the item.
Solutions (`{solution-start}` ... `{solution-end}`, `{solution}`) are dropped: they are for reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_DIR = ROOT / "notebooks"  # where the chapters are: a literalinclude path starts here
# Used only when _config.yml names none: the extensions the book has always enabled.
DEFAULT_EXTENSIONS = ("amsmath", "colon_fence", "dollarmath", "linkify", "substitution")

_DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<arg>.*?)\s*$")
_OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
_EXPLICIT_TARGET = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$")
# Block tokens that the converter removes from a slide entirely.
_REMOVED_BLOCKS = {"myst_target", "myst_line_comment", "myst_block_break"}

ADMONITIONS = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
}
DROPPED = {"solution", "solution-end", "exercise-end", "glossary", "bibliography", "tableofcontents"}
LITERAL = {"code", "code-block", "sourcecode", "math", "literalinclude"}  # bodies copied as written, not parsed as MyST


EXERCISES = ("exercise", "exercise-start")


@dataclass
class ExerciseNumbers:
    """Numbers a chapter's exercises as sphinx-exercise does in a numbered book: "<chapter>.<n>",
    n counting the chapter's exercises in order (one with `:nonumber:` gets none, nor a number)."""

    chapter: int
    count: int = 0

    def take(self, options: dict[str, str]) -> str:
        if "nonumber" in options:
            return ""
        self.count += 1
        return f"{self.chapter}.{self.count}"

    def skip(self, source: str) -> None:
        """Count the exercises of a cell that the deck leaves out (they still take a number)."""
        for token in parser().parse(source):
            directive = _directive(token)
            if directive and directive[0] in EXERCISES:
                options, _ = _split_options(token.content.split("\n"))
                self.take(options)


@dataclass
class Directive:
    """One MyST directive: its name, argument, options and body lines (options removed)."""

    name: str
    argument: str
    options: dict[str, str]
    body: list[str]


def book_extensions(root: Path = ROOT) -> tuple[str, ...]:
    """The MyST extensions `_config.yml` enables (parse.myst_enable_extensions)."""
    import yaml

    path = root / "_config.yml"
    if not path.exists():
        return DEFAULT_EXTENSIONS
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple((config.get("parse") or {}).get("myst_enable_extensions") or DEFAULT_EXTENSIONS)


def _remember_role_spans(rule):
    """Wrap markdown-it's role rule so each role token records where it sits in its inline source."""

    def rule_with_span(state, silent: bool) -> bool:
        start = state.pos
        found = rule(state, silent)
        if found and not silent:
            state.tokens[-1].meta["span"] = (start, state.pos)
        return found

    return rule_with_span


@lru_cache(maxsize=4)
def parser(extensions: tuple[str, ...] | None = None):
    """myst-parser's markdown-it parser, configured like the book's (roles remember their position)."""
    from markdown_it.renderer import RendererHTML
    from mdit_py_plugins.myst_role.index import myst_role
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig(enable_extensions=set(extensions if extensions is not None else book_extensions()))
    md = create_md_parser(config, RendererHTML)
    md.inline.ruler.at("myst_role", _remember_role_spans(myst_role))
    return md


def _split_options(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Separate a directive body's leading `:key: value` lines (or a `---` YAML block) from its text."""
    options: dict[str, str] = {}
    index = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            for line in lines[1:end]:
                key, _, value = line.partition(":")
                options[key.strip()] = value.strip()
            index = end + 1
    while index < len(lines):
        match = _OPTION.match(lines[index])
        if not match:
            break
        options[match["key"]] = match["value"]
        index += 1
    while index < len(lines) and not lines[index].strip():
        index += 1
    return options, lines[index:]


def _role_text(name: str, text: str) -> str:
    """What a role shows on a slide."""
    explicit = _EXPLICIT_TARGET.match(text)
    if name == "math":
        return f"${text}$"
    if name in ("sup", "sub"):
        return f"<{name}>{text}</{name}>"
    if name == "eq":
        return f"({text})"
    if name == "abbr":
        return re.sub(r"\s*\(.*\)$", "", text)
    if explicit and explicit["title"]:
        return explicit["title"]
    if explicit:
        text = explicit["target"]
    if name in ("ref", "numref", "doc", "download", "prf:ref"):
        return text.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    return text


def _role_edits(content: str, children: list) -> list[tuple[int, int, str]]:
    """(start, end, text) in `content` for each role the parser found in it."""
    return [
        (*child.meta["span"], _role_text(child.meta["name"], child.content))
        for child in children or []
        if child.type == "myst_role" and "span" in child.meta
    ]


def convert_roles(text: str) -> str:
    """Replace every role in one line of inline MyST by what it shows (code spans untouched)."""
    tokens = parser().parseInline(text)
    for start, end, replacement in sorted(_role_edits(text, tokens[0].children if tokens else []), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def render_directive(directive: Directive, number: str = "") -> list[str]:
    """Plain Markdown lines for one directive whose body is already converted.

    `number`: an exercise's number as the book shows it ("9.2"), or "" for none.
    """
    name, body = directive.name, directive.body
    title = directive.argument.strip()
    if name in DROPPED:
        return []
    if name in ("exercise", "exercise-start"):
        heading = "#### Exercise" + (f" {number}" if number else "") + (f": {convert_roles(title)}" if title else "")
        return [heading, "", *body]
    if name == "math":
        return ["$$", *[line for line in body if line.strip()], "$$"]
    if name in ("code", "code-block", "sourcecode"):
        return [f"```{title}", *body, "```"]
    if name in ADMONITIONS or name in ("admonition", "dropdown", "card"):
        label = ADMONITIONS.get(name, "")
        heading = convert_roles(title) if title else label
        quoted = [f"> {line}" if line.strip() else ">" for line in body]
        return ([f"> **{heading}**", ">"] if heading else []) + quoted
    if name == "literalinclude":
        return [f"```{directive.options.get('language', 'python')}", *included_source(title, directive.options), "```"]
    if name in ("figure", "image"):
        alt = directive.options.get("alt", "")
        caption = " ".join(line.strip() for line in body if line.strip())
        return [f"![{alt or caption}]({title})", *([f"*{caption}*"] if caption and name == "figure" else [])]
    if name in ("epigraph", "pull-quote", "blockquote"):
        return [f"> {line}" if line.strip() else ">" for line in body]
    # Anything else (margin, sidebar, topic, ...): its title in bold, then its text.
    return ([f"**{convert_roles(title)}**", ""] if title else []) + body


def included_source(path: str, options: dict[str, str], base: Path = CHAPTER_DIR) -> list[str]:
    """The lines a `literalinclude` shows: the file (relative to the chapters), or one `:pyobject:` of it."""
    import ast

    file = (base / path).resolve()
    if not file.is_file():
        raise FileNotFoundError(f"literalinclude: {file} does not exist (the path is relative to {base})")
    text = file.read_text(encoding="utf-8")
    name = options.get("pyobject")
    if not name:
        return text.rstrip("\n").split("\n")
    scope: list[ast.stmt] = ast.parse(text).body
    found = None
    for part in name.split("."):
        found = next(
            (node for node in scope if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == part), None
        )
        if found is None:
            raise ValueError(f"literalinclude: {file} has no {name!r} for :pyobject:")
        scope = found.body
    start = min([found.lineno] + [decorator.lineno for decorator in found.decorator_list])
    return text.split("\n")[start - 1 : found.end_lineno]


def _directive(token) -> tuple[str, str] | None:
    """(name, argument) when a fence token is a MyST directive (```{name} argument)."""
    if token.type not in ("fence", "colon_fence"):
        return None
    match = _DIRECTIVE.match(token.info.strip())
    return (match["name"], match["arg"]) if match else None


class _Source:
    """A cell's text with its line offsets, so line-based token maps become character offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def offset(self, line: int) -> int:
        """Character offset where `line` starts (the text's length past its end)."""
        return min(self.starts[min(line, len(self.lines))], len(self.text))

    def block(self, token) -> tuple[int, int]:
        """Character range of a block token's lines, its last newline included."""
        start, end = token.map
        return self.offset(start), min(self.offset(end), len(self.text))

    def inline_offsets(self, token) -> list[int | None]:
        """For each character of an inline token's content, its offset in the text (None: not found).

        The parser strips each line's indentation (list items, block quotes) and a heading's `#`s;
        every content line is still found, in order, in its source line.
        """
        offsets: list[int | None] = []
        start_line = token.map[0]
        for number, part in enumerate(token.content.split("\n")):
            line_index = start_line + number
            line = self.lines[line_index] if line_index < len(self.lines) else ""
            column = line.find(part)
            base = self.offset(line_index) + column if column >= 0 else None
            offsets += [None if base is None else base + i for i in range(len(part))]
            offsets.append(None if base is None else base + len(part))  # the newline (or the end)
        return offsets


def _directive_lines(token, name: str, argument: str, source: _Source, numbers: ExerciseNumbers | None) -> list[str]:
    """The directive's replacement lines, indented like its opening fence (inside a list item too)."""
    options, body = _split_options(token.content.rstrip("\n").split("\n") if token.content.strip() else [])
    number = numbers.take(options) if numbers is not None and name in EXERCISES else ""
    if name not in LITERAL:
        body = _convert("\n".join(body), False, numbers).split("\n") if body else []
    lines = render_directive(Directive(name, argument, options, body), number)
    opening = source.lines[token.map[0]]
    column = max(opening.find(token.markup), 0)
    first, rest = opening[:column], "".join(c if c in ">\t" else " " for c in opening[:column])
    indented = []
    for number, line in enumerate(lines):
        prefix = first if number == 0 else rest
        indented.append(prefix + line if line else prefix.rstrip())
    if not indented and first.strip():
        return [first.rstrip()]  # an emptied list item keeps its marker
    return indented


def _convert(text: str, inside_solution: bool, numbers: ExerciseNumbers | None = None) -> str:
    source = _Source(text)
    edits: list[tuple[int, int, str]] = []
    dropping_from = 0 if inside_solution else None
    for token in parser().parse(text):
        if token.map is None:
            continue
        directive = _directive(token)
        name = directive[0] if directive else None
        if dropping_from is not None:
            if name == "solution-end":
                edits.append((dropping_from, source.block(token)[1], ""))
                dropping_from = None
            continue
        if name == "solution-start":
            dropping_from = source.block(token)[0]
        elif directive:
            start, end = source.block(token)
            lines = _directive_lines(token, name, directive[1], source, numbers)
            ends_with_newline = text[start:end].endswith("\n")
            edits.append((start, end, "\n".join(lines) + ("\n" if lines and ends_with_newline else "")))
        elif token.type in _REMOVED_BLOCKS:
            edits.append((*source.block(token), ""))
        elif token.type == "math_block_label":
            start, end = source.block(token)
            body = [line for line in token.content.split("\n") if line.strip()]
            edits.append((start, end, "\n".join(["$$", *body, "$$"]) + ("\n" if text[start:end].endswith("\n") else "")))
        elif token.type == "inline":
            offsets = source.inline_offsets(token)
            for start, end, replacement in _role_edits(token.content, token.children):
                if offsets[start] is not None and offsets[end] is not None:
                    edits.append((offsets[start], offsets[end], replacement))
    if dropping_from is not None:
        edits.append((dropping_from, len(text), ""))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def myst_to_markdown(source: str, inside_solution: bool = False, numbers: ExerciseNumbers | None = None) -> str:
    """Plain Markdown (CommonMark with `$` math) for one MyST markdown cell.

    `inside_solution`: the cell starts inside a gated solution opened by an earlier cell, so
    everything up to its `{solution-end}` is dropped. `numbers`: the chapter's exercise counter
    (exercise headings then read "Exercise 9.2", as in the book); without it they are unnumbered.
    """
    text = _convert(source.replace("\r\n", "\n"), inside_solution, numbers)
    return "\n".join(line.rstrip() if not line.strip() else line for line in text.split("\n")).strip("\n")


def inside_solution_after(source: str, inside_solution: bool) -> bool:
    """Whether a gated solution is still open after this markdown cell."""
    for token in parser().parse(source):
        directive = _directive(token)
        if directive and directive[0] == "solution-start":
            inside_solution = True
        elif directive and directive[0] == "solution-end":
            inside_solution = False
    return inside_solution
