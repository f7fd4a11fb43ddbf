from core.plugins import RoleSpec

permissions = {
    "dummy.view_things": "See things",
    "dummy.manage_things": "Manage things",
    "dummy.keep_things": "Keep things (the keeper's own)",
}
roles = [RoleSpec("dummy.keeper", "Keeper of things")]
grants = {
    "tenant_admin": {"dummy.view_things", "dummy.manage_things"},
    "station_staff": {"dummy.view_things"},
    "viewer": {"dummy.view_things"},
    "dummy.keeper": {"dummy.view_things", "dummy.keep_things"},
}
# Consent categories the plugin records on the core's person record (core.people.services.record_consent).
consent_categories = {"dummy.things": "Things held about a person"}
