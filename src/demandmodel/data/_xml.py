"""Safe XML parsing for statutory returns (SSDA903, CIN census, workforce census).

Returns arrive from case-management systems and are untrusted. They are parsed with
:mod:`defusedxml`, which refuses entity declarations (the "billion laughs" attack), external
entities and DTD tricks. Every problem becomes one :class:`~demandmodel.DataValidationError`
that names the file and, where the parser knows it, the line and column.

Examples
--------
>>> from demandmodel.data._xml import parse_xml, child_text
>>> root = parse_xml(b"<EXPSSDA903><CHILD><HEADER><CHILDID> 42 </CHILDID></HEADER></CHILD></EXPSSDA903>",
...                  file_label="fake.xml")
>>> root.tag
'EXPSSDA903'
>>> child_text(root.find("CHILD/HEADER"), "CHILDID")
'42'
>>> try:
...     parse_xml(b"<a><b></a>", file_label="broken.xml")
... except Exception as err:
...     print(type(err).__name__, err.failures.loc[0, "rule"])
DataValidationError xml_malformed
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from os import PathLike
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from demandmodel.data._validate import Failures
from demandmodel.errors import DataValidationError

__all__ = ["MAX_XML_BYTES", "child_text", "local_name", "parse_xml"]

MAX_XML_BYTES = 512 * 1024 * 1024
"""Refuse XML documents larger than this (512 MiB): a real annual return is a few MiB."""


def local_name(tag: str) -> str:
    """The tag without its ``{namespace}`` prefix.

    Examples
    --------
    >>> local_name("{http://www.dfe.gov.uk/CIN}Child")
    'Child'
    >>> local_name("Child")
    'Child'
    """
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def child_text(element: ET.Element | None, tag: str) -> str:
    """Stripped text of the first direct child called ``tag`` (namespace ignored), or ``""``.

    Examples
    --------
    >>> el = ET.fromstring("<HEADER><SEX>1</SEX><UASC/></HEADER>")
    >>> child_text(el, "SEX"), child_text(el, "UASC"), child_text(el, "DOB")
    ('1', '', '')
    """
    if element is None:
        return ""
    for child in element:
        if isinstance(child.tag, str) and local_name(child.tag) == tag:
            return (child.text or "").strip()
    return ""


def _error(label: str, rule: str, message: str, *, row: int | None = None) -> DataValidationError:
    failures = Failures()
    failures.add(file=label, row=row, rule=rule, message=message)
    return DataValidationError(f"{label}: {message}", failures.frame())


def parse_xml(
    source: str | PathLike[str] | bytes,
    *,
    file_label: str | None = None,
    max_bytes: int = MAX_XML_BYTES,
) -> ET.Element:
    """Parse an untrusted XML document safely and return its root element.

    Parameters
    ----------
    source
        A path to an XML file, or the document itself as ``bytes``.
    file_label
        How to name the document in messages (default: the path, or ``"<bytes>"``).
    max_bytes
        Refuse larger documents.

    Returns
    -------
    xml.etree.ElementTree.Element
        The root element (namespaces kept in tags; see :func:`local_name`).

    Raises
    ------
    DataValidationError
        The file cannot be read, is empty, is not well-formed XML (rule ``xml_malformed``, with
        line and column), or is hostile: entity declarations, external references
        (rule ``xml_forbidden``). ``.failures`` has one row naming the file.

    Examples
    --------
    >>> bomb = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><l>&b;</l>'
    >>> try:
    ...     parse_xml(bomb, file_label="bomb.xml")
    ... except Exception as err:
    ...     print(err.failures.loc[0, "rule"])
    xml_forbidden
    """
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
        label = file_label or "<bytes>"
    else:
        path = Path(source)
        label = file_label or str(path)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise _error(
                    label,
                    "xml_too_large",
                    f"XML file is {size:,} bytes, more than the {max_bytes:,} allowed; "
                    "split the return or raise max_bytes",
                )
            data = path.read_bytes()
        except OSError as err:
            raise _error(
                label, "file_unreadable", f"cannot read the file ({err.strerror or err})"
            ) from err
    if len(data) > max_bytes:
        raise _error(label, "xml_too_large", f"XML document larger than {max_bytes:,} bytes")
    if not data.strip():
        raise _error(label, "file_empty", "the XML file is empty; export the return again")
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise _error(
            label,
            "xml_forbidden",
            f"the XML declares entities or external references ({type(err).__name__}), "
            "which statutory returns never need and which can be used to attack the reader; "
            "remove the <!DOCTYPE ...> block and export again",
        ) from err
    except ET.ParseError as err:
        line, col = getattr(err, "position", (None, None))
        where = f" at line {line}, column {col}" if line is not None else ""
        raise _error(
            label,
            "xml_malformed",
            f"not well-formed XML{where} ({err}); the file may be truncated or edited by hand - "
            "export it again from the case-management system",
            row=line,
        ) from err
    except (ValueError, LookupError, RecursionError, MemoryError) as err:
        raise _error(
            label, "xml_malformed", f"cannot parse the XML ({type(err).__name__}: {err})"
        ) from err
    return root
