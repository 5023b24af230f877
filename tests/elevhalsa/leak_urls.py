"""The real URLs plus one view that fails with an identity number in its exception and locals,
so the leak test can look at error pages and error e-mails."""

from django.urls import path
from django.views.decorators.http import require_POST

from elevhalsa.urls import urlpatterns as real_urlpatterns


@require_POST
def failing_view(request):
    identity_number = request.POST["identity_number"]  # a local the debug page would show
    raise ValueError(f"could not handle {identity_number}")


urlpatterns = [*real_urlpatterns, path("test-fails/", failing_view)]
