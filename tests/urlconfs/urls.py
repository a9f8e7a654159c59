from django.urls import include, path

# A prefix that is only ours: every other path below it is our 404 no-store.
urlpatterns = [path("t/", include("restthumbnails.owned_urls"))]
