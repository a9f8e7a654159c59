"""A site that builds thumbnail URLs but does not serve them."""

urlpatterns: list[object] = []
