"""The one signal receiver: M2M ``add``/``remove``/``set``/``clear`` on a signed entry's codes
(they bypass ``EntryCode.save``), refused before anything is written."""

from .models.entries import ImmutableRecordError, JournalEntry


def refuse_codes_change_on_signed_entry(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("pre_"):
        return
    if not reverse:
        entry_ids = [instance.pk]
    else:  # code.<related>.add(entry): instance is the code, pk_set the entries
        entry_ids = list(pk_set or []) or list(
            sender.objects.filter(code=instance).values_list("entry_id", flat=True)
        )
    if JournalEntry.objects.filter(pk__in=entry_ids, status="signed").exists():
        raise ImmutableRecordError()
