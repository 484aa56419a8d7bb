"""Write the parameter tables of docs/odd.md section 8 from the scenario schema.

Each block between ``<!-- parameters: SECTION -->`` and ``<!-- /parameters -->`` is replaced by
that section's one-line description, the subsections of sections 5, 7 and 9 whose text names one
of its parameters, and a table of every parameter the section declares
(:func:`partnering.scenarios.parameter_table`), so the tables cannot drift from the code. The
prose around the blocks is written by hand.

    .venv/bin/python docs/tools/parameter_tables.py            # rewrite docs/odd.md in place
    .venv/bin/python docs/tools/parameter_tables.py --check    # exit 1 if docs/odd.md is out of date
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

from partnering.scenarios import SECTIONS, parameter_table

ODD = Path(__file__).resolve().parents[1] / "odd.md"
BLOCK = re.compile(r"(<!-- parameters: (\w+) -->\n).*?(<!-- /parameters -->)", re.S)
SUBSECTION = re.compile(r"^##+ (5|7\.\d+|9\.\d+)[ .].*?\n(.*?)(?=^##)", re.S | re.M)


def _value(x: object) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


def table(section: str) -> str:
    """Markdown table of one section's parameters, in declaration order."""
    rows = ["| parameter | default | bounds | unit | meaning | source |", "|---|---|---|---|---|---|"]
    for p in parameter_table():
        if p.section == section:
            bounds = "true/false" if p.type == "bool" else f"{_value(p.low)} to {_value(p.high)}"
            rows.append(f"| `{p.name}` | {_value(p.default)} | {bounds} | {p.unit} | {p.meaning} | {p.source} |")
    return "\n".join(rows)


def read_in(section: str, text: str) -> list[str]:
    """Numbers of the subsections of sections 5, 7 and 9 that name a parameter of ``section``."""
    named = re.compile(rf"(?<![\w./]){section}\.(?!py\b)")
    return [number for number, body in SUBSECTION.findall(text) if named.search(body)]


def block(section: str, text: str) -> str:
    description = " ".join((SECTIONS[section].__doc__ or "").split()).replace("``", "`")
    where = read_in(section, text)
    if where:
        description += f" Read in {', '.join(where)}."
    # blank lines around the generated text keep the markers out of its paragraph and table
    return f"\n{textwrap.fill(description, 99, break_on_hyphens=False)}\n\n{table(section)}\n\n"


def render(text: str) -> str:
    def replace(match: re.Match) -> str:
        section = match.group(2)
        if section not in SECTIONS:
            raise SystemExit(f"{ODD}: unknown parameter section {section!r}; allowed: {', '.join(SECTIONS)}")
        return match.group(1) + block(section, text) + match.group(3)

    return BLOCK.sub(replace, text)


def main(argv: list[str]) -> int:
    text = ODD.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        if new != text:
            print(f"{ODD} is out of date: run python docs/tools/parameter_tables.py", file=sys.stderr)
            return 1
        return 0
    ODD.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
