"""Settings: defaults < verifyvid.toml < VERIFYVID_* environment variables < command-line flags."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, ClassVar

import platformdirs
from pydantic import ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from verifyvid.errors import UsageError

CONFIG_NAME = "verifyvid.toml"


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("verifyvid")) / CONFIG_NAME


class Settings(BaseSettings):
    """Every setting, with its environment variable ``VERIFYVID_<NAME>``.

    Stage parameters live in ``[stages.<name>]`` tables of the file, or in
    ``VERIFYVID_STAGES__<NAME>__<PARAM>`` variables.
    """

    model_config = SettingsConfigDict(
        env_prefix="VERIFYVID_", env_nested_delimiter="__", extra="forbid"
    )
    _toml_file: ClassVar[Path | None] = None

    cases_dir: Path = Path("cases")
    """Where `check` creates case folders when --case is not given."""
    index: str | None = None
    """The archive of known videos: a SQLite file path or a postgresql:// URL."""
    cluster: str | None = None
    """A Dask scheduler (tcp://HOST:8786) that `batch` sends its inputs to."""
    whisper_model: str | None = None
    """Default Whisper model name or path for the transcribe stage."""
    keep_input: bool = False
    """Copy each local input into its case (source/), so the case holds its evidence when moved."""
    redact_paths: bool = False
    """Reports name files without the folders they sit in on this machine."""
    stages: dict[str, dict[str, Any]] = {}
    """Per-stage parameters."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls._toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls._toml_file))
        return tuple(sources)


def load_settings(config: Path | None = None, **flags: Any) -> Settings:
    """Load settings; ``flags`` (None values ignored) override everything else."""
    path = config if config is not None else default_config_path()
    if config is not None and not config.is_file():
        raise UsageError(f"--config {config}: no such file; check the path")
    toml_file = None
    if path.is_file():
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UsageError(f"{path} is not valid TOML ({e}); fix or remove it") from None
        toml_file = path
    Settings._toml_file = toml_file
    try:
        return Settings(**{k: v for k, v in flags.items() if v is not None})
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise UsageError(
            f"bad setting {where}: {first['msg']} (from {path} or VERIFYVID_*)"
        ) from None
    finally:
        Settings._toml_file = None


def stage_params(settings: Settings) -> dict[str, dict[str, Any]]:
    """Per-stage parameters from the settings, with the top-level settings stages use."""
    params = {name: dict(values) for name, values in settings.stages.items()}
    if settings.whisper_model:
        params.setdefault("transcribe", {}).setdefault("model", settings.whisper_model)
    if settings.index:
        params.setdefault("search", {}).setdefault("index", settings.index)
    return params
