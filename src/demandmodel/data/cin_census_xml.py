"""CIN census XML (``Message > Header``, ``Message > Children > Child*``) -> flattened records.

One XML file is one collection. Each ``Child`` becomes records of the flattened tables
(``ChildIdentifiers``, ``CINdetails``, ``Assessments``, ``ChildProtectionPlans``, ``Reviews``, ...),
with ``CINdetailsID``/``AssessmentID``/``CPPID`` numbered by element position and ``_row`` naming
the child and element path. Unknown elements, stray text and pre-proceedings blocks are logged
``ignored``; a file that is not a CIN census return is a fatal problem.

Examples
--------
>>> import pathlib, tempfile
>>> from demandmodel.data.cin_census_records import Context
>>> from demandmodel.data.cin_census_xml import read_xml
>>> path = pathlib.Path(tempfile.mkdtemp()) / "cin.xml"
>>> _ = path.write_text("<Message><Header><CollectionDetails><ReferenceDate>2022-03-31"
...     "</ReferenceDate></CollectionDetails></Header><Children><Child><ChildIdentifiers>"
...     "<LAchildID>C1</LAchildID></ChildIdentifiers><CINdetails><CINreferralDate>2021-10-06"
...     "</CINreferralDate><Shoe/></CINdetails></Child></Children></Message>")
>>> ctx = Context(repair=False)
>>> coll = read_xml(path, 0, ctx)
>>> coll.tables["CINdetails"][0]["CINdetailsID"], coll.tables["CINdetails"][0]["_row"]
('1.1', 'child C1 at /Message/Children/Child[1]/CINdetails[1]')
>>> [(r["rule"], r["before"]) for r in ctx.log]
[('unknown_element', 'Shoe')]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from demandmodel.data._xml import local_name, parse_xml
from demandmodel.data.cin_census_codes import CIN_CONTAINERS, CIN_FIELDS, HEADER_FIELDS, TABLES
from demandmodel.data.cin_census_records import Collection, Context, read_header
from demandmodel.errors import DataValidationError

__all__ = ["children_named", "read_fields", "read_xml"]


def children_named(el: Any, tag: str) -> list[Any]:
    """The child elements of ``el`` with local name ``tag`` (namespaces ignored)."""
    return [c for c in el if isinstance(c.tag, str) and local_name(c.tag) == tag]


def read_fields(
    el: Any, fields: Sequence[str], containers: Iterable[str], *, coll: Collection, row: str,
    child: str | None, ctx: Context,
) -> dict[str, str | None]:  # fmt: skip
    """Text of the known sub-elements of ``el``; unknown ones and stray text are logged."""
    out: dict[str, str | None] = dict.fromkeys(fields)
    known = set(fields) | set(containers)
    if (el.text or "").strip() and len(el):
        ctx.note(file=coll.label, row=row, child=child, rule="stray_text", action="ignored",
                 before=el.text.strip(), message="text between elements is not part of the return")  # fmt: skip
    for sub in el:
        if not isinstance(sub.tag, str):
            continue
        tag = local_name(sub.tag)
        if (sub.tail or "").strip():
            ctx.note(file=coll.label, row=row, child=child, rule="stray_text", action="ignored",
                     before=sub.tail.strip(), message=f"text after <{tag}> is not part of the return")  # fmt: skip
        if tag not in known:
            ctx.note(file=coll.label, row=row, child=child, rule="unknown_element", action="ignored",
                     before=tag, message=f"<{tag}> is not a CIN census element here; not read")  # fmt: skip
        elif tag in out:
            text = (sub.text or "").strip() or None
            if out[tag] is not None:
                ctx.problem(file=coll.label, row=row, child=child, column=tag, value=text,
                            rule="repeated_element", action="dropped", after=out[tag],
                            message="given twice; the first value is kept")  # fmt: skip
            else:
                out[tag] = text
    return out


def read_xml(path: Path, position: int, ctx: Context) -> Collection | None:
    """One CIN census XML file as a collection, or None after a fatal problem (logged in ``ctx``)."""
    label = str(path)
    try:
        root = parse_xml(path, file_label=label)
    except DataValidationError as err:
        ctx.absorb(err)
        return None
    if local_name(str(root.tag)) != "Message":
        ctx.fatal(file=label, rule="not_cin_census",
                  message=f"the root element is <{local_name(str(root.tag))}>, not <Message>; "
                  "is this a CIN census return?")  # fmt: skip
        return None
    coll = Collection(label=label, position=position)
    kw: dict[str, Any] = {"coll": coll, "ctx": ctx}
    children_el = None
    for top in root:
        if not isinstance(top.tag, str):
            continue
        tag = local_name(top.tag)
        if tag == "Header":
            values: dict[str, str | None] = {}
            for part in top:
                if isinstance(part.tag, str):
                    got = read_fields(
                        part, HEADER_FIELDS, (), row="/Message/Header", child=None, **kw
                    )
                    values.update({k: v for k, v in got.items() if v is not None})
            collection = (values.get("Collection") or "CIN").upper()
            if collection != "CIN":
                ctx.fatal(file=label, rule="not_cin_census", row="/Message/Header",
                          message=f"the header says Collection={collection}, not CIN"
                          + ("; read it with read_workforce" if collection == "CSWW" else ""))  # fmt: skip
                return None
            read_header(coll, values, "/Message/Header", ctx)
        elif tag == "Children":
            children_el = top
        else:
            ctx.note(file=label, row=f"/Message/{tag}", child=None, rule="unknown_element",
                     action="ignored", before=tag, message=f"<{tag}> is not read")  # fmt: skip
    if children_el is None:
        ctx.fatal(file=label, rule="not_cin_census",
                  message="no <Children> element under <Message>; the file is not a CIN census "
                  "return or it is truncated")  # fmt: skip
        return None
    for i, child_el in enumerate(children_named(children_el, "Child"), start=1):
        _read_child(child_el, f"/Message/Children/Child[{i}]", **kw)
    return coll


def _read_child(el: Any, path: str, *, coll: Collection, ctx: Context) -> None:
    """Add the records of one ``<Child>`` (at XPath-like ``path``) to ``coll``."""
    kw: dict[str, Any] = {"coll": coll, "ctx": ctx}
    ident_els = children_named(el, "ChildIdentifiers")
    ids: dict[str, str | None] = dict.fromkeys(TABLES["ChildIdentifiers"])
    if ident_els:
        ids = read_fields(ident_els[0], TABLES["ChildIdentifiers"], (), row=f"{path}/ChildIdentifiers",
                      child=None, **kw)  # fmt: skip
    cid = ids["LAchildID"]

    def loc(sub: str) -> str:
        return f"child {cid or '?'} at {path}{sub}"

    def rec(sub: str, values: dict[str, Any]) -> dict[str, Any]:
        return {**values, "LAchildID": cid, "_file": coll.label, "_row": loc(sub)}

    coll.add("ChildIdentifiers", rec("/ChildIdentifiers", ids))
    read_fields(el, (), ("ChildIdentifiers", "ChildCharacteristics", "CINdetails"), row=loc(""),
            child=cid, **kw)  # fmt: skip
    for chars in children_named(el, "ChildCharacteristics")[:1]:
        sub = "/ChildCharacteristics"
        values = read_fields(
            chars, ("Ethnicity",), ("Disabilities",), row=loc(sub), child=cid, **kw
        )
        coll.add("ChildCharacteristics", rec(sub, values))
        for dis in children_named(chars, "Disabilities"):
            for n, d in enumerate(children_named(dis, "Disability"), start=1):
                coll.add("Disabilities", rec(f"{sub}/Disabilities/Disability[{n}]",
                                             {"Disability": (d.text or "").strip() or None}))  # fmt: skip
    for j, det in enumerate(children_named(el, "CINdetails"), start=1):
        sub = f"/CINdetails[{j}]"
        values = read_fields(det, CIN_FIELDS, CIN_CONTAINERS, row=loc(sub), child=cid, **kw)
        # XML has no CINdetailsID: number them by element, unique in the file (Child 3, 2nd -> "3.2")
        detail_id = f"{path.rsplit('[', 1)[-1].rstrip(']')}.{j}"
        coll.add("CINdetails", rec(sub, {**values, "CINdetailsID": detail_id}))
        parent = {"CINdetailsID": detail_id}
        for k, ass in enumerate(children_named(det, "Assessments"), start=1):
            s = f"{sub}/Assessments[{k}]"
            values = read_fields(ass, TABLES["Assessments"][3:6], ("FactorsIdentifiedAtAssessment",),
                             row=loc(s), child=cid, **kw)  # fmt: skip
            factors = [
                (f.text or "").strip()
                for box in children_named(ass, "FactorsIdentifiedAtAssessment")
                for f in children_named(box, "AssessmentFactors")
            ]
            values["AssessmentFactors"] = ",".join(f for f in factors if f) or None
            coll.add("Assessments", rec(s, {**values, **parent, "AssessmentID": str(k)}))
        for tag, table in (("CINPlanDates", "CINplanDates"), ("Section47", "Section47")):
            for k, item in enumerate(children_named(det, tag), start=1):
                s = f"{sub}/{tag}[{k}]"
                values = read_fields(item, TABLES[table][2:], (), row=loc(s), child=cid, **kw)
                coll.add(table, rec(s, {**values, **parent}))
        for k, cpp in enumerate(children_named(det, "ChildProtectionPlans"), start=1):
            s = f"{sub}/ChildProtectionPlans[{k}]"
            values = read_fields(cpp, TABLES["ChildProtectionPlans"][3:], ("Reviews",), row=loc(s),
                             child=cid, **kw)  # fmt: skip
            coll.add("ChildProtectionPlans", rec(s, {**values, **parent, "CPPID": str(k)}))
            for box in children_named(cpp, "Reviews"):
                for n, r in enumerate(children_named(box, "CPPreviewDate"), start=1):
                    coll.add("Reviews", rec(f"{s}/Reviews/CPPreviewDate[{n}]",
                                            {**parent, "CPPID": str(k),
                                             "CPPreviewDate": (r.text or "").strip() or None}))  # fmt: skip
        for k, _ in enumerate(children_named(det, "PreProceedingsandFGDM"), start=1):
            ctx.note(file=coll.label, row=loc(f"{sub}/PreProceedingsandFGDM[{k}]"), child=cid,
                     rule="not_modelled", action="ignored", before="PreProceedingsandFGDM",
                     message="pre-proceedings blocks are not part of the demand model; not read")  # fmt: skip
