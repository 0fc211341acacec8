"""Wiring: one function builds the whole service from a Config. No module-level state, so a
test can run several independent services in one process."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from msnp.config import Config
from msnp.ds.routes import DISPATCH_ROUTES
from msnp.net.connection import AddressLimiter, Controller, Sink
from msnp.net.fastpath import CommandServer
from msnp.ns.context import Addresses, NSContext
from msnp.ns.ringer import PresenceRinger
from msnp.ns.routes import NOTIFICATION_ROUTES
from msnp.ns.session import NotificationSession
from msnp.sb.gateway_route import RoutedSwitchboard
from msnp.sb.server import SwitchboardServer
from msnp.sb.workers import SwitchboardPool, SwitchboardWorkers
from msnp.services.accounts import AccountService
from msnp.services.lists import ListService
from msnp.services.mailer import SmtpMailer
from msnp.services.models import ListBits, ServiceError
from msnp.services.passwords import PasswordHasher
from msnp.services.presence import PresenceService
from msnp.services.throttle import FailedSignIns
from msnp.services.tickets import MemoryTicketStore, PassportTickets, RedisTicketStore, TicketStore
from msnp.store.database import Database
from msnp.web.admin import install_admin
from msnp.web.gateway import Gateway, install_gateway
from msnp.web.pages import install_pages
from msnp.web.passport import build_http_app
from msnp.web.router import Router
from msnp.web.server import HttpServer
from msnp.web.tls import certificate_files, https_context

log = logging.getLogger(__name__)

DEMO_ACCOUNTS = (
    ("alice@example.com", "alice-password", "Alice"),
    ("bob@example.com", "bob-password", "Bob"),
)


@dataclass
class RunningService:
    config: Config
    db: Database
    accounts: AccountService
    lists: ListService
    presence: PresenceService
    switchboard: SwitchboardServer
    context: NSContext
    ports: dict[str, int] = field(default_factory=dict)
    cert_file: Path | None = None
    switchboard_workers: SwitchboardWorkers | None = None  # with switchboard.workers > 1
    _closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def stop(self) -> None:
        """OUT SSD to everyone signed in, then close every listener and the database."""
        for user in self.presence.users():
            user.session.kick("SSD")
        for close in reversed(self._closers):
            try:
                await close()
            except Exception:
                log.exception("error while stopping")
        self._closers.clear()


def effective_config(config: Config, ports: dict[str, int]) -> Config:
    """The config with URLs that name the bound ports, for listeners configured on port 0."""
    if not config.passport.dalogin and config.https.enabled and config.https.listen.port == 0:
        host = config.server.public_host or config.https.listen.host
        dalogin = f"{host}:{ports['https']}/login2.srf"
        config = replace(config, passport=replace(config.passport, dalogin=dalogin))
    if not config.web.base_url and config.http.enabled and config.http.listen.port == 0:
        host = config.server.public_host or config.http.listen.host
        config = replace(config, web=replace(config.web, base_url=f"http://{host}:{ports['http']}"))
    return config


def _ticket_store(config: Config) -> TicketStore:
    if config.bus.url and config.bus.url.startswith("redis://"):
        return RedisTicketStore.from_url(config.bus.url)
    return MemoryTicketStore()


async def start_service(config: Config, *, demo: bool = False) -> RunningService:
    """Open the store, bind every listener, and start serving."""
    config.server.data_dir.mkdir(parents=True, exist_ok=True)
    db = await Database.open(config.database_url)
    closers: list[Callable[[], Awaitable[None]]] = [db.close]
    try:
        await db.upgrade()
        hasher = PasswordHasher(config.passwords)
        closers.append(hasher.close)
        accounts = AccountService(db, hasher)
        lists = ListService(db)
        tickets = _ticket_store(config)
        if isinstance(tickets, RedisTicketStore):
            closers.append(tickets.close)
        passport = PassportTickets(tickets, config.passport.ticket_lifetime)
        presence = PresenceService()
        ringer = PresenceRinger(presence)
        switchboard = SwitchboardServer(config, tickets, ringer, ringer)
        sb_port = await switchboard.start()
        closers.append(switchboard.close)
        workers: SwitchboardWorkers | None = None
        if config.switchboard.workers > 1:  # more switchboard processes, one per core
            workers = SwitchboardWorkers(config, tickets, ringer, ringer)
            closers.append(workers.close)
            await workers.start()

        pool = SwitchboardPool(switchboard, workers)
        ports = {"switchboard": sb_port}
        servers: list[CommandServer] = []
        # Routes are mounted once the real ports are known (listen ports may be 0).
        router = Router()
        cert_file: Path | None = None
        if config.http.enabled:
            http = HttpServer(router)
            ports["http"] = await http.start(config.http.listen.host, config.http.listen.port)
            closers.append(http.close)
        if config.https.enabled:
            tls = await https_context(config)
            https = HttpServer(router)
            ports["https"] = await https.start(
                config.https.listen.host, config.https.listen.port, ssl_context=tls
            )
            closers.append(https.close)
            cert_file = certificate_files(config)[0]
        config = effective_config(config, ports)

        addresses = Addresses(
            dispatch=config.dispatch.listen,
            notification=config.notification.listen,
        )
        context = NSContext(
            config=config,
            addresses=addresses,
            lists=lists,
            passport=passport,
            presence=presence,
            switchboard=pool,
        )
        if config.smtp.host:
            mailer = SmtpMailer(config.smtp, config.web_base_url)
            context.mailer = mailer
            closers.append(mailer.close)
        ns_limit = config.notification.write_buffer_limit

        def make_ns(sink: Sink) -> NotificationSession:
            return NotificationSession(context, sink, NOTIFICATION_ROUTES)

        def make_ds(sink: Sink) -> NotificationSession:
            return NotificationSession(context, sink, DISPATCH_ROUTES)

        # One budget for DS and NS together: both are the same login front.
        limiter = AddressLimiter(config.notification.max_connections_per_ip)
        ns_server = CommandServer(make_ns, write_limit=ns_limit, limiter=limiter)
        listen = config.notification.listen
        ports["notification"] = await ns_server.listen(listen.host, listen.port)
        servers.append(ns_server)
        addresses.notification = config.advertised(
            listen, config.notification.advertise, ports["notification"]
        )
        if config.dispatch.enabled:
            ds_server = CommandServer(make_ds, write_limit=ns_limit, limiter=limiter)
            listen = config.dispatch.listen
            ports["dispatch"] = await ds_server.listen(listen.host, listen.port)
            servers.append(ds_server)
            addresses.dispatch = config.advertised(listen, None, ports["dispatch"])

        # One count of wrong passwords for Passport and the account pages together.
        failures = FailedSignIns.from_config(config.passport)
        router.include(build_http_app(config, accounts, passport, failures))
        # POST /admin/notify for `msnp notify`; writes <data_dir>/admin.token (0600).
        install_admin(router, config, presence, passport)
        gateway: Gateway | None = None
        if config.gateway.enabled:  # POST /gateway/gateway.dll: NS and SB over HTTP polling
            make_sb: Callable[[Sink], Controller] = switchboard.controller
            if workers is not None:  # a ring into a session on a worker is carried there
                route = workers.route

                def make_sb(sink: Sink) -> Controller:
                    return RoutedSwitchboard(sink, switchboard.controller, route)

            gateway = Gateway(config.gateway, {"NS": make_ns, "SB": make_sb})
            install_gateway(router, gateway)
            closers.append(gateway.close)
        install_pages(router, config, accounts, presence, pool, addresses, failures,
                      gateway, passport)
        for server in servers:
            closers.append(server.close)
            await server.start()

        service = RunningService(
            config=config,
            db=db,
            accounts=accounts,
            lists=lists,
            presence=presence,
            switchboard=switchboard,
            switchboard_workers=workers,
            context=context,
            ports=ports,
            cert_file=cert_file,
            _closers=closers,
        )
        if demo:
            await create_demo_accounts(service)
        return service
    except BaseException:
        for close in reversed(closers):
            try:
                await close()
            except Exception:
                log.exception("error while cleaning up a failed start")
        raise


async def create_demo_accounts(service: RunningService) -> None:
    """Two accounts that have each other as contacts, created once (idempotent)."""
    created = []
    for email, password, name in DEMO_ACCOUNTS:
        if await service.accounts.get(email) is None:
            await service.accounts.create(email, password, name)
            created.append(email)
    if len(created) == len(DEMO_ACCOUNTS):
        (a, _, a_name), (b, _, b_name) = DEMO_ACCOUNTS
        for owner, other, other_name in ((a, b, b_name), (b, a, a_name)):
            for bit in (ListBits.FL, ListBits.AL):
                try:
                    await service.lists.add_contact(owner, bit, other, other_name, None)
                except ServiceError:
                    pass
    for email, password, _ in DEMO_ACCOUNTS:
        log.info("demo account: %s / %s", email, password)
