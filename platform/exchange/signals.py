"""The exchange follows the dossiers through the platform's signals: the dossiers app never calls it (it sits
below the exchange), it only says that a dossier changed."""

from django.dispatch import receiver

from core.signals import dossier_changed
from exchange.services import index_dossier


@receiver(dossier_changed, dispatch_uid="exchange_index_dossier")
def keep_index(sender, *, tenant, dossier, new=False, **_named):
    """Keep the index of people across unions, and its duplicate flags, in step with the dossier."""
    index_dossier(tenant, dossier, new=new)
