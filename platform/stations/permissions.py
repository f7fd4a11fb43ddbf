"""The stations app's permissions and what the platform's roles may do with them."""

from django.utils.translation import gettext_lazy as _

from core.roles import Role


class StationsPerm:
    """The stations app's permissions (``stations.*``)."""

    VIEW = "stations.view"
    MANAGE = "stations.manage"  # units, stations, targets, policy
    REGISTER_VISITS = "stations.register_visits"
    VIEW_FUNDS = "stations.view_funds"
    BOOK_FUNDS = "stations.book_funds"


permissions = {
    StationsPerm.VIEW: _("See units, stations and the reception register"),
    StationsPerm.MANAGE: _("Manage units, stations, targets and the station policy"),
    StationsPerm.REGISTER_VISITS: _("Register and handle visits"),
    StationsPerm.VIEW_FUNDS: _("See the station funds"),
    StationsPerm.BOOK_FUNDS: _("Book income and expenditure of a station fund"),
}

grants = {
    Role.TENANT_ADMIN: set(permissions),
    # Station staff work their own station (the membership's unit scope): register visits, book the fund.
    Role.STATION_STAFF: {
        StationsPerm.VIEW,
        StationsPerm.REGISTER_VISITS,
        StationsPerm.VIEW_FUNDS,
        StationsPerm.BOOK_FUNDS,
    },
    Role.REVIEWER: {StationsPerm.VIEW, StationsPerm.VIEW_FUNDS},
    Role.VIEWER: {StationsPerm.VIEW},
}
