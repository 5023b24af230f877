"""Staff sign-in: password, then a second factor (TOTP or a one-time backup code).

- ``views``: the login page, the code step, enrolment at first login, "Mitt konto".
- ``middleware``: no page without the second factor; idle timeout; "logga ut överallt".
- ``devices``: TOTP and backup-code devices (django-otp), the QR code.
- ``services``: writes that are logged as ``AuthEvent`` (reset, logout everywhere, new codes).
- ``throttling``: django-axes glue (masked usernames, the lockout page).
- ``admin_site``: the admin requires a verified session and signs in through our pages.
"""
