"""What a run will do, decided before anything runs: the options, the stages in dependency
order, the ones selected, and every stage's parameters checked (a bad value is a usage error)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from verifyvid.errors import UsageError
from verifyvid.stage import Params, Stage


@dataclass
class RunOptions:
    force: bool = False
    only: frozenset[str] | None = None
    skip: frozenset[str] = frozenset()
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    debug: bool = False
    """Re-raise a stage's exception instead of recording it."""


def ordered(stages: Sequence[Stage[Any, Any]]) -> list[Stage[Any, Any]]:
    """Topological order over ``requires``, ``uses`` and ``inputs``, stable in registry order."""
    by_name = {s.name: s for s in stages}
    done: list[Stage[Any, Any]] = []
    seen: set[str] = set()

    def visit(stage: Stage[Any, Any], path: tuple[str, ...]) -> None:
        if stage.name in seen:
            return
        if stage.name in path:
            raise RuntimeError(f"stage dependency cycle: {' -> '.join((*path, stage.name))}")
        for dep in (*stage.requires, *stage.uses, *stage.inputs):
            if dep in by_name:
                visit(by_name[dep], (*path, stage.name))
        seen.add(stage.name)
        done.append(stage)

    for stage in stages:
        visit(stage, ())
    return done


def closure(names: Iterable[str], stages: Sequence[Stage[Any, Any]]) -> set[str]:
    """The named stages and every stage they require or take input from, transitively."""
    by_name = {s.name: s for s in stages}
    todo, out = list(names), set()
    while todo:
        name = todo.pop()
        if name not in out:
            out.add(name)
            todo.extend((*by_name[name].requires, *by_name[name].inputs))
    return out


def check_names(names: Iterable[str], stages: Sequence[Stage[Any, Any]], flag: str) -> None:
    known = {s.name for s in stages}
    for name in names:
        if name not in known:
            raise UsageError(
                f"{flag} {name}: no such stage; choose from {', '.join(sorted(known))}"
            )


def validated(stages: Sequence[Stage[Any, Any]], options: RunOptions) -> dict[str, Params]:
    """Every stage's parameters, checked (with the stage names given) before anything runs:
    a bad value is a usage error (exit 2) before a case is written or a model loads."""
    check_names(options.only or (), stages, "--only")
    check_names(options.skip, stages, "--skip")
    check_names(options.params, stages, "params for")
    out: dict[str, Params] = {}
    for stage in stages:
        try:
            out[stage.name] = stage.params_model.model_validate(options.params.get(stage.name, {}))
        except ValidationError as e:
            raise UsageError(bad_setting(stage.name, e)) from None
    return out


def bad_setting(stage: str, e: ValidationError) -> str:
    """One line for the first invalid parameter: the stage, the setting (its flag), the value
    and what is wrong."""
    first = e.errors()[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    if message.startswith("--"):
        return f"stage {stage}: {message}"  # the check names the flag and the value itself
    where = ".".join(str(x) for x in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"stage {stage}: no setting {where}; see `verifyvid {stage} --help`"
    flag = "--" + where.replace("_", "-")
    value = first.get("input")
    return f"stage {stage}: {where} (flag {flag}) = {value!r}: {message[:1].lower()}{message[1:]}"
