from django.urls import include, path

urlpatterns = [path("t/", include("restthumbnails.urls"))]
