"""Turn a chapter's MyST markdown into plain Markdown a reveal.js deck can show.

nbconvert renders a markdown cell with a CommonMark renderer that knows nothing of MyST: a
```{exercise} fence would appear as a code block and `{ref}` roles as raw text. This module
rewrites those constructs into readable Markdown: an exercise becomes an "Exercise" heading and its
text, an admonition a titled quote, a math directive display math, a role its visible text.
Solutions (`{solution-start}` ... `{solution-end}`, `{solution}`) are dropped: they are for reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# An opening fence: ```{name} argument   or   :::{name} argument  (3 or more characters).
_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:.-]+)\}[ \t]*(?P<arg>.*?)[ \t]*$")
# A plain code fence (```python, ~~~): copied through untouched, MyST inside is not parsed.
_CODE_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})(?!\{)")
_OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
_TARGET = re.compile(r"^[ \t]*\([\w:.-]+\)=[ \t]*$")
_COMMENT = re.compile(r"^[ \t]*%")
_ROLE = re.compile(r"\{(?P<name>[\w:.-]+)\}`(?P<text>[^`]*)`")
_EXPLICIT_TARGET = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$")
_DISPLAY_MATH_LABEL = re.compile(r"^(?P<math>[ \t]*\$\$)[ \t]*\([\w:.-]+\)[ \t]*$")

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


@dataclass
class Directive:
    """One MyST directive: its name, argument, options and body lines (options removed)."""

    name: str
    argument: str
    options: dict[str, str]
    body: list[str]


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


def convert_roles(line: str) -> str:
    """Replace every `{role}`text`` in a line by what it shows."""
    return _ROLE.sub(lambda match: _role_text(match["name"], match["text"]), line)


def render_directive(directive: Directive) -> list[str]:
    """Plain Markdown lines for one directive whose body is already converted."""
    name, body = directive.name, directive.body
    title = directive.argument.strip()
    if name in DROPPED:
        return []
    if name in ("exercise", "exercise-start"):
        heading = "#### Exercise" + (f": {convert_roles(title)}" if title else "")
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
    if name in ("figure", "image"):
        alt = directive.options.get("alt", "")
        caption = " ".join(line.strip() for line in body if line.strip())
        return [f"![{alt or caption}]({title})", *([f"*{caption}*"] if caption and name == "figure" else [])]
    if name in ("epigraph", "pull-quote", "blockquote"):
        return [f"> {line}" if line.strip() else ">" for line in body]
    # Anything else (margin, sidebar, topic, ...): its title in bold, then its text.
    return ([f"**{convert_roles(title)}**", ""] if title else []) + body


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _convert_lines(lines: list[str], inside_solution: bool = False) -> list[str]:
    out: list[str] = []
    index = 0
    dropping_solution = inside_solution
    while index < len(lines):
        line = lines[index]
        code = _CODE_FENCE.match(line)
        opening = _OPEN.match(line)
        if code and not opening:
            # A literal code block: copy it through to its closing fence.
            fence = code["fence"]
            block = [line]
            index += 1
            while index < len(lines):
                block.append(lines[index])
                index += 1
                if _closes(block[-1], fence):
                    break
            if not dropping_solution:
                out.extend(block)
            continue
        if opening:
            fence = opening["fence"]
            depth, end = 0, index + 1
            # Find the matching close, counting nested fences of the same character and length.
            while end < len(lines):
                inner = _OPEN.match(lines[end])
                if inner and inner["fence"] == fence:
                    depth += 1
                elif _closes(lines[end], fence):
                    if depth == 0:
                        break
                    depth -= 1
                end += 1
            name = opening["name"]
            options, body = _split_options(lines[index + 1 : end])
            index = end + 1
            if name == "solution-start":
                dropping_solution = True
                continue
            if name == "solution-end":
                dropping_solution = False
                continue
            if dropping_solution:
                continue
            if name in ("code", "code-block", "sourcecode", "math"):
                converted_body = body
            else:
                converted_body = _convert_lines(body)
            out.extend(render_directive(Directive(name, opening["arg"], options, converted_body)))
            continue
        index += 1
        if dropping_solution or _TARGET.match(line) or _COMMENT.match(line):
            continue
        label = _DISPLAY_MATH_LABEL.match(line)
        out.append(label["math"] if label else convert_roles(line))
    return out


def myst_to_markdown(source: str, inside_solution: bool = False) -> str:
    """Plain Markdown (CommonMark with `$` math) for one MyST markdown cell.

    `inside_solution`: the cell starts inside a gated solution opened by an earlier cell, so
    everything up to its `{solution-end}` is dropped.
    """
    return "\n".join(_convert_lines(source.splitlines(), inside_solution)).strip("\n")


def inside_solution_after(source: str, inside_solution: bool) -> bool:
    """Whether a gated solution is still open after this markdown cell."""
    for match in map(_OPEN.match, source.splitlines()):
        if match and match["name"] == "solution-start":
            inside_solution = True
        elif match and match["name"] == "solution-end":
            inside_solution = False
    return inside_solution
