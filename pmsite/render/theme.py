"""Theme lookup: an ordered list of template folders fed to one Jinja2 loader.

The site's own ``templates/`` folder comes first, so any template of the same
name overrides the theme's; then the theme chosen by ``theme:`` in
``pmsite.yaml`` (a folder under the repository's ``themes/``, else one bundled
with pmsite), then the themes it ``extends:`` in its ``theme.yml``. A
``theme.yml`` may also name the ``listed_fields`` its lists show of each
postmortem, so pages are redrawn when one of them changes (``render.keys``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from pmsite.cache import digest, read_sealed, write_sealed
from pmsite.config import Config
from pmsite.errors import ConfigError
from pmsite.render.site import VIEW_FIELDS
from pmsite.resources import themes_dir
from pmsite.yamlpos import YamlSyntaxError, load_plain

THEME_FILE = "theme.yml"
STATIC_FOLDER = "static"


@dataclass(frozen=True)
class Theme:
    name: str
    #: Template folders, most specific first.
    template_dirs: tuple[Path, ...]
    #: ``static/`` folders, most specific first (a file in an earlier one wins).
    static_dirs: tuple[Path, ...]
    #: Fields of listed and linked postmortems the themes show beyond ``render.keys.LISTED_FIELDS``.
    listed_fields: tuple[str, ...] = ()


def _theme_folder(name: str, config: Config) -> Path:
    for base in (config.root / "themes", themes_dir()):
        folder = base / name
        if (folder / THEME_FILE).is_file() or (folder / "base.html").is_file():
            return folder
    where = ", ".join(str(b) for b in (config.display_path(config.root / "themes"), "pmsite's bundled themes"))
    raise ConfigError(f"pmsite.yaml: theme {name!r} not found in {where}; "
                      "set theme: default or add the theme folder")


def _theme_settings(folder: Path) -> dict:
    path = folder / THEME_FILE
    if not path.is_file():
        return {}
    try:  # bounded: a theme folder is something a pull request can carry
        settings = load_plain(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the theme settings ({exc})") from None
    except YamlSyntaxError as exc:
        raise ConfigError(f"{exc.located(str(path))}; {exc.suggestion}") from None
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}: theme settings must be a mapping of keys to values")
    return settings


def _listed_fields(settings: dict, folder: Path) -> list[str]:
    fields = settings.get("listed_fields", [])
    if not isinstance(fields, list) or not all(isinstance(name, str) for name in fields):
        raise ConfigError(f"{folder / THEME_FILE}: listed_fields must be a list of field names, "
                          "e.g. [summary, services]")
    for name in fields:
        if name not in VIEW_FIELDS:
            raise ConfigError(f"{folder / THEME_FILE}: listed_fields: {name!r} is not a field of a postmortem; "
                              f"choose from {', '.join(sorted(VIEW_FIELDS))}")
    return fields


def load_theme(config: Config) -> Theme:
    """Resolve the theme chain for ``config``."""
    chain: list[Path] = []
    listed: list[str] = []
    name: str | None = config.theme
    while name:
        folder = _theme_folder(name, config)
        if folder in chain:
            raise ConfigError(f"{folder / THEME_FILE}: 'extends: {name}' makes a loop of themes")
        chain.append(folder)
        settings = _theme_settings(folder)
        listed += _listed_fields(settings, folder)
        parent = settings.get("extends")
        name = str(parent) if parent else None
    site_templates = config.root / "templates"
    template_dirs = ([site_templates] if site_templates.is_dir() else []) + chain
    static_dirs = [folder / STATIC_FOLDER for folder in chain if (folder / STATIC_FOLDER).is_dir()]
    return Theme(config.theme, tuple(template_dirs), tuple(static_dirs), tuple(dict.fromkeys(listed)))


def make_environment(theme: Theme, cache_dir: Path | None = None) -> jinja2.Environment:
    """Jinja2 with autoescape on for every template, and strict undefined names.

    With ``cache_dir``, compiled templates are kept there between builds: compiling
    the default theme takes ~0.15 s in every process that renders pages.
    """
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in theme.template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_CompiledTemplates(cache_dir) if cache_dir is not None else None,
        auto_reload=False,  # one environment draws one build: no need to stat every template for every page
    )


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Compiled templates by name, checked against their source by Jinja; a folder that cannot be written is no error.

    The file names carry a digest of this module and the Jinja version, which
    decide how templates compile (the environment's options).
    """

    def __init__(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass
        salt = digest(Path(__file__).read_text(encoding="utf-8"), jinja2.__version__)[:16]
        super().__init__(str(folder), pattern=f"{salt}-%s.cache")

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Compiled code is code: only from a file this user's pmsite sealed (``pmsite.cache``), else compiled anew."""
        data = read_sealed(Path(self._get_cache_filename(bucket)))
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            write_sealed(Path(self._get_cache_filename(bucket)), bucket.bytecode_to_string())
        except OSError:
            pass  # an unwritable cache folder renders as well, compiling every time


def static_files(theme: Theme) -> dict[str, Path]:
    """Relative path -> file, with more specific themes overriding their parents."""
    files: dict[str, Path] = {}
    for folder in reversed(theme.static_dirs):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts):
                files[path.relative_to(folder).as_posix()] = path
    return dict(sorted(files.items()))
