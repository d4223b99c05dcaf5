"""docs/architecture.md draws the floors that .importlinter makes lint-imports hold: the two must not drift apart."""

from __future__ import annotations

import configparser
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _contract_floors() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return [line.strip() for line in config["importlinter:contract:floors"]["layers"].splitlines() if line.strip()]


def _drawn_floors() -> list[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawing = re.search(r"^```\n(.*?)^```$", text, re.S | re.M)
    assert drawing is not None, "docs/architecture.md has no drawing of the floors"
    floors = []
    for line in drawing.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("─"):
            floors.append(" | ".join(part.strip() for part in line.split("|")))
    return floors


def test_the_drawing_is_the_contract() -> None:
    contract = _contract_floors()
    assert len(contract) > 5
    assert _drawn_floors() == contract


def test_every_top_level_module_is_drawn() -> None:
    names = {p.stem if p.is_file() else p.name for p in (ROOT / "webhook").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    drawn = {name.strip() for floor in _drawn_floors() for name in floor.split("|")}
    assert names == drawn
