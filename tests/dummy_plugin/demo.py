def seed(tenant, admin, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    """The dummy plugin's part of the demo: a few things."""
    from tests.dummy_plugin.models import Thing

    made = [Thing.objects.get_or_create(name=f"demo thing {n}")[1] for n in range(3)]
    return {"dummy things": sum(made)}
