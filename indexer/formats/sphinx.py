"""Sphinx's markup, read by plain docutils: permissive stand-ins.

docutils knows neither Sphinx's roles (`:ref:`, `:class:`, `:issue:`) nor its
directives (`.. autofunction::`, `.. versionadded::`, `.. toctree::`); left
alone, each becomes an error node and its text is lost. `register()` wraps
docutils' two lookups so that any unknown role reads as its title and any
unknown directive as its argument and body, parsed as reStructuredText; code
directives keep their code and language, and a few directives that hold no
reader's text are silent.
"""

from __future__ import annotations

import re

from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles

_TITLED_ROLE = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)

_SILENT_DIRECTIVES = (
    "toctree literalinclude highlight sectionauthor codeauthor tabularcolumns click:run include"
).split()


def _sphinx_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """`:ref:`Title <target>`` reads "Title"; `:class:`~flask.Flask`` reads "Flask"."""
    titled = _TITLED_ROLE.match(text)
    shown = titled.group(1) if titled else text.lstrip("!")
    if shown.startswith("~"):
        shown = shown[1:].rsplit(".", 1)[-1]
    return [nodes.literal(rawtext, shown.lstrip("."))], []


class _AnyOptions(dict):
    """Accepts every directive option: Sphinx adds options docutils never heard of."""

    def __bool__(self) -> bool:  # docutils parses options only if the spec is truthy
        return True

    def __contains__(self, key) -> bool:
        return True

    def __getitem__(self, key):
        return directives.unchanged


class _TextDirective(Directive):
    """A Sphinx directive whose arguments and body are text (`versionadded`)."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self):
        container = nodes.container()
        if self.arguments:
            inline, _messages = self.state.inline_text(self.arguments[0], self.lineno)
            paragraph = nodes.paragraph(self.arguments[0], "", *inline)
            paragraph.line = self.lineno
            container += paragraph
        self.state.nested_parse(self.content, self.content_offset, container)
        return [container]


class _CodeDirective(Directive):
    """`code-block`/`sourcecode`: a literal block that remembers its language."""

    optional_arguments = 1
    has_content = True
    option_spec = _AnyOptions()
    default_language: str | None = None

    def run(self):
        code = "\n".join(self.content)
        block = nodes.literal_block(code, code)
        block["language"] = self.arguments[0] if self.arguments else self.default_language
        block.line = self.content_offset + 1
        return [block]


class _ExampleDirective(_CodeDirective):
    """click's `.. click:example::`: Python code starting on the next line."""

    optional_arguments = 0
    default_language = "python"


class _SilentDirective(_TextDirective):
    """`toctree`, `literalinclude` and the like: nothing a reader searches for."""

    def run(self):
        return []


def register() -> None:
    """Every role and directive docutils does not know reads as text.

    docutils looks both up through `roles.role` and `directives.directive`;
    wrapped, an unknown name gets the permissive stand-in instead of an error
    (whose message node is dropped), so Sphinx's and its extensions' markup
    (`:ref:`, `:issue:`, `.. autofunction::`, `.. versionadded::`) keeps its
    readable text in any file.
    """
    known_role, known_directive = roles.role, directives.directive

    def any_role(name, language, lineno, reporter):
        role, messages = known_role(name, language, lineno, reporter)
        return role or _sphinx_role, messages

    def any_directive(name, language, document):
        directive, messages = known_directive(name, language, document)
        return directive or _TextDirective, messages

    if getattr(roles.role, "__name__", "") != "any_role":
        roles.role, directives.directive = any_role, any_directive
    for name in ("code-block", "sourcecode", "code"):
        directives.register_directive(name, _CodeDirective)
    directives.register_directive("click:example", _ExampleDirective)
    for name in _SILENT_DIRECTIVES:
        directives.register_directive(name, _SilentDirective)
