"""One command per stage, generated from the stage class: its name, its one-line description, and
an option per field of its params model (help from the field's docstring). A new stage needs no
edit here.

Options: a ``bool`` field that defaults to true becomes ``--no-<name>``, one that defaults to false
``--<name>``; a list is given comma-separated; other values take one argument (``metavar`` from
the field's ``json_schema_extra``, else from its type). A field with ``json_schema_extra={"cli":
False}`` has no option (set it in verifyvid.toml). Options left out keep the settings' value.
"""

from __future__ import annotations

import inspect
import types
import typing
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic.fields import FieldInfo

from verifyvid.cli.common import (
    CaseOpt,
    ConfigOpt,
    DebugOpt,
    ForceOpt,
    JsonOpt,
    NoWaitOpt,
    Out,
    PlainCommand,
    QuietOpt,
    cli_errors,
    stage_command,
)
from verifyvid.stage import Stage

TargetArg = Annotated[
    str, typer.Argument(metavar="INPUT|CASE", help="A media file, a case folder, or - (stdin).")
]
COMMON: dict[str, Any] = {
    "case": (CaseOpt, None),
    "force": (ForceOpt, False),
    "no_wait": (NoWaitOpt, False),
    "json_out": (JsonOpt, False),
    "quiet": (QuietOpt, False),
    "debug": (DebugOpt, False),
    "config": (ConfigOpt, None),
}


def extra(field: FieldInfo) -> dict[str, Any]:
    e = field.json_schema_extra
    return e if isinstance(e, dict) else {}


def bare(annotation: Any) -> tuple[Any, bool]:
    """(the type without None, whether None was allowed)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def option(name: str, field: FieldInfo) -> tuple[str, Any] | None:
    """(parameter name, Annotated type) of one field's option, None for no option."""
    if extra(field).get("cli") is False:
        return None
    kind, _ = bare(field.annotation)
    flag = name.replace("_", "-")
    help_text = (field.description or "").strip()
    if kind is bool:
        if field.default is True:
            flag, help_text = f"--no-{flag}", f"Turn off (on by default): {help_text}"
        else:
            flag = f"--{flag}"
        return name, Annotated[bool, typer.Option(flag, help=help_text)]
    metavar = extra(field).get("metavar")
    if typing.get_origin(kind) is typing.Literal:
        metavar = metavar or "|".join(str(a) for a in typing.get_args(kind))
        kind = str
    elif typing.get_origin(kind) is list:
        metavar, kind = metavar or "A,B", str
    elif kind in (int, float):
        metavar = metavar or "N"
    else:
        metavar, kind = metavar or name.upper(), str
    if field.default is not None and not help_text.endswith("]"):
        help_text += f" [default: {field.default}]"
    return name, Annotated[kind | None, typer.Option(f"--{flag}", metavar=metavar, help=help_text)]


def given(stage: Stage[Any, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The params the options set (options left out are not passed: the settings keep theirs)."""
    out: dict[str, Any] = {}
    for name, field in stage.params_model.model_fields.items():
        if name not in values:
            continue
        value = values[name]
        kind, _ = bare(field.annotation)
        if kind is bool:
            if value:
                out[name] = not field.default
        elif value is not None:
            if typing.get_origin(kind) is list:
                value = [part.strip() for part in str(value).split(",") if part.strip()]
            out[name] = value
    return out


def make_command(stage: Stage[Any, Any]) -> Any:
    """The function Typer turns into `verifyvid <stage>`."""
    name = stage.name
    options = [o for o in (option(n, f) for n, f in stage.params_model.model_fields.items()) if o]

    def run(target: str, **values: Any) -> None:
        out = Out(name, values["json_out"], values["quiet"], values["debug"], target)
        with cli_errors(out):
            params = given(stage, values)
            stage.params_model.command_line_check(params)
        copies = {Path(values[f"copy_{o}"]): file for o, (file, _) in stage.copies.items()
                  if values.get(f"copy_{o}")}  # fmt: skip
        stage_command(name, target, values["case"], {name: params}, values["force"],
                      values["no_wait"], out, values["config"], copies)  # fmt: skip

    parameters = [inspect.Parameter("target", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=TargetArg)]  # fmt: skip
    for param_name, annotation in options:
        default = False if bare(annotation.__origin__)[0] is bool else None
        parameters.append(inspect.Parameter(param_name, inspect.Parameter.KEYWORD_ONLY,
                                            annotation=annotation, default=default))  # fmt: skip
    for option_name, (_, help_text) in stage.copies.items():
        copy = Annotated[
            str | None, typer.Option(f"--{option_name}", metavar="FILE", help=help_text)
        ]
        parameters.append(inspect.Parameter(f"copy_{option_name}", inspect.Parameter.KEYWORD_ONLY,
                                            annotation=copy, default=None))  # fmt: skip
    for param_name, (annotation, default) in COMMON.items():
        parameters.append(inspect.Parameter(param_name, inspect.Parameter.KEYWORD_ONLY,
                                            annotation=annotation, default=default))  # fmt: skip
    run.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    run.__name__ = name.replace("-", "_")
    run.__doc__ = stage.description.rstrip(".") + "."
    return run


def add_stage_commands(app: typer.Typer, stages: list[Stage[Any, Any]]) -> None:
    """A command for each stage that wants one and whose name no other command has."""
    taken = {command_name(c) for c in app.registered_commands}
    taken |= {g.name or "" for g in app.registered_groups}
    for stage in stages:
        if stage.command and stage.name not in taken:
            app.command(stage.name, cls=PlainCommand)(make_command(stage))


def command_name(c: Any) -> str:
    return str(c.name or c.callback.__name__.replace("_", "-"))
