"""The service's own web pages under `web_base_url`: what Messenger clients and the Passport
nexus link to (sign-up, account, privacy, help, the `URL` command's targets, the mail
notice), plus `/metrics` for Prometheus.

Plain HTML forms posted as `application/x-www-form-urlencoded`; no scripts, no cookies.
Every account action asks for the password again, so there is no web session to steal.
Every value written into a page goes through `html.escape`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from html import escape

from msnp.config import Config, HostPort
from msnp.ns.context import Addresses
from msnp.sb.workers import SwitchboardPool
from msnp.services.accounts import AccountError, AccountService, NoSuchAccount
from msnp.services.models import Account
from msnp.services.presence import PresenceService
from msnp.services.throttle import FailedSignIns, TooManyFailures
from msnp.services.tickets import PassportTickets
from msnp.web import markup
from msnp.web.admin import SIGNED_OUT_REASON, end_old_password_sign_ins, sign_out
from msnp.web.forms import FormError, SignupLimiter, parse_form
from msnp.web.gateway import Gateway
from msnp.web.markup import page
from msnp.web.messages import Request, Response
from msnp.web.router import Router
from msnp.wire.names import normalize_email

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = "The e-mail address or the password is wrong."
TOO_MANY_FAILURES = "Too many wrong passwords; try again in a few minutes."


def _retry(seconds: int | None) -> tuple[tuple[str, str], ...]:
    return () if seconds is None else (("Retry-After", str(seconds)),)

# ---- the pages ------------------------------------------------------------------------------

#: Pages that only say what this service does not have: path -> (title, HTML body).
_NOTICES: dict[str, tuple[str, str]] = {
    "/privacy": (
        "Privacy",
        "<p>This service keeps, for each account: the e-mail address, the display name, a "
        "salted argon2 hash of the password (never the password itself), the contact lists "
        "and groups, and any phone numbers you set in Messenger.</p>"
        "<p>Instant messages are relayed between the people in a conversation and are not "
        "stored. Server logs may record addresses and sign-in times.</p>"
        '<p>You can <a href="/account/delete">delete your account</a> at any time; it is '
        "removed with its lists and taken off everyone else's lists.</p>",
    ),
    "/profile": (
        "Profile",
        "<p>This service has no public member profiles. Your display name is set in "
        'Messenger itself. <a href="/account">Account settings</a>.</p>',
    ),
    "/mail": (
        "Mail",
        "<p>This service has no mailbox: it carries instant messages only, so there is no "
        "inbox, no folders and nothing to compose here.</p>",
    ),
    "/mobile": (
        "Mobile",
        "<p>This service does not send messages to mobile phones. Phone numbers you set in "
        "Messenger are shown to your contacts only.</p>",
    ),
    "/chat": ("Chat rooms", "<p>This service has no chat rooms; use a conversation window.</p>"),
    "/addressbook": (
        "Address book",
        "<p>There is no web address book: your contact list is kept with your account and "
        "edited in Messenger.</p>",
    ),
    "/search": (
        "Member search",
        "<p>This service has no member directory. Add contacts by their e-mail address.</p>",
    ),
}
#: Notice paths whose subpaths get the same page (`/mail/inbox`, `/mobile/settings`, ...).
_NOTICE_PREFIXES = ("/mail", "/mobile")


def _host_port(address: HostPort) -> str:
    return escape(str(address))


class WebPages:
    def __init__(
        self,
        config: Config,
        accounts: AccountService,
        presence: PresenceService,
        switchboard: SwitchboardPool,
        addresses: Addresses | None = None,
        limiter: SignupLimiter | None = None,
        failures: FailedSignIns | None = None,
        gateway: Gateway | None = None,
        passport: PassportTickets | None = None,
    ) -> None:
        self._gateway = gateway
        self._passport = passport
        self._config = config
        self._accounts = accounts
        self._presence = presence
        self._switchboard = switchboard
        self._addresses = addresses
        self.limiter = limiter or SignupLimiter(config.web.registrations_per_hour)
        self._failures = failures or FailedSignIns.from_config(config.passport)

    async def _check_password(self, request: Request, email: str, password: str
                              ) -> Account | None:
        """The account, or None for a wrong password (counted). Raises TooManyFailures
        after too many wrong passwords from this address or for this account."""
        who = request.client[0] if request.client else "unknown"
        try:
            return await self._failures.attempt(
                who, normalize_email(email), lambda: self._accounts.authenticate(email, password)
            )
        except TooManyFailures:
            log.warning("account page: %r from %s refused: too many wrong passwords", email, who)
            raise

    def mount(self, router: Router) -> None:
        router.add("GET", "/", self.home)
        router.add("GET", "/help", self.help)
        router.add("GET", "/account", self.account)
        router.add("GET", "/register", self.register_form)
        router.add("POST", "/register", self.register)
        router.add("GET", "/account/password", self.password_form)
        router.add("POST", "/account/password", self.change_password)
        router.add("GET", "/account/delete", self.delete_form)
        router.add("POST", "/account/delete", self.delete)
        router.add(("GET", "POST"), "/login", self.login)
        router.add("GET", "/metrics", self.metrics)
        for path in _NOTICES:
            if path in _NOTICE_PREFIXES:
                router.add_prefix("GET", path, self.notice)
            else:
                router.add("GET", path, self.notice)

    # ---- information pages ----------------------------------------------------------------
    def _connect_help(self) -> str:
        config = self._config
        if self._addresses is not None:
            dispatch, notification = self._addresses.dispatch, self._addresses.notification
        else:
            dispatch = config.dispatch.listen
            notification = config.ns_address
        nexus = escape(f"https://{config.dalogin.split('/', 1)[0]}/rdr/pprdr.asp")
        return (
            "<h2>Connecting Messenger</h2>\n<ul>"
            f"<li>Dispatch server: <code>{_host_port(dispatch)}</code> (Messenger looks for "
            "<code>messenger.hotmail.com:1863</code>)</li>"
            f"<li>Notification server: <code>{_host_port(notification)}</code></li>"
            f"<li>Passport login: <code>{escape(config.dalogin)}</code> "
            f"(nexus <code>{nexus}</code>)</li></ul>\n"
            "<p>Unmodified clients have their servers built in: point the names "
            "<code>messenger.hotmail.com</code>, <code>nexus.passport.com</code>, "
            "<code>login.passport.com</code> and <code>config.messenger.msn.com</code> at "
            "this server (hosts file or DNS), and make the client trust the server's "
            "certificate.</p>"
        )

    async def home(self, request: Request) -> Response:
        sign_up = (
            '<li><a href="/register">Create an account</a></li>'
            if self._config.web.registration
            else "<li>Sign-up is closed; ask the operator for an account.</li>"
        )
        body = (
            "<p>An MSN Messenger service (protocols MSNP8 and MSNP9) for the Messenger "
            "clients of the early 2000s: contact lists, presence and conversations.</p>\n"
            f"<ul>{sign_up}"
            '<li><a href="/account/password">Change your password</a></li>'
            '<li><a href="/account/delete">Delete your account</a></li>'
            '<li><a href="/privacy">Privacy</a></li></ul>\n' + self._connect_help()
        )
        return page(200, "MSN Messenger service", body)

    async def help(self, request: Request) -> Response:
        body = (
            "<p>Sign in with your e-mail address and the password you chose at sign-up. "
            'Forgot it? There is no reset by e-mail: ask the operator.</p>\n'
            + self._connect_help()
        )
        return page(200, "Help", body)

    async def account(self, request: Request) -> Response:
        body = (
            "<ul>"
            '<li><a href="/account/password">Change your password</a></li>'
            '<li><a href="/account/delete">Delete your account</a></li></ul>\n'
            "<p>Your display name, status and phone numbers are set in Messenger.</p>"
        )
        return page(200, "Your account", body)

    async def notice(self, request: Request) -> Response:
        path = request.path.lower().rstrip("/")
        for prefix in _NOTICE_PREFIXES:
            if path.startswith(prefix + "/"):
                path = prefix
        title, body = _NOTICES[path]
        return page(200, title, body)

    async def login(self, request: Request) -> Response:
        """Target of the `URL` command's login form: no Passport site login to do here, so
        go straight to the page asked for (`rru`), which must be a path on this site."""
        target = request.query.get("rru")
        if target is None and request.method == "POST":
            try:
                target = parse_form(request).get("rru")
            except FormError:
                target = None
        if (
            not target
            or not target.startswith("/")
            or target.startswith("//")
            or any(c in target for c in "\\\r\n\t ")
        ):
            target = "/"
        body = f'<p><a href="{escape(target)}">Continue</a></p>'
        return page(303, "Continue", body, (("Location", target),))

    # ---- sign-up ---------------------------------------------------------------------------
    def _register_page(
        self, status: int, values: Mapping[str, str], error: str | None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Response:
        fields = (
            markup.field("E-mail address", "email", values.get("email", ""))
            + markup.field(
                "Display name (optional)", "display_name", values.get("display_name", "")
            )
            + markup.field("Password", "password", kind="password")
            + markup.field("Password again", "password2", kind="password")
        )
        body = markup.message(error) + markup.form("/register", fields, "Create account")
        return page(status, "Create an account", body, headers)

    def _closed(self) -> Response:
        return page(403, "Create an account",
                    "<p>Sign-up is closed on this service; ask the operator for an account.</p>")

    async def register_form(self, request: Request) -> Response:
        if not self._config.web.registration:
            return self._closed()
        return self._register_page(200, {}, None)

    async def register(self, request: Request) -> Response:
        if not self._config.web.registration:
            return self._closed()
        try:
            form = parse_form(request)
        except FormError as exc:
            return self._register_page(exc.status, {}, exc.message)
        email = form.get("email", "").strip()
        name = form.get("display_name", "").strip()
        password = form.get("password", "")
        values = {"email": email, "display_name": name}
        if password != form.get("password2", ""):
            return self._register_page(400, values, "The two passwords differ.")
        address = request.client[0] if request.client else "unknown"
        if not self.limiter.acquire(address):
            retry = str(self.limiter.retry_after(address))
            return self._register_page(
                429, values, "Too many sign-ups from your address; try again later.",
                (("Retry-After", retry),),
            )
        try:
            account = await self._accounts.create(email, password, name or None)
        except AccountError as exc:
            self.limiter.release(address)
            return self._register_page(400, values, markup.sentence(str(exc)))
        except BaseException:
            self.limiter.release(address)
            raise
        log.info("account %s created from the web (%s)", account.email, address)
        body = (
            markup.message(f"Account {account.email} created.", "done")
            + f"<p>Sign in to Messenger as <code>{escape(account.email)}</code> with the "
            "password you chose.</p>\n" + self._connect_help()
        )
        return page(200, "Account created", body)

    # ---- password change -------------------------------------------------------------------
    def _password_page(self, status: int, email: str, message: str | None,
                     css: str = "error", retry_after: int | None = None) -> Response:
        fields = (
            markup.field("E-mail address", "email", email)
            + markup.field("Current password", "password", kind="password")
            + markup.field("New password", "new_password", kind="password")
            + markup.field("New password again", "new_password2", kind="password")
        )
        form = markup.form("/account/password", fields, "Change password")
        body = markup.message(message, css) + form
        return page(status, "Change your password", body, _retry(retry_after))

    async def password_form(self, request: Request) -> Response:
        return self._password_page(200, "", None)

    async def change_password(self, request: Request) -> Response:
        try:
            form = parse_form(request)
        except FormError as exc:
            return self._password_page(exc.status, "", exc.message)
        email = form.get("email", "").strip()
        new = form.get("new_password", "")
        if new != form.get("new_password2", ""):
            return self._password_page(400, email, "The two new passwords differ.")
        if not new:
            return self._password_page(400, email, "The new password must not be empty.")
        try:
            account = await self._check_password(request, email, form.get("password", ""))
        except TooManyFailures as refused:
            return self._password_page(429, email, TOO_MANY_FAILURES,
                                       retry_after=refused.retry_after)
        if account is None:
            return self._password_page(401, email, WRONG_CREDENTIALS)
        try:
            await self._accounts.set_password(account.email, new)
        except NoSuchAccount:  # deleted meanwhile
            return self._password_page(401, email, WRONG_CREDENTIALS)
        except AccountError as exc:
            return self._password_page(400, email, markup.sentence(str(exc)))
        log.info("password of %s changed from the web", normalize_email(account.email))
        signed_out = end_old_password_sign_ins(self._presence, self._passport, account.email)
        done = "Your password has been changed."
        if signed_out:
            done += " Messenger was signed out: sign in again with the new password."
        return self._password_page(200, "", done, "done")

    # ---- deletion --------------------------------------------------------------------------
    def _delete_page(self, status: int, email: str, message: str | None,
                     css: str = "error", retry_after: int | None = None) -> Response:
        fields = (
            markup.field("E-mail address", "email", email)
            + markup.field("Password", "password", kind="password")
            + '<label><input type="checkbox" name="confirm" value="yes"> Delete this account, '
            "its contact list and groups for good.</label>\n"
        )
        body = (
            markup.message(message, css)
            + "<p>If you are signed in, Messenger is signed out first.</p>\n"
            + markup.form("/account/delete", fields, "Delete account")
        )
        return page(status, "Delete your account", body, _retry(retry_after))

    async def delete_form(self, request: Request) -> Response:
        return self._delete_page(200, "", None)

    async def delete(self, request: Request) -> Response:
        try:
            form = parse_form(request)
        except FormError as exc:
            return self._delete_page(exc.status, "", exc.message)
        email = form.get("email", "").strip()
        if not form.get("confirm"):
            return self._delete_page(400, email, "Tick the box to confirm the deletion.")
        try:
            account = await self._check_password(request, email, form.get("password", ""))
        except TooManyFailures as refused:
            return self._delete_page(429, email, TOO_MANY_FAILURES,
                                     retry_after=refused.retry_after)
        if account is None:
            return self._delete_page(401, email, WRONG_CREDENTIALS)
        key = normalize_email(account.email)
        sign_out(self._presence, key)
        try:
            versions = await self._accounts.delete(key)
        except NoSuchAccount:  # deleted meanwhile
            return self._delete_page(401, email, WRONG_CREDENTIALS)
        # Contacts signed in now drop the entry from their cached lists; a sign-in that
        # slipped in before the delete committed is signed out.
        signed_in = self._presence.forget_account(key, versions)
        if signed_in is not None:
            signed_in.session.kick(SIGNED_OUT_REASON)
        log.info("account %s deleted from the web", key)
        body = markup.message(f"The account {key} has been deleted.", "done")
        return page(200, "Account deleted", body)

    # ---- metrics ---------------------------------------------------------------------------
    async def metrics(self, request: Request) -> Response:
        switchboards = self._switchboard.counts()  # worker processes' as they last told
        values: tuple[tuple[str, str, int], ...] = (
            ("msnp_users_online", "Users signed in on this node.", len(self._presence)),
            ("msnp_switchboard_sessions", "Open switchboard sessions (conversations).",
             switchboards.sessions),
            ("msnp_switchboard_connections", "Open switchboard connections.",
             switchboards.connections),
            ("msnp_switchboard_processes", "Switchboard processes running (switchboard.workers).",
             self._switchboard.process_count),
            ("msnp_accounts", "Accounts in the database.", await self._accounts.count()),
        )
        if self._gateway is not None:
            values += (("msnp_gateway_sessions", "Open HTTP-polling gateway sessions.",
                        len(self._gateway)),)
        lines = []
        for name, text, value in values:
            lines += [f"# HELP {name} {text}", f"# TYPE {name} gauge", f"{name} {value}"]
        return Response(
            200,
            [("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
             ("Cache-Control", "no-store")],
            ("\n".join(lines) + "\n").encode("utf-8"),
        )


def install_pages(
    router: Router,
    config: Config,
    accounts: AccountService,
    presence: PresenceService,
    switchboard: SwitchboardPool,
    addresses: Addresses | None = None,
    failures: FailedSignIns | None = None,
    gateway: Gateway | None = None,
    passport: PassportTickets | None = None,
) -> WebPages:
    """Mount the web pages on `router` (the HTTP app). Called once by the service wiring."""
    pages = WebPages(config, accounts, presence, switchboard, addresses, failures=failures,
                     gateway=gateway, passport=passport)
    pages.mount(router)
    return pages
