"""HTTP(S) faces of the service: a lenient HTTP/1.x server (`http_parser`, `server`,
`router`, `messages`), TLS (`tls`), Passport 1.4 (`passport`) and Messenger Config
(`msgrconfig`). `passport.build_http_app` assembles the routes."""
