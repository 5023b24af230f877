"""Guardian sign-in: e-ID over OpenID Connect, and the demo e-ID page."""

from django.urls import path

from . import oidc, views_signin

urlpatterns = [
    path("logga-in/", views_signin.portal_login, name="login"),
    path("logga-ut/", views_signin.portal_logout, name="logout"),
    # The broker redirects back to …/portal/e-legitimation/retur/ (the callback).
    path("e-legitimation/", oidc.PortalAuthenticateView.as_view(), name="oidc-authenticate"),
    path("e-legitimation/retur/", oidc.PortalCallbackView.as_view(), name="oidc-callback"),
    path("demo-e-legitimation/", views_signin.demo_eid, name="demo-eid"),
]
