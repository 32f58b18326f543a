"""Readers for the deployment files (Dockerfile, docker-compose.yml, the example .env), for the tests that check
they agree with each other and with the settings. Docker does not run in CI, so this is how they are checked."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
COMPOSE_FILE = REPO / "docker-compose.yml"
EXAMPLE_ENV = REPO / "docker" / "production.env.example"
# Code that reads configuration from the environment.
ENV_READERS = [REPO / "gunicorn.conf.py", REPO / "docker" / "entrypoint.sh"] + sorted(
    path for package in ("config", "plans", "searchui", "accounts") for path in (REPO / package).rglob("*.py")
)


@dataclass
class Instruction:
    keyword: str  # upper case: FROM, RUN, ENV, ...
    args: str  # the rest of the logical line, continuations joined

    def exec_form(self) -> list[str]:
        """The JSON array of an exec-form CMD/ENTRYPOINT/HEALTHCHECK CMD."""
        text = self.args
        if self.keyword == "HEALTHCHECK":  # options first: HEALTHCHECK --interval=30s ... CMD [...]
            text = text[text.index(" CMD ") + 5 :]
        return json.loads(text)


def dockerfile() -> list[Instruction]:
    """The Dockerfile's instructions in order (comments dropped, backslash continuations joined)."""
    instructions: list[Instruction] = []
    logical = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        keyword, _, args = logical.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip()))
        logical = ""
    return instructions


def dockerfile_all(keyword: str) -> list[Instruction]:
    return [item for item in dockerfile() if item.keyword == keyword]


def dockerfile_env() -> dict[str, str]:
    """Every ENV key=value of the Dockerfile."""
    values: dict[str, str] = {}
    for item in dockerfile_all("ENV"):
        for pair in shlex.split(item.args):
            key, _, value = pair.partition("=")
            values[key] = value
    return values


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def example_env() -> dict[str, str]:
    """The KEY=value lines of the example .env."""
    values = {}
    for line in EXAMPLE_ENV.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


_INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingVariable(ValueError):
    pass


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable substitution: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$."""

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        present = name in env
        empty_or_missing = not env.get(name)
        if op in (":-", "-"):
            unset = empty_or_missing if op == ":-" else not present
            return arg if unset else env[name]
        if op in (":?", "?"):
            unset = empty_or_missing if op == ":?" else not present
            if unset:
                raise MissingVariable(f"{name}: {arg}")
            return env[name]
        return env.get(name, "")

    return _INTERPOLATION.sub(substitute, value)


def interpolation_names(text: str) -> set[str]:
    """Variables a compose file takes from the environment or .env."""
    return {match.group("name") for match in _INTERPOLATION.finditer(text) if match.group("name")}


def required_interpolations(text: str) -> set[str]:
    """Variables written ${NAME:?...}: compose refuses to start without them."""
    return {m.group("name") for m in _INTERPOLATION.finditer(text) if m.group("op") in (":?", "?")}


def service_environment(service: str, env: dict[str, str]) -> dict[str, str]:
    """A compose service's environment after substitution from `env` (the .env file)."""
    raw = compose()["services"][service].get("environment", {})
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(str(value), env) for key, value in raw.items()}


_READ_PATTERNS = [
    re.compile(r"""env_(?:str|bool|int|list|path)\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""_int\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""os\.environ(?:\.get|\.setdefault)?\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""),
    re.compile(r"""os\.getenv\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""\$\{([A-Z][A-Z0-9_]*)"""),  # shell
]


def names_read_by_code() -> set[str]:
    """Environment variables that our code (settings, gunicorn.conf.py, the entrypoint, the apps) reads."""
    names: set[str] = set()
    for path in ENV_READERS:
        text = path.read_text(encoding="utf-8")
        for pattern in _READ_PATTERNS:
            names.update(pattern.findall(text))
    return names


def remap_paths(env: dict[str, str], root: Path) -> dict[str, str]:
    """The same environment with the container's absolute folders moved under `root`, to load it on this machine."""
    prefixes = ("/data", "/var/cache", "/app")
    return {
        key: str(root / value.lstrip("/")) if value.startswith(prefixes) else value
        for key, value in env.items()
    }
