from django.conf import settings

from core.menu import navigation_for


def platform(request):
    return {
        "navigation": navigation_for(request) if hasattr(request, "user") else [],
        "current_tenant": getattr(request, "tenant", None),
        "membership": getattr(request, "membership", None),
        "platform_version": settings.PLATFORM_VERSION,
    }
