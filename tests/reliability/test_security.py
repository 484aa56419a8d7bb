"""Scenario and spec files are data, outputs stay where they are put, and nothing reaches the network.

- a static check of partnering/: no eval, exec, compile or __import__, no pickle, marshal, shelve
  or YAML, no subprocess, os.system or shell=True; scenario and spec files are read with tomllib
  and manifests with json, which build plain data and run nothing;
- a scenario whose strings look like code is loaded, run and reported as text;
- a sweep whose spec name, scenario names and grid labels contain "../", "/" or an absolute path
  writes only under --out (its parts are named by time and a random id, its report report.html),
  and its report escapes HTML in those names;
- with every non-loopback connection and name lookup refused, a model run, an in-process sweep,
  a comparison and a report all complete.
"""

from __future__ import annotations

import ast
import ipaddress
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partnering.cli import app
from partnering.experiments import (
    compare,
    load_results,
    run_one,
    run_sweep,
    scenario_design,
    write_report,
)
from partnering.scenarios import load_scenario
from tests.reliability.reliability_support import ROOT, tally

PACKAGE = ROOT / "partnering"
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "execfile", "input"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle", "jsonpickle", "yaml",
                     "ruamel", "subprocess", "pty", "commands", "code", "codeop"}
FORBIDDEN_ATTRIBUTES = {("os", "system"), ("os", "popen"), ("os", "execv"), ("os", "execve"), ("os", "execl"),
                        ("os", "spawnl"), ("os", "spawnv"), ("os", "startfile"), ("pd", "read_pickle"),
                        ("pandas", "read_pickle"), ("np", "load"), ("numpy", "load"), ("importlib", "import_module")}


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def findings(path: Path, root: Path = ROOT) -> list[str]:
    """Every construct in one module that could run text as code or a program."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = path.relative_to(root)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{where}:{node.lineno}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in FORBIDDEN_MODULES:
            found.append(f"{where}:{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                found.append(f"{where}:{node.lineno}: {func.id}()")
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and (func.value.id, func.attr) in FORBIDDEN_ATTRIBUTES:
                found.append(f"{where}:{node.lineno}: {func.value.id}.{func.attr}()")
            for keyword in node.keywords:
                if keyword.arg == "shell" and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                    found.append(f"{where}:{node.lineno}: shell=...")
                if keyword.arg == "allow_pickle":
                    found.append(f"{where}:{node.lineno}: allow_pickle=...")
    return found


def test_the_package_never_runs_text_as_code_or_starts_a_shell():
    files = sources()
    assert len(files) > 40, "the package's sources were not found"
    problems = [problem for path in files for problem in findings(path)]
    tally("source files checked statically", len(files))
    assert problems == []


def test_the_static_check_finds_what_it_looks_for(tmp_path):
    """The check itself: each forbidden construct in a throwaway module is reported."""
    bad = tmp_path / "partnering" / "bad.py"
    bad.parent.mkdir()
    bad.write_text("import pickle\nimport yaml.loader\nfrom marshal import loads\nimport subprocess as sp\n"
                   "eval('1')\nexec('x = 1')\nos.system('ls')\nsp.run('ls', shell=True)\nnp.load(f, allow_pickle=True)\n")
    problems = findings(bad, root=tmp_path)
    assert len(problems) == 10, problems


def test_scenario_and_spec_files_are_read_with_tomllib_and_manifests_with_json():
    loader = (PACKAGE / "scenarios" / "loader.py").read_text()
    assert "tomllib.load(" in loader
    spec = (PACKAGE / "experiments" / "spec.py").read_text()
    assert "read_toml(" in spec and "tomllib" not in spec.replace("read_toml", "")
    store = (PACKAGE / "experiments" / "store.py").read_text()
    assert "json.loads(" in store


# --- data only ------------------------------------------------------------------------------------
CODE_LIKE = {
    "name": "__import__('os').system('touch pwned-name')",
    "description": "$(touch pwned-shell) `touch pwned-backtick` {{7*7}} ${HOME} <img src=x onerror=alert(1)>",
}


def test_strings_that_look_like_code_stay_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "codey.toml"
    path.write_text(f'name = "{CODE_LIKE["name"]}"\ndescription = "{CODE_LIKE["description"]}"\n'
                    'extends = "transactional"\n[population]\ncouncils = 2\n', encoding="utf-8")
    scenario = load_scenario(path)
    assert (scenario.name, scenario.description) == (CODE_LIKE["name"], CODE_LIKE["description"])
    run_one(scenario, seed=1, steps=2)
    shown = CliRunner().invoke(app, ["scenarios", "show", str(path)])
    assert shown.exit_code == 0, shown.output
    assert not list(tmp_path.glob("pwned*")) and not list(Path.cwd().glob("pwned*"))
    tally("code-like inputs treated as data")


# --- outputs stay under --out -------------------------------------------------------------------
ESCAPING_NAMES = ["../../escaped-up", "/tmp/partnering-escaped-absolute", "..", "a/b\\c",
                  "<script>alert('arm')</script>"]


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_names_with_path_separators_never_put_a_file_outside_the_sweep_folder(tmp_path, monkeypatch):
    work = tmp_path / "deep" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    scenarios = []
    for i, name in enumerate(ESCAPING_NAMES):
        file = work / f"s{i}.toml"
        file.write_text(f"name = '{name}'\nextends = \"transactional\"\n" if "'" not in name
                        else f'name = "{name}"\nextends = "transactional"\n', encoding="utf-8")
        scenarios.append(f'"{file.name}"')
    (work / "spec.toml").write_text(
        f'name = "../../spec-escaped"\nscenarios = [{", ".join(scenarios)}]\nreplications = 2\nsteps = 2\n'
        '[overrides]\n"population.councils" = 2\n[grid]\n"principles.creative" = [0.0, 1.0]\n', encoding="utf-8")
    outside_before = tree(tmp_path)

    runner = CliRunner()
    swept = runner.invoke(app, ["sweep", "spec.toml", "--out", "out", "--workers", "1"])
    assert swept.exit_code == 0, swept.output
    assert load_results(work / "out").runs["arm"].str.contains("escaped-up").any()
    reported = runner.invoke(app, ["report", "out"])
    assert reported.exit_code == 0, reported.output
    compared = runner.invoke(app, ["compare", "out", "--csv", "out/table.csv"])
    assert compared.exit_code == 0, compared.output

    created = tree(tmp_path) - outside_before
    assert created and all(p.startswith("deep/work/out") for p in created), sorted(created)
    assert not Path("/tmp/partnering-escaped-absolute").exists()
    assert sorted(p.name for p in (work / "out").iterdir()) == ["data_dictionary.csv", "events", "metrics", "report.html",
                                                                  "runs", "sweep.json", "table.csv"]
    html = (work / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(" not in html and "&lt;script&gt;alert(" in html
    tally("names with path separators swept and reported", len(ESCAPING_NAMES))


# --- no network -----------------------------------------------------------------------------------
def is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def offline(monkeypatch):
    """Refuse (and record) every connection, datagram and name lookup that would leave the machine."""
    attempts: list[str] = []

    def refuse(what: str) -> None:
        attempts.append(what)
        raise OSError(f"network access refused by the test: {what}")

    def on_socket(name: str, real, address_at: int):
        def guarded(sock, *args, **kwargs):
            address = args[address_at]
            if sock.family != socket.AF_UNIX and not is_loopback(address[0]):
                refuse(f"{name}({address!r})")
            return real(sock, *args, **kwargs)

        return guarded

    def on_lookup(name: str, real):
        def guarded(host, *args, **kwargs):
            if host is not None and not is_loopback(host.decode() if isinstance(host, bytes) else host):
                refuse(f"{name}({host!r})")
            return real(host, *args, **kwargs)

        return guarded

    monkeypatch.setattr(socket.socket, "connect", on_socket("connect", socket.socket.connect, 0))
    monkeypatch.setattr(socket.socket, "connect_ex", on_socket("connect_ex", socket.socket.connect_ex, 0))
    monkeypatch.setattr(socket.socket, "sendto", on_socket("sendto", socket.socket.sendto, -1))
    monkeypatch.setattr(socket, "getaddrinfo", on_lookup("getaddrinfo", socket.getaddrinfo))
    monkeypatch.setattr(socket, "gethostbyname", on_lookup("gethostbyname", socket.gethostbyname))
    return attempts


def test_the_guard_refuses_the_internet_and_allows_loopback(offline):
    with pytest.raises(OSError, match="refused by the test"):
        socket.create_connection(("example.org", 80), timeout=1)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
    assert offline == ["getaddrinfo('example.org')"]
    offline.clear()


def test_a_run_a_sweep_a_comparison_and_a_report_need_no_network(offline, tmp_path):
    run_one("changemaking", seed=2, steps=3, overrides={"population.councils": 2})
    design = scenario_design(["transactional", "changemaking"], replications=2, steps=3,
                             overrides={"population.councils": 2})
    summary = run_sweep(design, tmp_path / "sweep", workers=1)
    assert summary.ok == len(design)
    table = compare(load_results(tmp_path / "sweep"))
    assert len(table)
    report = write_report(tmp_path / "sweep")
    assert report.stat().st_size > 10_000
    assert offline == []
    tally("offline runs, sweeps and reports", 1)
