"""The dossiers app's part in other apps' acts, through the platform's signals (the apps below never import it)."""

from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils.translation import gettext as _

from core.signals import visit_registering
from dossiers.services import visible_dossiers


@receiver(visit_registering, dispatch_uid="dossiers_visit_dossier")
def check_visit_dossier(sender, *, tenant, actor, dossier_id=None, **_named):
    """A visit may name only a dossier its registrar can see."""
    if dossier_id is not None and not visible_dossiers(actor, tenant).filter(pk=dossier_id).exists():
        raise ValidationError({"dossier_id": _("Choose a dossier you can see.")})
