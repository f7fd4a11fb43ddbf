grants = {
    "station_staff": {"dummy.view_things"},
    "viewer": {"dummy.view_things"},
}
