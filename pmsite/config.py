"""``pmsite.yaml``: where the repository is and how each stage is tuned.

Every command works without the file (defaults below). Each stage reads its own
section through ``Config.section`` so adding a section never touches this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmsite.errors import ConfigError
from pmsite.yamlpos import YamlSyntaxError, parse_yaml

CONFIG_NAME = "pmsite.yaml"
DEFAULT_CONTENT_DIR = "content/postmortems"

#: Top-level keys and the type each must have.
KNOWN_KEYS: dict[str, type | tuple[type, ...]] = {
    "title": str,
    "description": str,
    "base_url": str,
    "content_dir": str,
    "out_dir": str,
    "theme": str,
    "edit_url": str,
    "repo_url": str,
    "language": str,
    "id_prefix": str,
    "lint": dict,
    "history": dict,
    "sla": dict,
    "escalation": dict,
    "metrics": dict,
    "patterns": dict,
    "taxonomy": dict,
    "timeline": dict,
    "blackbox": dict,
    "pulse": dict,
    "site": dict,
    "review": dict,
    "trackers": dict,
    "teams": dict,
    "remind": dict,
    "drills": dict,
}


@dataclass
class Config:
    """Typed view of ``pmsite.yaml`` plus where the repository root is."""

    root: Path
    path: Path | None = None
    title: str = "Postmortems"
    description: str = "What we learned from our incidents."
    base_url: str = "/"
    content_dir: Path = field(default=Path(DEFAULT_CONTENT_DIR))
    out_dir: Path = field(default=Path("site"))
    theme: str = "default"
    #: Template for "edit this page" links; ``{path}`` is the file path from the root.
    edit_url: str = ""
    repo_url: str = ""
    language: str = "en"
    raw: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """A stage's own settings (``lint``, ``sla``, ...), empty when not configured."""
        value = self.raw.get(name)
        return value if isinstance(value, dict) else {}

    def cache_dir(self, stage: str) -> Path:
        """Where a stage keeps its cache: ``<cache folder>/<stage>/``, outside the checkout (``pmsite.cache``)."""
        from pmsite.cache import locate

        return locate(self.root).folder / stage

    def display_path(self, path: Path) -> str:
        """Show paths relative to the root when they are inside it, POSIX style."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            pass
        try:  # resolving is slow: only when the plain path is not under the root
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def find_root(start: Path | None = None) -> Path:
    """Walk up from ``start`` to the folder holding ``pmsite.yaml``.

    Without one, a folder with ``content/postmortems`` or a git repository counts
    as the root (like git and Hugo, any sub-folder works); else ``start`` itself.
    """
    start = (start or Path.cwd()).resolve()
    candidates = [start, *start.parents]
    for markers in ((CONFIG_NAME,), (DEFAULT_CONTENT_DIR,), (".git",)):
        for folder in candidates:
            if any((folder / marker).exists() for marker in markers):
                return folder
    return start


#: Settings that become links on every page: (key path, whether a path without a scheme is allowed too).
URL_SETTINGS = ((("repo_url",), False), (("edit_url",), False), (("site", "url"), False), (("base_url",), True))


def url_problem(value: str, path_allowed: bool = False) -> str:
    """Why ``value`` cannot be a link pmsite puts on pages ("" when it can): http(s) only, nothing hidden."""
    from urllib.parse import urlsplit

    if any(ord(c) <= 32 or ord(c) == 127 for c in value):
        return "must not contain spaces or control characters"
    parts = urlsplit(value)
    if not parts.scheme and path_allowed and not value.startswith("//"):
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "must be an http:// or https:// URL" + (" or a path such as /postmortems/" if path_allowed else "")
    return ""


def _url_problems(raw: dict[str, Any], positions: dict, display: str) -> list[str]:
    problems = []
    for key_path, path_allowed in URL_SETTINGS:
        value = raw.get(key_path[0])
        if len(key_path) > 1:
            value = value.get(key_path[1]) if isinstance(value, dict) else None
        if not isinstance(value, str) or not value:
            continue
        problem = url_problem(value, path_allowed)
        if problem:
            pos = positions.get(key_path)
            where = f"{display}:{pos[0]}:{pos[1]}" if pos else display
            problems.append(f"{where}: {'.'.join(key_path)} {value!r} {problem} (it becomes a link on every page)")
    return problems


def _content_folder(root: Path, configured: str) -> Path:
    """The content folder, resolved; a folder inside the repository that is a link out of it is refused.

    Such a link can arrive in a commit. A folder outside the repository named
    in pmsite.yaml itself (the user's own configuration) is followed.
    """
    lexical = root / configured
    resolved = lexical.resolve()
    if ".." not in Path(configured).parts and not Path(configured).is_absolute() \
            and resolved != root and root not in resolved.parents:
        raise ConfigError(f"{configured}: the content folder is a symbolic link to {resolved}, outside the "
                          "repository; pmsite does not follow links out of it (name that folder in content_dir "
                          "of pmsite.yaml if it is meant)")
    return resolved


def load_config(root: Path | None = None, config_file: Path | None = None) -> Config:
    """Read ``pmsite.yaml`` at ``root`` (found from the cwd when None)."""
    root = (root or find_root()).resolve()
    path = config_file or root / CONFIG_NAME
    if not path.is_file():
        if config_file is not None:
            raise ConfigError(f"{config_file}: no such configuration file")
        return Config(root=root, content_dir=_content_folder(root, DEFAULT_CONTENT_DIR), out_dir=root / "site")
    display = path.name if path.parent == root else str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{display}: cannot read the configuration ({exc})") from None
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as exc:
        raise ConfigError(f"{exc.located(display)}; fix the YAML") from None
    raw = parsed.data if parsed.data is not None else {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{display}:1:1: the configuration must be a mapping of keys to values")

    problems = []
    for key, value in raw.items():
        pos = parsed.positions.get((key,))
        where = f"{display}:{pos[0]}:{pos[1]}" if pos else display
        expected = KNOWN_KEYS.get(key)
        if expected is None:
            import difflib

            close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(KNOWN_KEYS))}"
            problems.append(f"{where}: unknown key {key!r}{hint}")
        elif value is not None and not isinstance(value, expected):
            kind = "a mapping" if expected is dict else "text"
            problems.append(f"{where}: {key!r} must be {kind}, got {type(value).__name__}")
    problems += _url_problems(raw, parsed.positions, display)
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))

    def text_value(key: str, default: str) -> str:
        value = raw.get(key)
        return value if isinstance(value, str) and value else default

    content_dir = _content_folder(root, text_value("content_dir", DEFAULT_CONTENT_DIR))
    base_url = text_value("base_url", "/")
    if not base_url.endswith("/"):
        base_url += "/"
    return Config(
        root=root,
        path=path,
        title=text_value("title", Config.title),
        description=text_value("description", Config.description),
        base_url=base_url,
        content_dir=content_dir,
        out_dir=(root / text_value("out_dir", "site")).resolve(),
        theme=text_value("theme", "default"),
        edit_url=text_value("edit_url", ""),
        repo_url=text_value("repo_url", ""),
        language=text_value("language", "en"),
        raw=raw,
    )
