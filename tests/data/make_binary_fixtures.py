"""Make the binary fixtures of tests/data/pdf and tests/data/docx.

Run from the project folder: `.venv/bin/python tests/data/make_binary_fixtures.py`.
It needs Debian's `chromium` (the text PDF), Pillow (the scanned page) and
pypdf (encryption) besides python-docx; Pillow and pypdf are not Kavosh
dependencies: `.venv/bin/pip install pillow pypdf` first.

The text is Click's documentation (BSD-3-Clause, Copyright 2014 Pallets),
taken from the click 8.1.7 sdist on PyPI: `docs/why.rst` (the PDF) and
`docs/parameters.rst` up to "Implementing Custom Types" (the Word file,
whose list of parameter types is set as a table). reST markup was removed
(roles and ``literals`` keep their text; `.. autoclass::` lines dropped).

- `why-click.pdf`: Chromium's print of the page, several pages, with
  Chromium's running header (date, title) and footer (address, page n/N),
  a paragraph that a page break cuts mid-sentence, and long words that may
  break at a line end with a hyphen (soft hyphens in the HTML).
- `scanned.pdf`: one page that is only an image of text (no text layer).
- `encrypted.pdf`: `why-click.pdf` locked with the user password "kavosh".
- `parameters.docx`: headings (Heading 1, 2), paragraphs, a bulleted list
  and a table.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

WHY_CLICK = [
    (
        "h1",
        "Why Click?",
    ),
    (
        "p",
        "There are so many libraries out there for writing command line utilities; why does Click"
        " exist?",
    ),
    (
        "p",
        "This question is easy to answer: because there is not a single command line utility for "
        "Python out there which ticks the following boxes:",
    ),
    (
        "ul",
        [
            "Is lazily composable without restrictions.",
            "Supports implementation of Unix/POSIX command line conventions.",
            "Supports loading values from environment variables out of the box.",
            "Support for prompting of custom values.",
            "Is fully nestable and composable.",
            "Supports file handling out of the box.",
            "Comes with useful common helpers (getting terminal dimensions, ANSI colors, fetching"
            " direct keyboard input, screen clearing, finding config paths, launching apps and "
            "editors, etc.).",
        ],
    ),
    (
        "p",
        "There are many alternatives to Click; the obvious ones are optparse and argparse from "
        "the standard library. Have a look to see if something else resonates with you.",
    ),
    (
        "p",
        "Click actually implements its own parsing of arguments and does not use optparse or "
        "argparse following the optparse parsing behavior. The reason it's not based on argparse "
        "is that argparse does not allow proper nesting of commands by design and has some "
        "deficiencies when it comes to POSIX compliant argument handling.",
    ),
    (
        "p",
        "Click is designed to be fun and customizable but not overly flexible. For instance, the "
        "customizability of help pages is constrained. This constraint is intentional because "
        "Click promises multiple Click instances will continue to function as intended when "
        "strung together.",
    ),
    (
        "p",
        "Too much customizability would break this promise.",
    ),
    (
        "p",
        "Click was written to support the Flask microframework ecosystem because no tool could "
        "provide it with the functionality it needed.",
    ),
    (
        "p",
        "To get an understanding of what Click is all about, I strongly recommend looking at the "
        "complex-guide chapter.",
    ),
    (
        "h2",
        "Why not Argparse?",
    ),
    (
        "p",
        "Click is internally based on optparse instead of argparse. This is an implementation "
        "detail that a user does not have to be concerned with. Click is not based on argparse "
        "because it has some behaviors that make handling arbitrary command line interfaces hard:",
    ),
    (
        "ul",
        [
            "argparse has built-in behavior to guess if something is an argument or an option. "
            "This becomes a problem when dealing with incomplete command lines; the behaviour "
            "becomes unpredictable without full knowledge of a command line. This goes against "
            "Click's ambitions of dispatching to subparsers.",
            "argparse does not support disabling interspersed arguments. Without this feature, "
            "it's not possible to safely implement Click's nested parsing.",
        ],
    ),
    (
        "h2",
        "Why not Docopt etc.?",
    ),
    (
        "p",
        "Docopt, and many tools like it, are cool in how they work, but very few of these tools "
        "deal with nesting of commands and composability in a way like Click. To the best of the "
        "developer's knowledge, Click is the first Python library that aims to create a level of "
        "composability of applications that goes beyond what the system itself supports.",
    ),
    (
        "p",
        "Docopt, for instance, acts by parsing your help pages and then parsing according to "
        "those rules. The side effect of this is that docopt is quite rigid in how it handles the"
        " command line interface. The upside of docopt is that it gives you strong control over "
        "your help page; the downside is that due to this it cannot rewrap your output for the "
        "current terminal width, and it makes translations hard. On top of that, docopt is "
        "restricted to basic parsing. It does not handle argument dispatching and callback "
        "invocation or types. This means there is a lot of code that needs to be written in "
        "addition to the basic help page to handle the parsing results.",
    ),
    (
        "p",
        "Most of all, however, it makes composability hard. While docopt does support dispatching"
        " to subcommands, it, for instance, does not directly support any kind of automatic "
        "subcommand enumeration based on what's available or it does not enforce subcommands to "
        "work in a consistent way.",
    ),
    (
        "p",
        "This is fine, but it's different from how Click wants to work. Click aims to support "
        "fully composable command line user interfaces by doing the following:",
    ),
    (
        "ul",
        [
            "Click does not just parse, it also dispatches to the appropriate code.",
            "Click has a strong concept of an invocation context that allows subcommands to "
            "respond to data from the parent command.",
            "Click has strong information available for all parameters and commands, so it can "
            "generate unified help pages for the full CLI and assist the user in converting the "
            "input data as necessary.",
            "Click has a strong understanding of what types are, and it can give the user "
            "consistent error messages if something goes wrong. A subcommand written by a "
            "different developer will not suddenly die with a different error message because "
            "it's manually handled.",
            "Click has enough meta information available for its whole program to evolve over "
            "time and improve the user experience without forcing developers to adjust their "
            "programs. For instance, if Click decides to change how help pages are formatted, all"
            " Click programs will automatically benefit from this.",
        ],
    ),
    (
        "p",
        "The aim of Click is to make composable systems. Whereas, the aim of docopt is to build "
        "the most beautiful and hand-crafted command line interfaces. These two goals conflict "
        "with one another in subtle ways. Click actively prevents people from implementing "
        "certain patterns in order to achieve unified command line interfaces. For instance, as a"
        " developer, you are given very little choice in formatting your help pages.",
    ),
    (
        "h2",
        "Why Hardcoded Behaviors?",
    ),
    (
        "p",
        "The other question is why Click goes away from optparse and hardcodes certain behaviors "
        "instead of staying configurable. There are multiple reasons for this. The biggest one is"
        " that too much configurability makes it hard to achieve a consistent command line "
        "experience.",
    ),
    (
        "p",
        "The best example for this is optparse's callback functionality for accepting an "
        "arbitrary number of arguments. Due to syntactical ambiguities on the command line, there"
        " is no way to implement fully variadic arguments. There are always tradeoffs that need "
        "to be made and in case of argparse these tradeoffs have been critical enough, that a "
        "system like Click cannot even be implemented on top of it.",
    ),
    (
        "p",
        "In this particular case, Click attempts to stay with a handful of accepted paradigms for"
        " building command line interfaces that can be well documented and tested.",
    ),
    (
        "h2",
        "Why No Auto Correction?",
    ),
    (
        "p",
        "The question came up why Click does not auto correct parameters given that even optparse"
        " and argparse support automatic expansion of long arguments. The reason for this is that"
        " it's a liability for backwards compatibility. If people start relying on automatically "
        "modified parameters and someone adds a new parameter in the future, the script might "
        "stop working. These kinds of problems are hard to find, so Click does not attempt to be "
        "magical about this.",
    ),
    (
        "p",
        "This sort of behavior however can be implemented on a higher level to support things "
        "such as explicit aliases. For more information see aliases.",
    ),
]

PARAMETERS = [
    ("h1", "Parameters"),
    (
        "p",
        "Click supports two types of parameters for scripts: options and arguments. There is "
        "generally some confusion among authors of command line scripts of when to use which, so "
        "here is a quick overview of the differences. As its name indicates, an option is "
        "optional. While arguments can be optional within reason, they are much more restricted "
        "in how optional they can be.",
    ),
    (
        "p",
        "To help you decide between options and arguments, the recommendation is to use "
        "arguments exclusively for things like going to subcommands or input filenames / URLs, "
        "and have everything else be an option instead.",
    ),
    ("h2", "Differences"),
    (
        "p",
        "Arguments can do less than options. The following features are only available for "
        "options:",
    ),
    (
        "ul",
        [
            "automatic prompting for missing input",
            "act as flags (boolean or otherwise)",
            "option values can be pulled from environment variables, arguments can not",
            "options are fully documented in the help page, arguments are not (this is "
            "intentional as arguments might be too specific to be automatically documented)",
        ],
    ),
    (
        "p",
        "On the other hand arguments, unlike options, can accept an arbitrary number of "
        "arguments. Options can strictly ever only accept a fixed number of arguments (defaults "
        "to 1), or they may be specified multiple times using multiple-options.",
    ),
    ("h2", "Parameter Types"),
    (
        "p",
        "Parameters can be of different types. Types can be implemented with different behavior "
        "and some are supported out of the box:",
    ),
    (
        "table",
        [
            ["Type", "Description"],
            ["str / click.STRING", "The default parameter type which indicates unicode strings."],
            ["int / click.INT", "A parameter that only accepts integers."],
            ["float / click.FLOAT", "A parameter that only accepts floating point values."],
            [
                "bool / click.BOOL",
                "A parameter that accepts boolean values. This is automatically used for "
                'boolean flags. The string values "1", "true", "t", "yes", "y", and "on" convert '
                'to True. "0", "false", "f", "no", "n", and "off" convert to False.',
            ],
            [
                "click.UUID",
                "A parameter that accepts UUID values. This is not automatically guessed but "
                "represented as uuid.UUID.",
            ],
        ],
    ),
    (
        "p",
        "Custom parameter types can be implemented by subclassing click.ParamType. For simple "
        "cases, passing a Python function that fails with a ValueError is also supported, though "
        "discouraged.",
    ),
    ("h2", "Parameter Names"),
    (
        "p",
        "Parameters (both options and arguments) have a name that will be used as the Python "
        "argument name when calling the decorated function with values.",
    ),
    (
        "p",
        "Options can have many names that may be prefixed with one or two dashes. Names with one "
        "dash are parsed as short options, names with two are parsed as long options. If a name "
        "is not prefixed, it is used as the Python argument name and not parsed as an option "
        "name. Otherwise, the first name with a two dash prefix is used, or the first with a one "
        "dash prefix if there are none with two. The prefix is removed and dashes are converted "
        "to underscores to get the Python argument name.",
    ),
]


PAGE_STYLE = """
@page { size: A5; margin: 18mm 16mm; }
body { font-family: "DejaVu Serif", serif; font-size: 11pt; line-height: 1.5; }
h1 { font-size: 20pt; } h2 { font-size: 14pt; margin-top: 1.2em; }
p, li { text-align: left; }
"""


LONG_WORD = re.compile(r"\b[a-z]{11,}\b")


def hyphenable(text: str) -> str:
    """Escaped text whose long words may break at a line end with a hyphen
    (a soft hyphen after every fourth letter), as a typesetter hyphenates."""

    def soft(match: re.Match) -> str:
        word = match.group(0)
        return "&shy;".join(word[i : i + 4] for i in range(0, len(word), 4))

    return LONG_WORD.sub(soft, html.escape(text))


def page_html(blocks) -> str:
    parts = ["<!doctype html><html lang=en><head><meta charset=utf-8><title>Why Click?</title>"]
    parts.append(f"<style>{PAGE_STYLE}</style></head><body>")
    for kind, content in blocks:
        if kind in ("h1", "h2"):
            parts.append(f"<{kind}>{html.escape(content)}</{kind}>")
        elif kind == "p":
            parts.append(f"<p>{hyphenable(content)}</p>")
        elif kind == "ul":
            items = "".join(f"<li>{hyphenable(item)}</li>" for item in content)
            parts.append(f"<ul>{items}</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def make_text_pdf(out: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("needs Debian's chromium: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="kavosh-fixtures-") as folder:
        page = Path(folder) / "why-click.html"
        page.write_text(page_html(WHY_CLICK), "utf-8")
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={out}"]
            + [page.as_uri()],
            check=True,
            capture_output=True,
            timeout=120,
        )


def make_scanned_pdf(out: Path) -> None:
    """A page that is a picture of text, as a scanner makes it."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    y = 150
    for _, content in WHY_CLICK[:3]:
        words, line = str(content).split(), ""
        for word in words:
            if draw.textlength(f"{line} {word}", font=font) > 1000:
                draw.text((120, y), line, fill=0, font=font)
                y, line = y + 42, word
            else:
                line = f"{line} {word}".strip()
        draw.text((120, y), line, fill=0, font=font)
        y += 84
    image.save(out, "PDF", resolution=150.0)


def make_encrypted_pdf(source: Path, out: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password="kavosh", owner_password="kavosh-owner", algorithm="AES-256")
    with open(out, "wb") as stream:
        writer.write(stream)


def make_docx(out: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "Parameters"
    document.core_properties.author = "Pallets"
    for kind, content in PARAMETERS:
        if kind == "h1":
            document.add_heading(content, level=1)
        elif kind == "h2":
            document.add_heading(content, level=2)
        elif kind == "p":
            document.add_paragraph(content)
        elif kind == "ul":
            for item in content:
                document.add_paragraph(item, style="List Bullet")
        elif kind == "table":
            table = document.add_table(rows=0, cols=len(content[0]))
            table.style = "Table Grid"
            for row in content:
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
    document.save(out)


def main() -> None:
    pdf, word = HERE / "pdf", HERE / "docx"
    make_text_pdf(pdf / "why-click.pdf")
    make_scanned_pdf(pdf / "scanned.pdf")
    make_encrypted_pdf(pdf / "why-click.pdf", pdf / "encrypted.pdf")
    make_docx(word / "parameters.docx")


if __name__ == "__main__":
    main()
