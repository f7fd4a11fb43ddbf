"""People and organisations of a tenant: its org units, the person record and the personal-data kit on top of
``core.pii`` (see ``core.people.models``)."""
