"""A case's history as people read it: per change, the case's own fields and its rows.

simple_history records the case and each kind of row separately. An admin save writes the case
first and its rows after it (ModelAdmin.save_model, then save_related), so every row record
belongs to the latest record of the case made at or before it by the same person; a row change
with no such record of the case (code that saved only the row) stands as a change of its own.
"""

from bisect import bisect_right
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import Case

# The kinds of rows a case holds, by their name on Case.
ROW_RELATIONS = (
    "citations",
    "places",
    "actors",
    "funding",
    "infrastructure",
    "figures",
    "milestones",
    "challenges",
    "points",
)

ACTIONS = {"+": _("追加"), "~": _("変更"), "-": _("削除")}


@dataclass
class RowChange:
    kind: str
    action: str
    label: str
    record: object
    changes: list = field(default_factory=list)  # FieldChange, field by field


@dataclass
class FieldChange:
    field: str  # the field's verbose name, as the form labels it
    old: object
    new: object


def row_records(case_id):
    """Every historical record of every row of the case, oldest first."""
    records = []
    for name in ROW_RELATIONS:
        model = Case._meta.get_field(name).related_model
        records += model.history.filter(case_id=case_id).select_related("history_user")
    return sorted(records, key=lambda record: (record.history_date, record.history_id))


def row_change(record):
    model = record.instance_type
    previous = record.prev_record if record.history_type == "~" else None
    delta = record.diff_against(previous, foreign_keys_are_objs=True) if previous else None
    changes = [
        FieldChange(str(model._meta.get_field(change.field).verbose_name), change.old, change.new)
        for change in (delta.changes if delta else [])
    ]
    return RowChange(
        kind=str(model._meta.verbose_name),
        action=str(ACTIONS[record.history_type]),
        label=str(record.instance),
        record=record,
        changes=changes,
    )


def attach_row_changes(case_records, case_id):
    """Set `row_changes` on each historical record of the case: the rows saved with it.

    Row changes older than every case record shown, or by someone other than the case record's
    author, are returned apart, to be listed on their own.
    """
    ordered = sorted(case_records, key=lambda record: (record.history_date, record.history_id))
    dates = [record.history_date for record in ordered]
    for record in ordered:
        record.row_changes = []
    unattached = []
    for row in row_records(case_id):
        at = bisect_right(dates, row.history_date) - 1
        owner = ordered[at] if at >= 0 else None
        if owner is not None and owner.history_user_id == row.history_user_id:
            owner.row_changes.append(row_change(row))
        else:
            unattached.append(row_change(row))
    return unattached
