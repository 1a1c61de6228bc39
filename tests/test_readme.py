"""The README documents every command and every module (datasette-style docs test)."""

from pathlib import Path

from qa.frontends.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_is_documented():
    commands = build_parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert f"qa {name}" in README, name


def test_every_module_is_in_the_code_map():
    for module in sorted((REPO / "qa").rglob("*.py")):
        if module.name != "__init__.py":
            path = module.relative_to(REPO).as_posix()
            assert f"`{path}`" in README, path


def test_quick_start_is_two_make_commands():
    assert "make run" in README and "make test" in README
