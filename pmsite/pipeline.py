"""``build``: load -> validate -> lint -> history -> aggregate -> render -> index.

Each stage is one call on one screen, timed; stages return data and never
print. Invalid content stops the build before anything is written, with every
error listed; any later failure discards the half-built folder, so the previous
site stays as it was. ``BuildCache`` lets ``pmsite serve`` keep rendered
Markdown in memory between rebuilds.

Work overlaps where it can, on a machine's cores: a cold walk of the git
history starts in another process before loading; Markdown bodies the cache
lacks start rendering right after loading, and the similar-incidents ranking
the cache lacks starts with them, while validation, lint and aggregation run.
So the history, similar and render stages' times are only what was left of
that work when they began.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from pmsite.config import Config
from pmsite.errors import BuildError, ConfigError
from pmsite.history import start_mining
from pmsite.model import Finding, Postmortem
from pmsite.timeutil import SUPPORTED_YEARS_TEXT, in_supported_range

if TYPE_CHECKING:
    from pmsite.render import RenderResult
    from pmsite.render.markdown import RenderCache

#: progress(stage, done, total): called by long stages so a terminal can show progress.
Progress = Callable[[str, int, int], None]


class InvalidContent(BuildError):
    """The content has errors; the build stopped before writing anything."""

    def __init__(self, errors: list[Finding], findings: list[Finding]) -> None:
        files = len({f.path for f in errors})
        super().__init__(f"the build stopped: {len(errors)} error{'s' if len(errors) != 1 else ''} in "
                         f"{files} file{'s' if files != 1 else ''}; the previous site is untouched")
        self.errors = errors
        self.findings = findings


@dataclass
class BuildCache:
    """State kept between builds in one process (``pmsite serve``)."""

    render: RenderCache


@dataclass
class BuildResult:
    out_dir: Path
    base_url: str
    as_of: dt.date
    render: RenderResult
    #: Every finding of every stage (validation, lint, history), sorted.
    findings: list[Finding] = field(default_factory=list)
    #: Stage name -> seconds, in pipeline order.
    timings: dict[str, float] = field(default_factory=dict)
    loaded: int = 0
    #: Postmortems left out because they are drafts or in review (without --drafts).
    excluded: int = 0
    indexed_pages: int = 0
    #: True when no page changed, so the previous search index was reused.
    index_reused: bool = False

    @property
    def findings_by_severity(self) -> dict[str, int]:
        counts = Counter(f.severity for f in self.findings)
        return {level: counts.get(level, 0) for level in ("error", "warning", "info")}

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def default_as_of() -> dt.date:
    """The day the build describes: SOURCE_DATE_EPOCH's day when set (reproducible builds), else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        try:
            day = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
        except (OverflowError, ValueError, OSError):
            day = None
        if day is None or not in_supported_range(day):
            raise ConfigError(f"SOURCE_DATE_EPOCH={epoch} is not a time in the {SUPPORTED_YEARS_TEXT}; "
                             "set it to the seconds since 1970 of the last commit (git log -1 --format=%ct)")
        return day
    return dt.datetime.now(tz=dt.timezone.utc).date()


def is_included(pm: Postmortem, drafts: bool) -> bool:
    """Published postmortems count everywhere (site, ``actions``, ``metrics``); drafts only with --drafts."""
    return drafts or pm.status == "published"


def left_out_note(count: int) -> str:
    """What the site and the reports say about the postmortems they did not count (one wording for both)."""
    if not count:
        return ""
    return (f"{count} draft or in-review postmortem{'s' if count != 1 else ''} not counted "
            "(--drafts counts them)")


def build(config: Config, out_dir: Path | None = None, base_url: str | None = None, drafts: bool = False,
          as_of: dt.date | None = None, progress: Progress | None = None,
          cache: BuildCache | None = None) -> BuildResult:
    """Build the site into ``out_dir`` (default: ``out_dir`` of pmsite.yaml) and return what happened."""
    with ExitStack() as running:
        mining = running.enter_context(start_mining(config))  # a cold walk of history runs on another core
        # The stages are imported once the walk has started: that takes 0.3 s, on the other core.
        from pmsite import load as load_stage
        from pmsite.aggregate import aggregate
        from pmsite.index import SiteIndexer
        from pmsite.lint import lint
        from pmsite.render import SiteInputs, render_site
        from pmsite.render.markdown import RenderCache
        from pmsite.render.output import SiteWriter, check_output_folder
        from pmsite.render.site import site_info
        from pmsite.review.deadlines import deadlines
        from pmsite.review.policy import ReviewPolicy
        from pmsite.similar import start_site_similar
        from pmsite.trackers.state import read_state
        from pmsite.validate import findings_cache, validate

        out = check_output_folder(out_dir or config.out_dir, config)
        site = site_info(config, base_url or config.base_url)
        as_of = as_of or default_as_of()
        cache = cache or BuildCache(RenderCache(config.cache_dir("render") / "markdown.pickle"))
        timings: dict[str, float] = {}

        @contextmanager
        def stage(name: str) -> Iterator[None]:
            if progress:
                progress(name, 0, 0)
            started = time.perf_counter()
            yield
            timings[name] = time.perf_counter() - started

        with stage("load"):
            loaded = load_stage.load([config.content_dir], config)
        included = [pm for pm in loaded.postmortems if is_included(pm, drafts)]
        # Markdown renders on the other cores from here on, while validate, lint, history and aggregate run,
        # and so does the ranking of similar incidents.
        running.enter_context(
            cache.render.rendering_ahead([pm.body for pm in included], [pm.body_digest for pm in included]))
        ranking = running.enter_context(start_site_similar(included, config))
        with stage("validate"):
            validated = findings_cache(config)
            findings = loaded.findings + validate(loaded.postmortems, loaded.postmortems, validated)
            validated.save()
        included_paths = {pm.display_path for pm in included}
        excluded_paths = {pm.display_path for pm in loaded.postmortems} - included_paths
        errors = [f for f in findings if f.severity == "error" and f.path not in excluded_paths]
        if errors:
            raise InvalidContent(sorted(errors, key=Finding.sort_key), sorted(findings, key=Finding.sort_key))
        with stage("lint"):
            report = lint(included, config)
        findings += report.findings
        with stage("history"):
            history = mining.result()
        findings += history.warnings
        with stage("aggregate"):
            aggregates = aggregate(included, history, config, as_of)
        findings += aggregates.warnings
        with stage("similar"):
            similar = ranking.result()

        writer = SiteWriter(out, spare_dir=config.cache_dir("site") / "replaced")
        indexer = running.enter_context(SiteIndexer(writer, config.language))
        try:
            with stage("render"):  # the search index starts on the postmortem pages while the others render
                inputs = SiteInputs(config=config, site=site, as_of=as_of, postmortems=included, history=history,
                                    aggregates=aggregates, scores=report.scores, similar=similar,
                                    deadlines=deadlines(loaded.postmortems, ReviewPolicy.from_config(config), as_of),
                                    tracker_sync=read_state(config), left_out=len(excluded_paths))
                rendered = render_site(inputs, writer, cache.render,
                                       (lambda done, total: progress("render", done, total)) if progress else None,
                                       indexer.postmortems_written)
                cache.render.save()
                writer.remove_leftovers()
            with stage("index"):
                index, reuse = indexer.finish(rendered.html_changed)
            writer.commit()
        except BaseException:
            indexer.close()  # Pagefind must not write into the folder being removed
            writer.abort()
            raise
    return BuildResult(out_dir=out, base_url=site.base_url, as_of=as_of, render=rendered,
                       findings=sorted(findings, key=Finding.sort_key), timings=timings,
                       loaded=len(loaded.postmortems), excluded=len(excluded_paths),
                       indexed_pages=index.pages, index_reused=reuse)
