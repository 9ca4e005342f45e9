"""The README cannot drift from the code: every setting, every CLI command
and option, and every API endpoint and parameter the code has must be in
its section of the README."""

from __future__ import annotations

import re

import click
import pytest

from app.cli import main
from app.http.openapi import openapi_document
from app.settings import SETTINGS
from tests.conftest import PROJECT

README = (PROJECT / "README.md").read_text("utf-8")


def section(title: str) -> str:
    """The text of the README's `## title` section."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert found, f"README has no '## {title}' section"
    return found.group(1)


@pytest.mark.parametrize("name", [s.name for s in SETTINGS])
def test_every_setting_is_in_the_settings_table(name):
    assert f"| `{name}` |" in section("Settings")


COMMANDS = sorted(main.commands.items())


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_and_option_is_in_the_command_line_table(name, command):
    rows = [line for line in section("Command line").splitlines() if f"`kavosh {name}" in line]
    assert rows, f"`kavosh {name}` is not in README 'Command line'"
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            longest = max(parameter.opts, key=len)
            assert any(longest in row for row in rows), f"kavosh {name} {longest}"


ENDPOINTS = [
    (path, parameter["name"])
    for path, operations in openapi_document()["paths"].items()
    for operation in operations.values()
    for parameter in operation.get("parameters", [{"name": None}])
]


@pytest.mark.parametrize(("path", "parameter"), ENDPOINTS, ids=[f"{p} {n}" for p, n in ENDPOINTS])
def test_every_endpoint_and_parameter_is_in_the_api_table(path, parameter):
    documented = path.replace("{", "<").replace("}", ">")
    rows = [line for line in section("JSON API").splitlines() if f"`GET {documented}" in line]
    assert rows, f"{path} is not in README 'JSON API'"
    if parameter is not None and f"<{parameter}>" not in documented:
        assert any(re.search(rf"[?&]{parameter}=", row) for row in rows), f"{path} {parameter}"


def test_the_checks_can_fail():
    """A name the code does not have is not found: the tests above look."""
    with pytest.raises(AssertionError):
        test_every_setting_is_in_the_settings_table("NO_SUCH_SETTING")
    with pytest.raises(AssertionError):
        section("No such section")
