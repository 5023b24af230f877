"""Duties: proposed assignments from a source, their ends, and their confirmation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ...models import Assignment, Entity, ProposedAssignment, StaffMember
from ..report import Kind
from .base import _is_ending, _Pending, _Steps


class _Duties(_Steps):
    def apply_duties(self) -> None:
        entity = Entity.DUTY
        usernames = {record.username for record in self.batch.duties}
        staff = {
            member.user.username: member
            for member in StaffMember.objects.filter(
                user__username__in=usernames, organisation=self.organisation
            ).select_related("user")
        }
        valid = []
        for record in self.batch.duties:
            self.seen[entity].add(record.source_id)
            member = staff.get(record.username)
            if member is None:
                self.report.refuse(
                    entity,
                    record.source_id,
                    record.row,
                    _("ingen personal med användarnamnet %(username)s hos huvudmannen.")
                    % {"username": record.username},
                )
                continue
            school = self.school(record.school_unit_code, entity, record)
            if school is None:
                continue
            if record.end_date and record.end_date < record.start_date:
                self.report.refuse(
                    entity, record.source_id, record.row, _("slutdatum före startdatum.")
                )
                continue
            valid.append((record, member, school))
        linked = {self.linked_id(entity, record.source_id) for record, _m, _s in valid}
        absent = self.absent_ids(entity)
        proposals = {
            proposal.pk: proposal
            for proposal in ProposedAssignment.objects.filter(
                pk__in=(linked | absent) - {None}
            ).select_related("assignment", "school")
        }
        pending = _Pending.of(ProposedAssignment)
        assignments: dict[int, Assignment] = {}
        for record, member, school in valid:
            proposal = proposals.get(self.linked_id(entity, record.source_id))
            if proposal is None:
                proposal = ProposedAssignment(
                    organisation=self.organisation,
                    staff_member=member,
                    school=school,
                    duty_role=record.duty_role,
                    source=self.batch.source,
                    source_id=record.source_id,
                    start_date=record.start_date,
                    end_date=record.end_date,
                )
                if _has_ended(record.end_date, self.as_of):
                    proposal.status = ProposedAssignment.Status.ENDED
                proposal.full_clean(
                    exclude=["organisation", "staff_member", "school"],
                    validate_unique=False,
                    validate_constraints=False,
                )
                pending.creates.append(proposal)
                self.report.add(Kind.CREATED, entity, record, obj=proposal)
            else:
                old_end = proposal.end_date
                values = {"start_date": record.start_date, "end_date": record.end_date}
                if proposal.status == ProposedAssignment.Status.PROPOSED:
                    values |= {"school_id": school.pk, "staff_member_id": member.pk}
                values["duty_role"] = record.duty_role
                changed = [k for k, v in values.items() if getattr(proposal, k) != v]
                for k in changed:
                    setattr(proposal, k, values[k])
                changed += self.end_proposal(proposal, record.end_date, assignments)
                if changed:
                    pending.change(proposal, changed)
                    ending = _is_ending(old_end, proposal.end_date)
                    kind = Kind.ENDED if ending else Kind.CHANGED
                    self.report.add(kind, entity, record, "", proposal)
            self.link(entity, record.source_id, proposal)
        for pk in absent:
            proposal = proposals.get(pk)
            if (
                proposal is None
                or proposal.school.school_unit_code not in self.batch.complete_for_schools
                or _has_ended(proposal.end_date, self.as_of)
            ):
                continue
            proposal.end_date = max(self.ended_on, proposal.start_date)
            changed = ["end_date", *self.end_proposal(proposal, proposal.end_date, assignments)]
            pending.change(proposal, changed)
            self.report.add_for(
                Kind.ENDED,
                entity,
                self.source_id_of(entity, pk) or "",
                None,
                _("Saknas i leveransen."),
                proposal,
            )
        self.write_updates(Assignment, list(assignments.values()), ["end_date"])
        self.write(pending)

    def end_proposal(self, proposal, end_date, assignments: dict) -> list[str]:
        """A duty with an end ends the confirmed assignment then too, and the proposal once
        the date has passed."""
        changed = []
        assignment = proposal.assignment
        if end_date and assignment is not None and _is_ending(assignment.end_date, end_date):
            assignment.end_date = max(end_date, assignment.start_date)
            assignments[assignment.pk] = assignment
        if _has_ended(end_date, self.as_of) and proposal.status in (
            ProposedAssignment.Status.PROPOSED,
            ProposedAssignment.Status.CONFIRMED,
        ):
            proposal.status = ProposedAssignment.Status.ENDED
            changed.append("status")
        return changed


def _has_ended(end_date, as_of) -> bool:
    return end_date is not None and end_date < as_of


# --- Proposed assignments ----------------------------------------------------------------------


@transaction.atomic
def assignment_confirm(*, proposals, by) -> list[Assignment]:
    """Confirm proposed assignments (a queryset or a list): each becomes an ``Assignment``,
    which is what makes a care relation. Only proposals still proposed, of the confirming
    user's own organisation (a superuser: any)."""
    pks = [proposal.pk for proposal in proposals]
    rows = list(
        ProposedAssignment.objects.select_for_update(of=("self",))
        .filter(pk__in=pks)
        .select_related("staff_member", "school")
        .order_by("pk")
    )
    not_proposed = [row for row in rows if row.status != ProposedAssignment.Status.PROPOSED]
    if not_proposed:
        raise ValidationError(
            _("Bara föreslagna tjänstgöringar kan bekräftas (%(count)d var redan avgjorda).")
            % {"count": len(not_proposed)}
        )
    member = getattr(by, "staff_member", None)
    if not by.is_superuser and any(
        member is None or row.organisation_id != member.organisation_id for row in rows
    ):
        raise ValidationError(_("Du kan bara bekräfta tjänstgöringar hos din egen huvudman."))
    assignments = []
    for row in rows:
        assignment = Assignment(
            staff_member=row.staff_member,
            school=row.school,
            start_date=row.start_date,
            end_date=row.end_date,
        )
        assignment.full_clean()
        assignments.append(assignment)
    bulk_create_with_history(assignments, Assignment, default_user=by)
    now = timezone.now()
    for row, assignment in zip(rows, assignments, strict=True):
        row.assignment = assignment
        row.status = ProposedAssignment.Status.CONFIRMED
        row.decided_by = by
        row.decided_at = now
    bulk_update_with_history(
        rows,
        ProposedAssignment,
        ["assignment", "status", "decided_by", "decided_at"],
        default_user=by,
    )
    return assignments


@transaction.atomic
def assignment_reject(*, proposals, by) -> int:
    """Reject proposed assignments: they stay in the list, marked, and grant nothing."""
    rows = list(
        ProposedAssignment.objects.select_for_update()
        .filter(pk__in=[proposal.pk for proposal in proposals])
        .filter(status=ProposedAssignment.Status.PROPOSED)
    )
    now = timezone.now()
    for row in rows:
        row.status = ProposedAssignment.Status.REJECTED
        row.decided_by = by
        row.decided_at = now
    bulk_update_with_history(
        rows, ProposedAssignment, ["status", "decided_by", "decided_at"], default_user=by
    )
    return len(rows)
