"""Read one existing postmortem (Markdown, HTML export or .docx) as Markdown text.

HTML goes through BeautifulSoup (to drop scripts, styles and the export's
chrome, and to expand merged table cells) and then ``markdownify``; a .docx goes
through ``mammoth``, which maps Word's heading, list and table structure to
plain HTML, and then the same HTML path. Nothing here guesses what the text
means: that is ``infer``'s job.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from pmsite.adopt.structure import first_date, section_name, stated_day
from pmsite.characters import FORBIDDEN_CHARACTER, printable

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
DOCX_SUFFIXES = (".docx",)
#: Files larger than this are not postmortems (and would make conversion slow).
MAX_BYTES = 5_000_000

#: Elements whose content never reaches the output.
_DROPPED_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
                 "form", "button", "input", "select", "textarea", "link", "meta", "head")
#: Export chrome, by id or class: Confluence ("Export to HTML") and Google Docs ("Web page") wrappers.
_CHROME = re.compile(r"^(main-header|breadcrumb[-\w]*|footer|page-metadata|page-metadata-modification-info|"
                     r"attachments|pageSection|labels-section|likes-section|comment-container|navigation|"
                     r"header|footer-body|footer-logo|sidebar|ia-splitter-left|greybox|expand-control|"
                     r"toc-macro|client-side-toc-macro|docs-bubble|kix-comment)$")


class NotConvertible(Exception):
    """The file cannot be read as a document; the message says why and what to do."""


@dataclass
class Document:
    """A source turned into Markdown, with what the conversion noticed."""

    path: Path
    kind: str  # markdown | html | docx
    markdown: str
    #: The source's own date of last change (a "last modified" line of an export, else the file's mtime).
    changed: dt.date | None = None
    changed_from: str = ""
    notes: list[str] = field(default_factory=list)
    #: Front-matter another tool wrote (Jekyll, Hugo), set apart from the Markdown.
    front_matter: dict = field(default_factory=dict)


def read_document(path: Path) -> Document:
    """The file as Markdown; raises NotConvertible for binaries, bad encodings and unknown formats."""
    try:
        data = path.read_bytes()
        mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc).date()
    except OSError as exc:
        raise NotConvertible(f"cannot read the file ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise NotConvertible(f"the file is {len(data) // 1_000_000} MB; a postmortem export is far smaller")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: Word 97-2003 .doc, old Excel and Outlook files
        raise NotConvertible("an Office 97-2003 file (such as a .doc), which cannot be read; save it as .docx or "
                             "export it as HTML, then import that")
    if path.suffix.lower() in DOCX_SUFFIXES:
        html, notes = _docx_to_html(data)
        document = html_document(path, html, "docx")
        document.notes[:0] = notes
    elif _is_mime_html(data):
        document = html_document(path, _html_of_mime(data), "html")
        document.notes.insert(0, "read the HTML part of a MIME web archive (Confluence's 'Export to Word' .doc, "
                                 "a browser's .mht)")
    else:
        decode_notes: list[str] = []
        text = _decode(data, decode_notes)
        is_html = path.suffix.lower() in HTML_SUFFIXES or _looks_like_html(text)
        document = html_document(path, text, "html") if is_html else markdown_document(path, text)
        document.notes[:0] = decode_notes
    if document.changed is None:
        _dated_by_its_author(document)
    if document.changed is None:
        document.changed, document.changed_from = mtime, "the file's modification time"
    markdown = document.markdown.replace("\x0b", "\n").replace("\x0c", "\n")  # Word's line and page breaks
    replaced = len(FORBIDDEN_CHARACTER.findall(markdown))
    if replaced:
        document.notes.append(f"{replaced} control character{'s' if replaced != 1 else ''} (escapes, C1 controls) "
                              "replaced with U+FFFD: validate refuses them")
    document.markdown = printable(markdown)
    return document


#: A blog post's byline: '*Posted by Noor Hassan on 2024-03-07*', 'Published on March 7, 2024'.
#: 'Posted on March 7, 2024 by Noor Hassan' too.
_NAME = r"[A-Z](?:[^\W_]|[.'-])*(?: [A-Z](?:[^\W_]|[.'-])*){0,3}"
BYLINE = re.compile(rf"^[\W_]*(?:posted|published|written)(?: by (?P<author>{_NAME}))?,? on (?P<date>[^*_\n]{{6,30}}?)"
                    rf"(?: by (?P<author_after>{_NAME}))?[\W_]*$", re.IGNORECASE | re.MULTILINE)


def _dated_by_its_author(document: Document) -> None:
    """The day a post's byline or another tool's front-matter 'date' gives is when it was written (published),
    not the incident's day."""
    day = stated_day(document.front_matter.get("date"))
    if day:
        document.changed, document.changed_from = day, "the source's front-matter 'date'"
        return
    byline = next((m for m in BYLINE.finditer(document.markdown[:2000]) if first_date(m["date"])), None)
    if byline:
        document.changed, document.changed_from = first_date(byline["date"]), f"the byline '{byline[0].strip()}'"


_FRONT_MATTER = re.compile(r"\A(?:---[ \t]*\n(?P<yaml>.*?\n)?(?:---|\.\.\.)|\+\+\+[ \t]*\n(?P<toml>.*?\n)?\+\+\+)"
                           r"[ \t]*(?:\n|\Z)", re.DOTALL)  # YAML (Jekyll, Hugo) or TOML between '+++' (Hugo)
_SETEXT = re.compile(r"^(?P<text>[^\s|>#\-*+][^\n]*)\n(?P<rule>=+|-+)[ \t]*$", re.MULTILINE)


def markdown_document(path: Path, text: str) -> Document:
    """A Markdown file; a front-matter block of another tool (Jekyll, Hugo) is set apart, and
    setext headings ('Title' over '=====') are written as ATX headings, so every heading is found."""
    document = Document(path, "markdown", text)
    match = _FRONT_MATTER.match(text)
    if match:
        from pmsite.yamlpos import YamlSyntaxError, load_plain

        language = "TOML" if match["toml"] is not None else "YAML"
        problem = f"it is not a {language} mapping"
        try:  # bounded: an export is untrusted, and an alias bomb must not take the import down
            values = _toml().loads(match["toml"]) if language == "TOML" else load_plain(match["yaml"] or "")
        except YamlSyntaxError as exc:
            values, problem = None, exc.message
        except ValueError as exc:  # TOMLDecodeError
            values, problem = None, f"not valid TOML: {exc}"
        document.front_matter = values if isinstance(values, dict) else {}
        document.markdown = text[match.end():].lstrip("\n")
        document.notes.append("the source's own front-matter block was set apart"
                              + ("" if isinstance(values, dict) else f" (not read: {problem})"))
    document.markdown = _SETEXT.sub(lambda m: ("# " if m["rule"][0] == "=" else "## ") + m["text"].strip(),
                                    document.markdown)
    document.markdown, tables = _html_tables_as_markdown(path, document.markdown, document.notes)
    if tables:
        document.notes.append("1 HTML table in the Markdown written as a Markdown table, so its rows are read"
                              if tables == 1 else f"{tables} HTML tables in the Markdown written as Markdown "
                              "tables, so their rows are read")
    return document


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TABLE_OPEN = re.compile(r"<table\b", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)


def _html_tables_as_markdown(path: Path, text: str, notes: list[str]) -> tuple[str, int]:
    """Raw HTML tables in a Markdown file (converters from Confluence or wikis keep tables with merged or
    multi-line cells so) read as HTML: an action-item table's rows become rows. Code blocks keep theirs."""
    if not _TABLE_OPEN.search(text):
        return text, 0
    lines, out, count, fence, index = text.split("\n"), [], 0, None, 0
    while index < len(lines):
        line = lines[index]
        opened = _FENCE.match(line)
        if opened and (fence is None or opened[1][0] == fence[0] and len(opened[1]) >= len(fence)):
            fence = opened[1] if fence is None else None
        elif fence is None and re.match(r" {0,3}<table\b", line, re.IGNORECASE):
            depth, end = 0, index
            while end < len(lines):
                depth += len(_TABLE_OPEN.findall(lines[end])) - len(_TABLE_CLOSE.findall(lines[end]))
                if depth <= 0:
                    break
                end += 1
            if end < len(lines):  # a table that closes: convert it; an unclosed one stays as written
                table = html_document(path, "\n".join(lines[index:end + 1]), "html")
                notes.extend(table.notes)
                before = [""] if out and out[-1].strip() else []
                after = [""] if end + 1 < len(lines) and lines[end + 1].strip() else []
                out += [*before, *table.markdown.strip().split("\n"), *after]
                count += 1
                index = end + 1
                continue
        out.append(line)
        index += 1
    return "\n".join(out), count


def _toml():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the same parser as a package
        import tomli as tomllib
    return tomllib


#: Byte order marks that say which encoding a text is in (Notepad's "Unicode" is UTF-16 LE with one):
#: decoding by them is reading what the file states, not guessing. UTF-32 first: its LE mark starts as UTF-16's.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def _decode(data: bytes, notes: list[str]) -> str:
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if encoding:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise NotConvertible(f"byte {exc.start}: the file starts with a {encoding.upper()} byte order mark but "
                                 f"is not valid {encoding.upper()}; save it as UTF-8 and import it again") from None
        notes.append(f"read as {encoding.upper()} (the file's byte order mark says so)")
        return text.replace("\r\n", "\n").replace("\r", "\n")
    if b"\x00" in data[:8192]:
        sample = data[:200]
        if any(half and not half.strip(b"\x00") for half in (sample[0::2], sample[1::2])):  # every other byte NUL
            raise NotConvertible("this looks like UTF-16 text without a byte order mark, which does not say its byte "
                                 "order; save the file as UTF-8 and import it again")
        raise NotConvertible("this is a binary file, not a text document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NotConvertible(f"line {line}: byte 0x{data[exc.start]:02x} is not valid UTF-8; "
                             "save the file as UTF-8 and import it again") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_mime_html(data: bytes) -> bool:
    """A MIME web archive: mail-style headers, then the page as a 'multipart/related' part."""
    head = data[:4096].lower()
    return b"mime-version:" in head and b"multipart/related" in head and b"text/html" in data[:65536].lower()


def _html_of_mime(data: bytes) -> str:
    """The first text/html part of a MIME web archive, its transfer encoding and charset undone."""
    import email
    from email import policy

    message = email.message_from_bytes(data, policy=policy.default)
    part = next((p for p in message.walk() if p.get_content_type() == "text/html"), None)
    if part is None:
        raise NotConvertible("a MIME web archive without an HTML part; export the page as HTML instead")
    try:
        return part.get_content()
    except (LookupError, ValueError) as exc:  # an unknown charset, a broken encoding
        raise NotConvertible(f"the archive's HTML part cannot be decoded ({exc}); export the page as HTML "
                             "instead") from None


def _looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


#: Word's Title and Subtitle paragraph styles, which mammoth's default map does not know; a table of contents
#: (the 'TOC Heading' and 'toc 1'… entries Word writes, page numbers and all) is left out: the headings remain.
_WORD_STYLES = "\n".join(["p[style-name='Title'] => h1:fresh", "p[style-name='Subtitle'] => p:fresh",
                          *(f"p[style-name='{name}'] => !" for name in
                            ("TOC Heading", *(f"{toc} {level}" for toc in ("toc", "TOC") for level in range(1, 10))))])


def _docx_to_html(data: bytes) -> tuple[str, list[str]]:
    import mammoth

    if not data.startswith(b"PK"):
        raise NotConvertible("this .docx is not a Word document (not a zip archive)")
    try:
        result = mammoth.convert_to_html(io.BytesIO(data), style_map=_WORD_STYLES)
    except Exception as exc:  # mammoth raises plain exceptions of many kinds on damaged files
        raise NotConvertible(f"the .docx cannot be read ({type(exc).__name__}); open and save it in Word, "
                             "or export it as HTML") from None
    notes = sorted({message.message for message in result.messages if message.type == "warning"})[:3]
    return result.value, [f"Word conversion: {note}" for note in notes]


def html_document(path: Path, html: str, kind: str) -> Document:
    """Strip an export's chrome, keep headings, tables, lists, links and code, as Markdown."""
    from bs4 import BeautifulSoup, Comment
    from markdownify import MarkdownConverter

    soup = BeautifulSoup(html, "html.parser")
    page_title = _export_title(soup)  # before <head> and the page header go
    notes: list[str] = []
    _bold_by_style(soup)  # before the styles go: Google Docs makes a line bold with a class, not <b>
    dropped = len(soup.find_all(("script", "style")))  # counted first: inside <head> they go with it
    for element in soup.find_all(_DROPPED_TAGS):
        if not element.decomposed:
            element.decompose()
    for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
        comment.extract()
    if dropped:
        notes.append(f"left out {dropped} script/style element{'s' if dropped != 1 else ''} of the HTML")
    changed = _last_modified(soup)
    for element in soup.find_all(True):
        if element.decomposed:
            continue
        names = [element.get("id") or "", *(element.get("class") or [])]
        if any(_CHROME.match(name) for name in names if name) and element.name not in ("table", "ul", "ol"):
            element.decompose()
    root = soup.find(id="main-content") or soup.find("body") or soup
    _unwrap_redirects(root)
    for element in root.find_all(["a", "img"]):  # a script in a link or image address is never carried
        address = element.get("href") if element.name == "a" else element.get("src")
        if re.match(r"\s*(javascript|vbscript|data):", address or "", re.IGNORECASE):
            if element.name == "a":
                del element["href"]
            else:
                element.replace_with(element.get("alt") or "")
    _emoticons_as_text(root)
    stamped = _instants_of_time_elements(root)
    if stamped:
        notes.append(f"{stamped} <time> element{'s' if stamped != 1 else ''} shown with the instant of its datetime "
                     "attribute (the page wrote it in the reader's own zone)")
    _nest_google_lists(root)
    comments = _drop_doc_comments(root)
    if comments:
        notes.append(f"left out {comments} comment{'s' if comments != 1 else ''} of the Google Docs export")
    for value in root.select(".selected-value + .selected-value"):  # Notion's multi-select: one value a span
        value.insert_before(", ")
    for box in root.select(".checkbox-on, .checkbox-off"):  # Notion's to-do lists keep their state
        box.replace_with("[x] " if "checkbox-on" in box.get("class", []) else "[ ] ")
    for task in root.select("ul.inline-task-list > li"):  # Confluence task lists keep their state
        task.insert(0, "[x] " if "checked" in (task.get("class") or []) else "[ ] ")
    first_h1 = root.find("h1")
    title = page_title if first_h1 is None or _is_section_name(first_h1.get_text(" ", strip=True)) else ""
    if google_title_paragraph := root.find("p", class_="title"):
        google_title_paragraph.decompose()  # it becomes the title heading instead
    _unwrap_layout_tables(soup, root)
    _definitions_as_fields(soup, root)
    _captions_out_of_tables(soup, root)
    merged = _expand_merged_cells(root)
    if merged:
        notes.append(f"{merged} table{'s' if merged != 1 else ''} with merged cells: each merged cell's text "
                     "is repeated in every cell it spanned")
    converter = MarkdownConverter(heading_style="ATX", bullets="-", escape_underscores=False, escape_misc=False,
                                  strip_document="strip", table_infer_header=True)
    markdown = converter.convert_soup(root)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"
    if title:
        markdown = f"# {title}\n\n{markdown}"
    document = Document(path, kind, markdown, notes=notes)
    if changed:
        document.changed, document.changed_from = changed
    return document


_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "pre", "blockquote")


def _unwrap_layout_tables(soup, root) -> None:
    """A table used for layout (Jira's issue view puts the whole description in one cell) holds headings
    or lists in its cells: its rows become the blocks they hold, a row of short cells one paragraph
    ('**Status:** Done'), so the sections inside are found."""
    for table in reversed(root.find_all("table")):  # inner tables first
        if not any(cell.find(_BLOCKS) for cell in table.find_all(["td", "th"])):
            continue
        blocks = []
        for row in table.find_all("tr"):
            if row.find_parent("table") is not table:
                continue
            cells = row.find_all(["td", "th"], recursive=False)
            if any(cell.find(_BLOCKS) for cell in cells):
                for cell in cells:
                    cell.name = "div"
                    blocks.append(cell.extract())
            elif any(cell.get_text(strip=True) for cell in cells):
                paragraph = soup.new_tag("p")
                for index, cell in enumerate(cells):
                    if index:
                        paragraph.append(" ")
                    for child in list(cell.contents):
                        paragraph.append(child.extract())
                blocks.append(paragraph)
        for block in blocks:
            table.insert_before(block)
        table.decompose()


_BOLD_RULE = re.compile(r"\.(?P<name>[\w-]+)\s*\{[^}]*\bfont-weight\s*:\s*(?:bold|[6-9]00)\b", re.IGNORECASE)


def _bold_by_style(soup) -> None:
    """Text made bold by a style (Google Docs' '.c1{font-weight:700}' classes, an inline 'font-weight: bold')
    is written as <strong>, so a bold line naming a section is read as one, as a Markdown file's would be."""
    classes = {m["name"] for style in soup.find_all("style") for m in _BOLD_RULE.finditer(style.get_text())}
    for element in soup.find_all(["span", "p"]):
        bold_class = any(name in classes for name in element.get("class") or [])
        inline = re.search(r"font-weight\s*:\s*(?:bold|[6-9]00)\b", element.get("style") or "", re.IGNORECASE)
        if (bold_class or inline) and element.get_text(strip=True) and not element.find(["strong", "b"]):
            wrapper = soup.new_tag("strong")
            for child in list(element.contents):
                wrapper.append(child.extract())
            element.append(wrapper)


_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})")


def _instants_of_time_elements(root) -> int:
    """A page renders <time datetime="2024-05-06T08:12:00Z">8:12 AM</time> in its reader's zone, so the text
    alone says no day or zone: the exact instant is written first, '2024-05-06T08:12:00Z (8:12 AM)'."""
    count = 0
    for element in root.find_all("time"):
        instant = (element.get("datetime") or "").strip()
        text = element.get_text(" ", strip=True)
        if _INSTANT.fullmatch(instant) and not first_date(text):  # 'May 6, 2024 8:12 AM UTC' says it already
            element.string = f"{instant} ({text})" if text else instant
            count += 1
    return count


def _definitions_as_fields(soup, root) -> None:
    """A definition list of fields (Jira Service Management's review page: <dt>Priority</dt><dd>Highest</dd>)
    becomes one '**Priority:** Highest' paragraph a term, as a document written by hand would say it; a value
    holding blocks (a list) follows its term's paragraph."""
    for listing in reversed(root.find_all("dl")):  # inner lists first
        blocks = []
        for term in listing.find_all("dt", recursive=False):
            values = []
            for sibling in term.find_next_siblings(["dt", "dd"]):
                if sibling.name == "dt":
                    break
                values.append(sibling)
            label = soup.new_tag("strong")
            label.string = term.get_text(" ", strip=True).rstrip(":") + ":"
            paragraph = soup.new_tag("p")
            paragraph.append(label)
            blocks.append(paragraph)
            for index, value in enumerate(values):
                if value.find(_BLOCKS + ("p", "div")):
                    value.name = "div"
                    blocks.append(value.extract())
                    continue
                paragraph.append(" " if index == 0 else ", ")
                for child in list(value.contents):
                    paragraph.append(child.extract())
        for block in blocks:
            listing.insert_before(block)
        listing.decompose()


def _drop_doc_comments(root) -> int:
    """Google Docs exports end with the document's comments ('[a] Should we say…') and mark where each
    was made; reviewers' comments are not the postmortem's text."""
    count = 0
    for anchor in root.find_all("a", id=re.compile(r"^cmnt\d+$")):
        holder = anchor.find_parent("div")
        if holder is None or holder.find(["h1", "h2", "h3", "table"]):  # never a wrapper of the whole text
            holder = anchor.find_parent("p") or anchor
        holder.decompose()
        count += 1
    for anchor in root.find_all("a", id=re.compile(r"^cmnt_ref\d+$")):
        (anchor.find_parent("sup") or anchor).decompose()
    return count


#: Confluence emoticons by class: a tick in a Status column says done.
_EMOTICONS = {"emoticon-tick": "✔", "emoticon-check": "✔", "emoticon-cross": "✘", "emoticon-warning": "⚠",
              "emoticon-information": "ℹ", "emoticon-plus": "+", "emoticon-minus": "-"}


def _emoticons_as_text(root) -> None:
    """Confluence writes emoticons as <img class="emoticon emoticon-tick" alt="(tick)">; keep their meaning."""
    for image in root.find_all("img", class_="emoticon"):
        glyph = next((_EMOTICONS[c] for c in image.get("class", []) if c in _EMOTICONS), None)
        image.replace_with(glyph or image.get("data-emoji-fallback") or image.get("alt") or "")


def _nest_google_lists(root) -> None:
    """Google Docs writes a nested list as a sibling <ul class="lst-kix_ID-1"> after its parent list;
    move it into the parent's last item, so sub-items ('Owner: Ada') stay under their item."""
    last_item: dict[tuple[str, int], object] = {}
    for current in root.find_all(["ul", "ol"]):
        found = next((m for c in current.get("class", []) for m in [re.fullmatch(r"lst-kix_(\w+)-(\d+)", c)] if m),
                     None)
        if found is None:
            continue
        list_id, level = found[1], int(found[2])
        parent = last_item.get((list_id, level - 1))
        if level and parent is not None:
            parent.append(current.extract())
        items = current.find_all("li", recursive=False)
        if items:
            last_item[(list_id, level)] = items[-1]


def _unwrap_redirects(root) -> None:
    """Google Docs exports wrap every link as google.com/url?q=TARGET&sa=…; keep the target."""
    from urllib.parse import parse_qs, urlsplit

    for anchor in root.find_all("a", href=re.compile(r"^https?://www\.google\.com/url\?")):
        target = parse_qs(urlsplit(anchor["href"]).query).get("q", [""])[0]
        if target.startswith(("http://", "https://")):
            anchor["href"] = target


def _is_section_name(text: str) -> bool:
    """A heading such as 'Summary' names a section, not the document."""
    return section_name(text) in ("summary", "overview", "executive summary", "incident summary", "timeline",
                                     "impact", "background", "description", "tl dr")


def _export_title(soup) -> str:
    """Confluence puts the page title in ``#title-text`` or ``<title>``, outside the body's headings."""
    google_title = soup.find("p", class_="title")  # Google Docs' "Title" paragraph style
    for candidate in (soup.find(id="title-text"), google_title, soup.find("title")):
        if candidate is not None and candidate.get_text(strip=True):
            text = candidate.get_text(" ", strip=True)
            # "Space name : Page title" (Confluence), "Acme Status - Incident name" (Statuspage)
            return re.sub(r"^[^:]{1,60} : |^[^-–]{1,60} Status [-–] ", "", text)
    return ""


_MODIFIED = re.compile(r"last (?:modified|updated|edited)(?: by [^,]{1,80})?,? on (?P<date>[A-Z][a-z]{2,8} \d{1,2},? \d{4})",
                       re.IGNORECASE)


def _last_modified(soup) -> tuple[dt.date, str] | None:
    """Confluence exports say 'Created by X, last modified on Mar 14, 2024' above the page."""
    for element in soup.find_all(class_=re.compile("page-metadata")):
        match = _MODIFIED.search(element.get_text(" ", strip=True))
        if match:
            for pattern in ("%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y"):
                try:
                    return dt.datetime.strptime(match["date"], pattern).date(), "the export's 'last modified' line"
                except ValueError:
                    continue
    return None


def _captions_out_of_tables(soup, root) -> None:
    """A first row of one cell over rows of several ('Follow-up work' spanning the table) is the table's
    caption, not its header: it becomes an italic paragraph above the table (not bold, which would read as a
    heading of its own), so the next row is the header."""
    for table in root.find_all("table"):
        rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
        if len(rows) < 2:
            continue
        first, second = (row.find_all(["td", "th"], recursive=False) for row in rows[:2])
        if len(first) == 1 and len(second) >= 2 and first[0].get_text(strip=True):
            caption = soup.new_tag("p")
            caption.append(soup.new_tag("em"))
            caption.em.string = first[0].get_text(" ", strip=True)
            table.insert_before(caption)
            rows[0].decompose()


def _expand_merged_cells(root) -> int:
    """Repeat the text of cells with rowspan/colspan, so every Markdown row has every column."""
    from bs4 import BeautifulSoup

    merged_tables = 0
    for table in root.find_all("table"):
        rows = table.find_all("tr")
        if not any(cell.get("rowspan", "1") not in ("", "1") or cell.get("colspan", "1") not in ("", "1")
                   for row in rows for cell in row.find_all(["td", "th"], recursive=False)):
            continue
        merged_tables += 1
        pending: dict[int, tuple[int, str, str]] = {}  # column -> (rows left, tag, html)
        for row in rows:
            cells = row.find_all(["td", "th"], recursive=False)
            built: list[tuple[str, str]] = []
            column = 0
            queue = list(cells)
            while queue or column in pending:
                if column in pending:
                    left, tag, html = pending[column]
                    built.append((tag, html))
                    pending[column] = (left - 1, tag, html)
                    if left - 1 <= 0:
                        del pending[column]
                    column += 1
                    continue
                cell = queue.pop(0)
                html = cell.decode_contents()
                span_rows = _span(cell.get("rowspan"))
                for _ in range(_span(cell.get("colspan"))):
                    built.append((cell.name, html))
                    if span_rows > 1:
                        pending[column] = (span_rows - 1, cell.name, html)
                    column += 1
            for cell in cells:
                cell.decompose()
            for tag, html in built:
                fragment = BeautifulSoup(f"<{tag}>{html}</{tag}>", "html.parser")
                row.append(fragment.find(tag))
    return merged_tables


def _span(value: object) -> int:
    try:
        return max(1, min(int(str(value)), 50))
    except (TypeError, ValueError):
        return 1
