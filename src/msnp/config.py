"""Service configuration: one TOML file, typed, with defaults that serve a demo on 127.0.0.1.

Every `msnp` command reads the same file (`--config FILE`). Unknown keys and bad values are
reported as `ConfigError` with the offending key, so an operator gets one clear line.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A configuration file or value is invalid; the message names the key."""


@dataclass(frozen=True)
class HostPort:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str, key: str = "address") -> HostPort:
        if not isinstance(text, str) or ":" not in text:
            raise ConfigError(f"{key}: expected 'host:port', got {text!r}")
        host, _, port_text = text.rpartition(":")
        host = host.strip("[]")
        if not host:
            raise ConfigError(f"{key}: missing host in {text!r}")
        try:
            port = int(port_text)
        except ValueError:
            raise ConfigError(f"{key}: port must be a number in {text!r}") from None
        if not 0 <= port <= 65535:
            raise ConfigError(f"{key}: port out of range in {text!r}")
        return cls(host, port)

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path = Path("data")
    # Host name or address clients are told to connect to; defaults to each listener's host.
    public_host: str | None = None
    node_name: str = "node1"


@dataclass(frozen=True)
class DatabaseConfig:
    # None: SQLite (WAL) at <data_dir>/msnp.sqlite3. A postgresql:// URL selects PostgreSQL.
    url: str | None = None


@dataclass(frozen=True)
class BusConfig:
    # None: in-process bus (one node). redis://host:port/db: Redis bus for several nodes.
    url: str | None = None


@dataclass(frozen=True)
class DispatchConfig:
    listen: HostPort = HostPort("127.0.0.1", 1863)
    enabled: bool = True


@dataclass(frozen=True)
class NotificationConfig:
    listen: HostPort = HostPort("127.0.0.1", 1865)
    # Address given to clients in `XFR NS`; defaults to public_host:listen.port.
    advertise: HostPort | None = None
    ping_interval: int = 60  # seconds in MSNP9's `QNG n`
    login_timeout: float = 60.0  # a connection that has not logged in by then is closed
    idle_timeout: float = 300.0  # no command at all for this long: the session is closed
    challenge_timeout: float = 50.0  # no QRY after a CHL for this long: disconnect
    enforce_challenge: bool = True  # False: a wrong/missing QRY is only logged
    challenge_delay: float = 5.0  # seconds after the first CHG before the first CHL
    max_connections_per_ip: int = 200
    write_buffer_limit: int = 1 << 20  # bytes queued for a slow reader before it is dropped
    mail_notifications: bool = True  # EmailEnabled: 1 and the initial e-mail notification


@dataclass(frozen=True)
class SwitchboardConfig:
    listen: HostPort = HostPort("127.0.0.1", 1864)
    advertise: HostPort | None = None
    max_participants: int = 50
    max_connections_per_ip: int = 200
    auth_timeout: float = 60.0
    idle_timeout: float = 300.0  # a session with no traffic for this long is closed
    ticket_lifetime: float = 120.0
    # Switchboard processes: this one and `workers - 1` more, on the listen port + 1, + 2...
    workers: int = 1

    def for_worker(self, index: int) -> SwitchboardConfig:
        """The settings of worker `index` (1, 2, ...): it listens on the listen port + index
        (port 0 stays 0), and is advertised on `advertise`'s port + index when that is set
        (else the public host or listen host with its bound port)."""
        listen, advertise = self.listen, self.advertise
        return replace(
            self,
            listen=HostPort(listen.host, listen.port + index if listen.port else 0),
            advertise=None if advertise is None
            else HostPort(advertise.host, advertise.port + index),
        )


MAX_SWITCHBOARD_WORKERS = 64


@dataclass(frozen=True)
class HttpConfig:
    listen: HostPort = HostPort("127.0.0.1", 8080)
    enabled: bool = True


@dataclass(frozen=True)
class HttpsConfig:
    listen: HostPort = HostPort("127.0.0.1", 8443)
    enabled: bool = True
    # Operator certificate; when unset a self-signed one is made in data_dir on first run.
    cert_file: Path | None = None
    key_file: Path | None = None
    # Names the self-signed certificate covers (besides the listen host).
    hostnames: tuple[str, ...] = ("localhost", "127.0.0.1")
    min_tls: str = "TLSv1"  # TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3


@dataclass(frozen=True)
class GatewayConfig:
    """The HTTP polling gateway, `POST /gateway/gateway.dll` on the http(s) listeners."""

    enabled: bool = True
    idle_timeout: float = 60.0  # no request on a tunnel for this long: treated as a TCP close
    max_sessions: int = 10000
    max_sessions_per_ip: int = 200
    max_queued: int = 1 << 20  # bytes waiting for the next request before the tunnel is dropped


@dataclass(frozen=True)
class PassportConfig:
    # What `PassportURLs: DALogin=` names: host[:port]/path, never a scheme (clients add it).
    # Default: the https listener's address + /login2.srf.
    dalogin: str | None = None
    ticket_lifetime: float = 300.0
    # Wrong passwords (Passport and the account pages together) allowed per client address
    # and per account within `failure_window` seconds; then attempts are refused unchecked
    # until the oldest failure ages out. 0 turns a limit off.
    failures_per_address: int = 20
    failures_per_account: int = 10
    failure_window: float = 300.0


@dataclass(frozen=True)
class ClientVersionConfig:
    """What CVR answers. Empty `recommended`/`minimum` echo the client's own version."""

    recommended: str = ""
    # Matches the seed's answer to 6.0.0602; capped at the client's own version unless
    # force_upgrade is set, so older clients are never forced to upgrade.
    minimum: str = "6.0.0268"
    force_upgrade: bool = False
    download_url: str = (
        "http://download.microsoft.com/download/8/a/4/"
        "8a42bcae-f533-4468-b871-d2bc8dd32e9e/SetupDl.exe"
    )
    info_url: str = "http://messenger.msn.com"


@dataclass(frozen=True)
class WebConfig:
    # Base URL of the service's own pages, used in `URL` replies and MsgrConfig.
    # Default: http://<http listen address>.
    base_url: str | None = None
    # Self-service sign-up at /register; off: the page says so and accounts are made by
    # `msnp user add`.
    registration: bool = True
    # Sign-ups accepted per client address in an hour (0: no limit).
    registrations_per_hour: int = 5


@dataclass(frozen=True)
class PasswordConfig:
    """argon2id cost. The default (about 3 ms of one core) lets a 2-core machine sign in
    100+ users a second; raise it where logins are rarer or cores more plentiful (existing
    hashes are upgraded at the next successful login)."""

    time_cost: int = 1
    memory_cost: int = 8192  # KiB
    parallelism: int = 1
    hash_threads: int = 2  # threads that hash and verify, off the event loop


@dataclass(frozen=True)
class SmtpConfig:
    host: str | None = None  # unset: SND invitations are logged, not mailed
    port: int = 25
    sender: str = "msnp@localhost"


@dataclass(frozen=True)
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    bus: BusConfig = field(default_factory=BusConfig)
    dispatch: DispatchConfig = field(default_factory=DispatchConfig)
    notification: NotificationConfig = field(default_factory=NotificationConfig)
    switchboard: SwitchboardConfig = field(default_factory=SwitchboardConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    https: HttpsConfig = field(default_factory=HttpsConfig)
    gateway: GatewayConfig = field(default_factory=GatewayConfig)
    passport: PassportConfig = field(default_factory=PassportConfig)
    client_version: ClientVersionConfig = field(default_factory=ClientVersionConfig)
    web: WebConfig = field(default_factory=WebConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    passwords: PasswordConfig = field(default_factory=PasswordConfig)

    # ---- derived values -------------------------------------------------------------
    def advertised(
        self, listen: HostPort, advertise: HostPort | None, port: int | None = None
    ) -> HostPort:
        """What clients are told: `advertise`, else public_host (or the listen host) with
        `port` (the bound port, when listening on port 0) or the listen port."""
        if advertise is not None:
            return advertise
        return HostPort(self.server.public_host or listen.host, port or listen.port)

    @property
    def ns_address(self) -> HostPort:
        return self.advertised(self.notification.listen, self.notification.advertise)

    @property
    def sb_address(self) -> HostPort:
        return self.advertised(self.switchboard.listen, self.switchboard.advertise)

    @property
    def dalogin(self) -> str:
        if self.passport.dalogin:
            return self.passport.dalogin
        listen = self.https.listen
        host = self.server.public_host or listen.host
        port = "" if listen.port == 443 else f":{listen.port}"
        return f"{host}{port}/login2.srf"

    @property
    def web_base_url(self) -> str:
        if self.web.base_url:
            return self.web.base_url.rstrip("/")
        listen = self.http.listen
        host = self.server.public_host or listen.host
        port = "" if listen.port == 80 else f":{listen.port}"
        return f"http://{host}{port}"

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite+aiosqlite:///{(self.server.data_dir / 'msnp.sqlite3').resolve()}"

    def with_data_dir(self, data_dir: Path) -> Config:
        return replace(self, server=replace(self.server, data_dir=data_dir))


_SECTIONS: dict[str, type[Any]] = {
    f.name: type(getattr(Config(), f.name)) for f in fields(Config)
}


def _convert(section: str, key: str, value: Any, default: Any) -> Any:
    name = f"{section}.{key}"
    if isinstance(default, HostPort) or key in ("listen", "advertise"):
        return HostPort.parse(value, name)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{name}: expected true or false, got {value!r}")
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{name}: expected a non-negative whole number, got {value!r}")
        return value
    if isinstance(default, float):
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{name}: expected a non-negative number, got {value!r}")
        return float(value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{name}: expected a list of strings, got {value!r}")
        return tuple(value)
    if key in ("data_dir", "cert_file", "key_file"):
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{name}: expected a path, got {value!r}")
        return Path(value)
    if not isinstance(value, str):
        raise ConfigError(f"{name}: expected a string, got {value!r}")
    return value


def config_from_dict(data: dict[str, Any], base_dir: Path | None = None) -> Config:
    """Build a Config from parsed TOML. Relative paths are taken from `base_dir`."""
    sections: dict[str, Any] = {}
    for section, values in data.items():
        cls = _SECTIONS.get(section)
        if cls is None:
            raise ConfigError(f"unknown section [{section}]; known: {', '.join(_SECTIONS)}")
        if not isinstance(values, dict):
            raise ConfigError(f"[{section}] must be a table")
        defaults = cls()
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                known_keys = ", ".join(sorted(known))
                raise ConfigError(f"{section}.{key}: unknown key; known: {known_keys}")
            converted = _convert(section, key, value, getattr(defaults, key))
            if isinstance(converted, Path) and base_dir is not None and not converted.is_absolute():
                converted = base_dir / converted
            kwargs[key] = converted
        sections[section] = cls(**kwargs)
    config = Config(**sections)
    tls = config.https.min_tls
    if tls not in ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"):
        raise ConfigError(
            f"https.min_tls: expected TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, got {tls!r}"
        )
    db = config.database.url
    if db is not None and not db.startswith(("sqlite", "postgresql")):
        raise ConfigError(f"database.url: expected a sqlite or postgresql URL, got {db!r}")
    if config.passport.failure_window <= 0:
        raise ConfigError("passport.failure_window: expected a number of seconds above 0")
    workers = config.switchboard.workers
    if not 1 <= workers <= MAX_SWITCHBOARD_WORKERS:
        raise ConfigError(
            f"switchboard.workers: expected 1 to {MAX_SWITCHBOARD_WORKERS}, got {workers}"
        )
    listen = config.switchboard.listen
    if listen.port and listen.port + workers - 1 > 65535:
        raise ConfigError(f"switchboard.workers: ports {listen.port} to "
                          f"{listen.port + workers - 1} do not all exist")
    others = {"dispatch.listen": config.dispatch.listen,
              "notification.listen": config.notification.listen,
              "http.listen": config.http.listen, "https.listen": config.https.listen}
    for index in range(1, workers) if listen.port else ():
        port = config.switchboard.for_worker(index).listen.port
        for key, other in others.items():
            if other.port == port:
                raise ConfigError(
                    f"switchboard.workers: worker {index} would listen on port "
                    f"{port}, which is {key}'s; move switchboard.listen"
                )
    bus = config.bus.url
    if bus is not None and not bus.startswith(("redis://", "local")):
        raise ConfigError(f"bus.url: expected a redis:// URL, got {bus!r}")
    return config


def load_config(path: Path | None) -> Config:
    """Read a TOML file; None gives the defaults. Raises ConfigError with a clear message."""
    if path is None:
        return Config()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return config_from_dict(data, base_dir=path.parent.resolve())
