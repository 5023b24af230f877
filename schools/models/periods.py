"""Shared shape of everything that holds over a period: start date and optional end date."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PeriodQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on)


class Period(models.Model):
    start_date = models.DateField(_("från"))
    end_date = models.DateField(_("till"), null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("Slutdatum kan inte vara före startdatum.")})

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)

    def overlaps(self, other: "Period") -> bool:
        far = datetime.date.max
        return self.start_date <= (other.end_date or far) and other.start_date <= (
            self.end_date or far
        )


def end_after_start(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
        name=name,
        violation_error_message=_("Slutdatum kan inte vara före startdatum."),
    )
