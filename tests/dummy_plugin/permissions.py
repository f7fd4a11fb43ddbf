grants = {
    "tenant_admin": {"dummy.view_things", "dummy.manage_things"},
    "station_staff": {"dummy.view_things"},
    "viewer": {"dummy.view_things"},
}
