"""Folders of .txt files (and of saved .html pages), one document per file, and single .html files.

A folder is read as it is, without following anything out of it: symbolic links are read
only when they point to a regular file inside the folder, linked directories are not
entered, and every entry passed over that looks like a document (a link leading out or
nowhere, a FIFO, a socket, a device) becomes an error record naming it, so that nothing
is skipped in silence and reading never blocks on a FIFO. Files are read in the order of
their relative paths, which is their id.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from flashpoint.documents import MAX_TEXT_CHARS, unpaired_surrogate
from flashpoint.inputs.records import MAX_HTML_CHARS, NO_ID, FieldReader, InputRecord, failed, logger, printable

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")


def _is_document(name: str) -> bool:
    return name.lower().endswith(TEXT_SUFFIXES + HTML_SUFFIXES)


def count_entries(root: Path) -> int:
    """How many records :func:`read_text_folder` yields for ``root`` (one per entry that
    looks like a document, readable or not), without reading any: for progress totals
    and for cutting a folder into shards."""
    return sum(1 for _, _, files in os.walk(root, followlinks=False) for name in files if _is_document(name))


def _entries(root: Path) -> list[tuple[tuple[str, ...], str]]:
    """(relative path parts, kind) of the folder's candidate entries, sorted as paths sort."""
    found: list[tuple[tuple[str, ...], str]] = []
    for directory, subdirectories, files in os.walk(root, followlinks=False):
        relative = Path(directory).relative_to(root).parts
        for name in subdirectories:
            if os.path.islink(os.path.join(directory, name)):
                logger.warning("%s: linked folder %s is not entered", printable(str(root)),
                               printable("/".join((*relative, name))))
        for name in files:
            if _is_document(name):
                found.append(((*relative, name), "html" if name.lower().endswith(HTML_SUFFIXES) else "text"))
    return sorted(found)


def _refusal(file: Path, root: Path) -> str | None:
    """Why ``file`` is not read, or None when it is a regular file inside ``root``."""
    if file.is_symlink():
        try:
            target = file.resolve(strict=True)
        except (OSError, RuntimeError):
            return f"dangling symbolic link (to {printable(os.readlink(file))})"
        if not target.is_relative_to(root.resolve()):
            return f"symbolic link to {printable(str(target))}, outside the folder: not followed"
    mode = file.stat().st_mode
    if not stat.S_ISREG(mode):
        kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        return f"{kind}, not a regular file: not read"
    return None


def _read_file(file: Path, record_id: str, html: bool, fields: FieldReader) -> InputRecord:
    where = printable(str(file))
    if unpaired_surrogate(record_id) is not None:
        return failed(record_id, where, "file name is not valid UTF-8: rename the file to read it")
    limit = 4 * (MAX_HTML_CHARS if html else MAX_TEXT_CHARS)  # UTF-8 needs at most 4 bytes a character
    try:
        size = file.stat().st_size
        if size > limit:
            return failed(record_id, where, f"file has {size} bytes, more than a text within the limit can hold")
        data = file.read_bytes()
    except OSError as error:
        return failed(record_id, where, f"cannot be read ({error.strerror or error})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return failed(record_id, where, f"not valid UTF-8 ({error.reason} at byte {error.start})")
    return fields.record(record_id, where, NO_ID, text)


def read_text_folder(root: Path, texts: FieldReader, pages: FieldReader) -> Iterator[InputRecord]:
    for parts, kind in _entries(root):
        file = root.joinpath(*parts)
        record_id = "/".join(parts)
        try:
            refusal = _refusal(file, root)
        except OSError as error:
            refusal = f"cannot be read ({error.strerror or error})"
        if refusal is not None:
            yield failed(record_id, printable(str(file)), refusal)
            continue
        yield _read_file(file, record_id, kind == "html", pages if kind == "html" else texts)


def read_html_file(path: Path, pages: FieldReader) -> Iterator[InputRecord]:
    """A saved web page as one document, named by its file name."""
    yield _read_file(path, path.name, True, pages)
