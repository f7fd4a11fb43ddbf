from django.db.models import Count

from core.plugins import Metric
from tests.dummy_plugin.models import Thing


def _things(tenant, period):
    return [({}, Thing.objects.aggregate(n=Count("id"))["n"])]


metrics = [Metric(name="dummy.things", label="things", unit="count", compute=_things)]
