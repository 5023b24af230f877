"""Session keys of a guardian's e-ID sign-in (set only by ``consent.portal.identity``)."""

# The issuer that verified the guardian's identity (the OIDC issuer, or "demo" for demo e-ID).
# A session without it is not a portal session, whatever the user.
EID_ISSUER = "portal.eid_issuer"
