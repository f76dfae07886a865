"""The review step: a case goes draft → 確認待ち → published, and someone else publishes it.

Every change of status, from the case form's buttons or the changelist's actions, goes through
`change_status()`, so the rules live here once:

- the moves allowed are those in TRANSITIONS;
- publishing needs the `cases.publish_case` permission (the 編集者 group has it), a case awaiting
  review, no problem the audit (cases.audit) finds, and, when the setting
  `KOKUDO_PUBLISH_NEEDS_SECOND_EDITOR` is on (the default), a publisher who is not the person who
  last changed the case: a second editor's approval.

The change is saved with its reason, so the case's history records who moved it and when.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import audit
from .models import Case

Status = Case.Status

TRANSITIONS = {
    Status.DRAFT: {Status.REVIEW},
    Status.REVIEW: {Status.PUBLISHED, Status.DRAFT},
    Status.PUBLISHED: {Status.DRAFT},
}

# What the case form's buttons say for each move.
ACTION_LABELS = {
    Status.REVIEW: gettext_lazy("確認を依頼する"),
    Status.PUBLISHED: gettext_lazy("公開する"),
    Status.DRAFT: gettext_lazy("下書きに戻す"),
}


class ReviewError(Exception):
    """A move the rules refuse; the message says why, for the editor."""


def second_editor_required():
    return getattr(settings, "KOKUDO_PUBLISH_NEEDS_SECOND_EDITOR", True)


def last_editor_id(case):
    """The user who made the case's latest recorded change (None: a load or an unknown user)."""
    return (
        case.history.order_by("-history_date", "-history_id")
        .values_list("history_user_id", flat=True)
        .first()
    )


def publish_problems(case, user):
    """Why `user` may not publish `case` now; empty when they may."""
    problems = []
    if not user.has_perm("cases.publish_case"):
        problems.append(_("事例を公開する権限がありません。"))
    if case.status != Status.REVIEW:
        problems.append(_("公開できるのは確認待ちの事例だけです。先に確認を依頼してください。"))
    if second_editor_required() and last_editor_id(case) == user.pk:
        problems.append(
            _("最後に編集した人は公開できません。別の編集者に確認と公開を依頼してください。")
        )
    problems += [
        _("点検で問題が見つかりました: %(problem)s") % {"problem": problem.message}
        for problem in audit(Case.objects.filter(pk=case.pk))
    ]
    return problems


def available_moves(case):
    return sorted(TRANSITIONS.get(case.status, ()), key=list(Status).index)


def change_status(case, user, status):
    """Move `case` to `status` as `user`, or raise ReviewError saying why not."""
    status = Status(status)
    if status not in TRANSITIONS.get(case.status, ()):
        raise ReviewError(
            _("「%(current)s」から「%(target)s」には移せません。")
            % {"current": case.get_status_display(), "target": status.label}
        )
    if status == Status.PUBLISHED:
        problems = publish_problems(case, user)
        if problems:
            raise ReviewError(" ".join(problems))
    case.status = status
    # simple_history records the user and the reason with the change.
    case._history_user = user
    case._change_reason = f"status: {status}"
    case.save()
    return case
