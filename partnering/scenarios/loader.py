"""Read scenarios from TOML: built-in names or files, with ``extends`` and one-line errors."""

from __future__ import annotations

import json
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from partnering.scenarios.schema import SECTIONS, Scenario, parameter

BUILTIN_PACKAGE = "partnering.scenarios"
LIST_KEYS = ("services", "shocks", "councils")


class ScenarioError(ValueError):
    """A scenario or spec that cannot be used; the message is one line naming file and key."""


def builtin_dir() -> Path:
    """The folder holding the built-in scenario files."""
    return Path(str(resources.files(BUILTIN_PACKAGE).joinpath("builtin")))


def list_scenarios() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    return sorted(p.stem for p in builtin_dir().glob("*.toml"))


def _locate(name_or_path: str | Path, base: Path | None = None) -> Path:
    text = str(name_or_path)
    candidate = Path(text)
    if base is not None and not candidate.is_absolute():
        relative = base / candidate
        if relative.suffix == ".toml" and relative.exists():
            return relative
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.exists():
            raise ScenarioError(f"{text}: no such scenario file")
        return candidate
    builtin = builtin_dir() / f"{text}.toml"
    if builtin.exists():
        return builtin
    raise ScenarioError(f"{text}: unknown scenario; built-in scenarios are {', '.join(list_scenarios())}")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file as data, turning syntax errors into one-line messages."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: malformed TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text; a scenario must be a UTF-8 TOML file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: cannot read: it is a folder, not a scenario file") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None


Origins = dict[tuple[str, ...], str]
"""For each key path of a merged scenario mapping (``("principles", "place_based")``, or
``("shocks",)`` for a list, which is replaced whole), the file that last set it."""


def _source_name(path: Path) -> str:
    """How a scenario file is named in messages: its path, or ``name (built-in)``."""
    return str(path) if path.parent != builtin_dir() else f"{path.stem} (built-in)"


def _origins_of(data: dict[str, Any], source: str) -> Origins:
    """Every key path one file sets, down to the keys inside its sections, all credited to ``source``."""
    out: Origins = {}
    for key, value in data.items():
        out[(key,)] = source
        if isinstance(value, dict) and key not in LIST_KEYS:
            out.update({(key, sub): source for sub in value})
    return out


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Child values override the parent's, section by section; lists are replaced whole."""
    out = dict(parent)
    for key, value in child.items():
        if _merges(out, key, value):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _merges(parent: dict[str, Any], key: str, value: Any) -> bool:
    """Whether a child's ``key = value`` is merged into the parent's table rather than replacing it."""
    return isinstance(value, dict) and isinstance(parent.get(key), dict) and key not in LIST_KEYS


def _merge_origins(parent: dict[str, Any], parent_origins: Origins, child: dict[str, Any], child_source: str) -> Origins:
    """The origins of ``_merge(parent, child)``: the child's keys are credited to the child; a
    value the child replaces whole (a list, or a table over a non-table) takes none of the
    parent's credits with it."""
    out = dict(parent_origins)
    for key, value in child.items():
        if not _merges(parent, key, value):
            out = {path: source for path, source in out.items() if path[0] != key}
    out.update(_origins_of(child, child_source))
    return out


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], Origins]:
    """The scenario mapping of ``path`` merged through its ``extends`` chain, and which file set each key."""
    resolved_path = path.resolve()
    if resolved_path in chain:
        cycle = " -> ".join(p.stem for p in (*chain, resolved_path))
        raise ScenarioError(f"{path}: extends: cyclic chain {cycle}")
    data = read_toml(path)
    parent_name = data.pop("extends", None)
    if parent_name is None:
        return data, _origins_of(data, _source_name(path))
    if not isinstance(parent_name, str):
        raise ScenarioError(f"{path}: extends: expected the name of a scenario, got {parent_name!r}")
    try:
        parent_path = _locate(parent_name, base=path.parent)
    except ScenarioError:
        raise ScenarioError(
            f"{path}: extends: unknown scenario {parent_name!r}; allowed: {', '.join(list_scenarios())} or a .toml path"
        ) from None
    parent, parent_origins = _resolve(parent_path, (*chain, resolved_path))
    for key in ("name", "description"):
        parent.pop(key, None)
        parent_origins.pop((key,), None)
    return _merge(parent, data), _merge_origins(parent, parent_origins, data, _source_name(path))


def _origin(loc: tuple, origins: Origins | None) -> str | None:
    """The file that set the value a validation error points at: the longest credited prefix of its location."""
    if not origins:
        return None
    for end in range(len(loc), 0, -1):
        source = origins.get(tuple(loc[:end]))
        if source is not None:
            return source
    return None


def _model_at(loc: tuple) -> type | None:
    """The pydantic model class that a validation error location points into."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        model = next((c for c in candidates if isinstance(c, type) and hasattr(c, "model_fields")), None)
        if model is None:
            return None
    return model


def _describe(value: Any) -> str:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)
    return repr(value)


def format_validation_error(source: str, exc: ValidationError) -> str:
    """The first validation problem as one line: file, dotted key, what is wrong, what is allowed."""
    err = exc.errors()[0]
    loc = ".".join(str(part) for part in err["loc"] if not isinstance(part, int) or err["loc"][0] in LIST_KEYS)
    kind = err["type"]
    value = err.get("input")
    allowed = ""
    try:
        info = parameter(loc)
        if info.low is not None and info.type != "bool":
            allowed = f"allowed {info.low:g} to {info.high:g} ({info.unit})"
        elif info.type == "bool":
            allowed = "allowed true or false"
    except KeyError:
        ctx = err.get("ctx") or {}
        bounds = [f"{k} {v}" for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")]
        allowed = "allowed " + ", ".join(bounds) if bounds else ""
    if kind == "extra_forbidden":
        owner = _model_at(err["loc"][:-1])
        names = ", ".join(owner.model_fields) if owner is not None else "see `partnering scenarios show`"
        return f"{source}: {loc}: unknown key; allowed keys: {names}"
    if kind == "finite_number":
        return f"{source}: {loc}: {_describe(value)} is not a finite number; {allowed or 'a finite number is required'}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{source}: {loc}: {_describe(value)} is out of range; {allowed}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        want = kind.split("_")[0]
        names = {"int": "an integer", "float": "a number", "bool": "true or false", "string": "a string",
                 "dict": "a table", "tuple": "a list", "model": "a table", "literal": "one of the listed values"}
        return f"{source}: {loc}: expected {names.get(want, want)}, got {_describe(value)}" + (f"; {allowed}" if allowed else "")
    message = err["msg"].removeprefix("Value error, ")
    if not loc:
        return f"{source}: {message}"
    return f"{source}: {loc}: {message}" + (f"; {allowed}" if allowed and "allowed" not in message else "")


def scenario_from_dict(data: dict[str, Any], source: str = "<scenario>", origins: Origins | None = None) -> Scenario:
    """Validate a plain dict (as read from TOML) into a Scenario, with one-line errors.

    ``origins`` (see :data:`Origins`) names the file that set each key when ``data`` was merged
    through an ``extends`` chain; an error on a key is then reported against that file, and an
    error on no key in particular (a check across sections) against ``source``."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        holder = _origin(exc.errors()[0]["loc"], origins) or source
        raise ScenarioError(format_validation_error(holder, exc)) from None


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a TOML file by path, resolved through ``extends``."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    path = _locate(name_or_path)
    data, origins = _resolve(path, ())
    data.setdefault("name", path.stem)
    return scenario_from_dict(data, _source_name(path), origins)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse ``section.field=value`` from the command line, reading the value as TOML."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(f"--set {text}: expected key=value, e.g. principles.collaborative=0.8")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key, value


def apply_overrides(scenario: Scenario, assignments: dict[str, Any], source: str = "--set") -> Scenario:
    """Apply ``{"section.field": value}`` overrides with the same one-line errors as files."""
    for key in assignments:
        section, _, field = key.partition(".")
        if section not in SECTIONS:
            raise ScenarioError(f"{source}: {key}: unknown section; allowed: {', '.join(SECTIONS)}")
        if field not in SECTIONS[section].model_fields:
            raise ScenarioError(f"{source}: {key}: unknown key; allowed keys: {', '.join(SECTIONS[section].model_fields)}")
    data = scenario.model_dump(mode="python")
    for key, value in assignments.items():
        section, _, field = key.partition(".")
        data[section][field] = value
    return scenario_from_dict(data, source)


def scenario_to_toml(scenario: Scenario) -> str:
    """Write a scenario as a self-contained TOML file that ``load_scenario`` reads back unchanged."""
    lines = [f"name = {_toml_value(scenario.name)}", f"description = {_toml_value(scenario.description)}", ""]
    for section in SECTIONS:
        lines.append(f"[{section}]")
        for key, value in getattr(scenario, section).model_dump().items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    for key in LIST_KEYS:
        for item in getattr(scenario, key):
            lines.append(f"[[{key}]]")
            for field, value in item.model_dump().items():
                if value is not None:
                    lines.append(f"{field} = {_toml_value(value)}")
            lines.append("")
    if scenario.provenance:
        lines.append("[provenance]")
        for key, value in scenario.provenance.items():
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    return "\n".join(lines).rstrip() + "\n"


def _toml_key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return _toml_string(str(value))


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, plus DEL, which TOML forbids raw."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
