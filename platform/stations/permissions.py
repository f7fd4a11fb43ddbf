"""The stations app's permissions and what the platform's roles may do with them."""

from django.utils.translation import gettext_lazy as _

from core.roles import Perm, Role

permissions = {
    Perm.STATIONS_VIEW: _("See units, stations and the reception register"),
    Perm.STATIONS_MANAGE: _("Manage units, stations, targets and the station policy"),
    Perm.RECEPTION_REGISTER: _("Register and handle visits"),
    Perm.FUNDS_VIEW: _("See the station funds"),
    Perm.FUNDS_BOOK: _("Book income and expenditure of a station fund"),
}

grants = {
    Role.TENANT_ADMIN: set(permissions),
    # Station staff work their own station (the membership's unit scope): register visits, book the fund.
    Role.STATION_STAFF: {Perm.STATIONS_VIEW, Perm.RECEPTION_REGISTER, Perm.FUNDS_VIEW, Perm.FUNDS_BOOK},
    Role.REVIEWER: {Perm.STATIONS_VIEW, Perm.FUNDS_VIEW},
    Role.VIEWER: {Perm.STATIONS_VIEW},
}
