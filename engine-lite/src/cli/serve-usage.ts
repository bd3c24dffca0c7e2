/** `engine-lite serve` flags (also the keys of its --config JSON file). */
export const SERVE_USAGE = `engine-lite serve [options]   (each option also as ENGINE_LITE_<NAME>, e.g. ENGINE_LITE_DB)
  --config FILE             JSON file with any of the keys below (without --); flags override it
  --data-dir DIR            engine state: PGlite database, CA, admin password (default /var/lib/engine-lite)
  --db URL                  postgres://user@host:port/db for a PostgreSQL server (default: PGlite in DATA_DIR/db)
  --listen ADDR             address to listen on (default 127.0.0.1)
  --port N                  port (default 8080; 0 = any free port)
  --https                   serve HTTPS with a certificate from the engine CA
  --poll-interval MS        host poll interval (default 3000, oVirt VdsRefreshRate)
  --stats-every N           Host.getStats every N polls (default 5)
  --max-misses N            failed polls before a host is NonResponsive (default 3)
  --call-timeout MS         timeout of each vdsm call (default 10000)
  --admin-password-file F   admin@internal's password on first start (default: random, in DATA_DIR/admin-password)
  --log                     log requests (pino JSON on stdout)`;
