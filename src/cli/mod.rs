//! The command line: argument definitions and what each command does.

mod error;
mod export;
mod health;
mod listing;
mod serve;
mod service;
#[cfg(target_os = "linux")]
mod tray;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use scimdesk::{Database, Engine, EngineError, IdentityProvider, IssuedToken, PoolOptions, SourceSummary};

pub use error::CliError;
use scimdesk::server::Limits;

#[derive(Parser, Debug)]
#[command(
    name = "scimdesk",
    version,
    about = "ScimDesk: receive your identity directory from Entra ID over SCIM 2.0",
    after_help = "Exit codes: 0 done, 1 ScimDesk failed (database), 2 invalid input, 3 no such source, \
                  4 slug taken (or service installed for another data folder), 5 keychain unavailable, \
                  6 data folder or database unusable, 7 cannot listen, 8 service not installed (service status), \
                  9 not reachable through the public URL (check)."
)]
pub struct Cli {
    /// Where ScimDesk keeps its database (default: the OS data directory, e.g. ~/.local/share/scimdesk).
    #[arg(long, env = "SCIMDESK_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// The database: a PostgreSQL URL (postgres://user:password@host:5432/db, with
    /// ?sslmode=verify-full&sslrootcert=ca.pem for TLS) shared by several `serve` instances, or
    /// the path of a SQLite file named scimdesk.db (default: the one in the data folder).
    #[arg(long, env = "SCIMDESK_DATABASE_URL", global = true, hide_env_values = true)]
    database: Option<String>,
    /// PostgreSQL: connections each process keeps open at most.
    #[arg(long, env = "SCIMDESK_DATABASE_POOL_SIZE", global = true, default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    database_pool_size: u32,
    /// PostgreSQL: how long connecting, or a request waiting for a connection, may take before
    /// the database counts as unreachable (requests are then answered 503).
    #[arg(long, env = "SCIMDESK_DATABASE_TIMEOUT", global = true, default_value = "5s",
          value_parser = humantime::parse_duration)]
    database_timeout: std::time::Duration,
    /// Log filter (tracing EnvFilter syntax), e.g. "debug" or "scimdesk=trace".
    #[arg(long, env = "SCIMDESK_LOG", global = true, default_value = "info")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check that Entra can reach a source (every source without SLUG) through the public URL:
    /// exit code 0 when it can, 9 when not, with what to do.
    Check { slug: Option<String> },
    /// Serve SCIM for every source until Ctrl-C or SIGTERM.
    Serve {
        /// Address and port to listen on (default: the bind setting, else 127.0.0.1:7643).
        #[arg(long, env = "SCIMDESK_BIND")]
        bind: Option<String>,
        /// Keep the machine from going to idle sleep while requests arrive, until this long after
        /// the last (0: off). Linux only (a logind inhibitor); not yet on macOS and Windows.
        #[arg(long, value_parser = humantime::parse_duration, default_value = "2m")]
        keep_awake: std::time::Duration,
        /// Show ScimDesk's status icon in the desktop's tray (Linux), as the desktop app does with
        /// its window closed: the app becomes this when its window closes or when it starts hidden
        /// at login, and Open in the icon's menu opens the window again.
        #[arg(long)]
        tray: bool,
        /// Set by the desktop app as its window closes (the first time, a notification says that
        /// ScimDesk keeps serving from the tray).
        #[arg(long, hide = true, requires = "tray")]
        from_window: bool,
        #[command(flatten)]
        limits: ServeLimits,
    },
    /// Create, list, show and manage SCIM sources.
    #[command(subcommand)]
    Source(SourceCommand),
    /// List a source's provisioned users.
    Users {
        slug: String,
        /// A SCIM filter, e.g. 'userName eq "alice@contoso.com"'.
        #[arg(long)]
        filter: Option<String>,
    },
    /// List a source's newest activity (the requests of every instance on the database), newest first.
    Activity {
        slug: String,
        /// How many rows.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// List a source's provisioned groups.
    Groups {
        slug: String,
        #[arg(long)]
        filter: Option<String>,
    },
    /// Export a source's users and groups.
    Export {
        slug: String,
        #[arg(long, value_enum, default_value = "json")]
        format: export::Format,
        /// With --format csv: which resources (json always has both).
        #[arg(long, value_enum, default_value = "users")]
        resources: export::Which,
    },
    /// Change settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Keep `scimdesk serve` running as your background service (systemd user unit, LaunchAgent).
    #[command(subcommand)]
    Service(service::ServiceCommand),
}

#[derive(Subcommand, Debug)]
enum SourceCommand {
    /// Create a source and print its token once.
    Create {
        name: String,
        /// URL segment (default: derived from the name).
        #[arg(long)]
        slug: Option<String>,
        /// Who provisions it, for the setup guide: entra, okta, onelogin or other. Every source
        /// accepts every provider's requests.
        #[arg(long, default_value_t = IdentityProvider::Entra)]
        provider: IdentityProvider,
    },
    /// List the sources.
    List,
    /// Show a source: SCIM Base URL, counts, last request and last cycle, refusals.
    Show {
        slug: String,
    },
    /// Print the source's token from the OS keychain.
    Token {
        slug: String,
    },
    /// Issue a new token and print it once.
    Rotate {
        slug: String,
        /// Keep the old token valid this long (e.g. 10m, 1h) so Entra keeps working meanwhile.
        #[arg(long, value_parser = humantime::parse_duration)]
        overlap: Option<std::time::Duration>,
    },
    Enable {
        slug: String,
    },
    Disable {
        slug: String,
    },
    /// Delete the source with its users, groups and activity.
    Delete {
        slug: String,
    },
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Set a setting: public-url URL (empty to clear), bind ADDR, clipboard-clear SECONDS,
    /// cycle-interval DURATION (Entra's, e.g. 40m).
    Set { key: String, value: String },
    /// Show the settings.
    Show,
}

/// What one client or source may hold of the server; the defaults suit Entra through a tunnel.
#[derive(clap::Args, Debug)]
pub struct ServeLimits {
    /// Close a connection whose request head is not complete this long after its first byte.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "15s")]
    header_read_timeout: std::time::Duration,
    /// Answer 408 to a request whose body has not all arrived this long after its head.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "30s")]
    body_read_timeout: std::time::Duration,
    /// Close a keep-alive connection idle this long (keep it longer than your tunnel's or
    /// proxy's own idle time: cloudflared and ngrok keep 90 s).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "150s")]
    idle_timeout: std::time::Duration,
    /// Connections open at once; at the limit, a new one takes the place of the oldest that never
    /// sent a request (else of the one idle the longest).
    #[arg(long, default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    max_connections: u32,
    /// Requests of one source served at once; more wait their turn (see --queue-timeout).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    requests_per_source: u32,
    /// How long a request waits for its source's turn before it is answered 429.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "30s")]
    queue_timeout: std::time::Duration,
}

impl ServeLimits {
    fn limits(&self) -> Limits {
        Limits {
            header_read_timeout: self.header_read_timeout,
            body_read_timeout: self.body_read_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections as usize,
            requests_per_source: self.requests_per_source as usize,
            queue_timeout: self.queue_timeout,
        }
    }
}

pub fn init_logging(cli: &Cli) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter =
        tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a person at a terminal, not in a log file or a pipe.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(false).with_ansi(ansi);
    // In the tray, this process is the desktop app with its window closed: it writes the app's
    // log, where the admin looks. Written as it comes (no buffer): exec into the app does not
    // flush one.
    let file = matches!(cli.command, Command::Serve { tray: true, .. })
        .then(|| cli.data_dir.clone().unwrap_or_else(Engine::default_data_dir).join("logs"))
        .and_then(|dir| scimdesk::app_log::appender(&dir))
        .map(|appender| tracing_subscriber::fmt::layer().with_writer(appender).with_ansi(false).with_target(false));
    tracing_subscriber::registry().with(filter).with(stderr).with(file).init();
}

fn print_summary(s: &SourceSummary) {
    print_summary_with(s, &format!("in the OS keychain; `scimdesk source token {}`", s.slug));
}

/// The summary, with `token_place` saying where the token is kept.
fn print_summary_with(s: &SourceSummary, token_place: &str) {
    println!("Name:            {}", s.name);
    println!("Slug:            {}", s.slug);
    println!("Provider:        {} ({})", s.provider.label(), s.provider);
    println!("Enabled:         {}", if s.enabled { "yes" } else { "no" });
    println!("SCIM Base URL:   {}", s.scim_base_url);
    println!("Token:           {}… ({token_place})", s.token_prefix);
    if let Some(until) = &s.previous_token_valid_until {
        println!("Previous token:  valid until {until}");
    }
    println!(
        "Users:           {} ({} active)\nGroups:          {} ({} memberships)",
        s.counts.users, s.counts.active_users, s.counts.groups, s.counts.memberships
    );
    println!("Created:         {}", s.created);
}

/// Print a freshly issued token on a line of its own, with the keychain warning if any.
fn print_issued(issued: &IssuedToken) {
    match issued.keychain_warning() {
        None => print_summary(&issued.source),
        // Not "in the OS keychain": the warning below says why it is not.
        Some(_) => print_summary_with(&issued.source, "not stored: shown below once, see the warning"),
    }
    println!();
    let provider = issued.source.provider;
    println!(
        "In {}: {} = the SCIM Base URL above; {} = this token.",
        provider.label(),
        provider.base_url_field(),
        provider.token_field()
    );
    println!("Token (shown once):");
    println!("{}", issued.token.expose_secret());
    if let Some(warning) = issued.keychain_warning() {
        eprintln!("warning: {warning}");
    }
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let data_dir = cli.data_dir.clone().unwrap_or_else(Engine::default_data_dir);
    // The service commands open the data folder only when they need it.
    if let Command::Service(cmd) = cli.command {
        // The service it installs serves the data folder's SQLite file; an instance on PostgreSQL
        // runs under a unit of the admin's own, with the URL in a file only it can read (README).
        if let (Some(database), service::ServiceCommand::Install { .. }) = (&cli.database, &cmd) {
            if Database::parse(database, PoolOptions::default()).is_ok_and(|d| d.is_postgres()) {
                return Err(CliError::Database(
                    "`service install` sets up the data folder's SQLite database only; on PostgreSQL, run `scimdesk serve` \
                     under your own service definition (README: Running on PostgreSQL)"
                        .into(),
                ));
            }
        }
        return Ok(service::run(&data_dir, cmd).await?);
    }
    let pool = PoolOptions { size: cli.database_pool_size, timeout: cli.database_timeout };
    let database = match &cli.database {
        Some(value) => Database::parse(value, pool).map_err(CliError::Database)?,
        None => Database::in_folder(&data_dir),
    };
    let engine = Engine::open_database(&data_dir, &database).await?;
    match cli.command {
        Command::Serve { bind, keep_awake, tray, from_window, limits } => {
            engine.keep_awake().set_span(keep_awake);
            if tray {
                return serve::serve_in_tray(engine, bind, limits.limits(), from_window).await;
            }
            serve::serve(engine, bind, limits.limits()).await
        }
        Command::Source(cmd) => Ok(source(engine, cmd).await?),
        Command::Check { slug } => check(&engine, slug).await,
        Command::Users { slug, filter } => listing::users(&engine, &slug, filter).await,
        Command::Groups { slug, filter } => listing::groups(&engine, &slug, filter).await,
        Command::Activity { slug, limit } => listing::activity(&engine, &slug, limit),
        Command::Export { slug, format, resources } => export::run(&engine, &slug, format, resources).await,
        Command::Config(ConfigCommand::Set { key, value }) => Ok(config_set(&engine, &key, &value).await?),
        Command::Config(ConfigCommand::Show) => {
            let s = engine.settings().current()?;
            println!("bind:            {}", s.bind);
            println!("public-url:      {}", s.public_url.as_deref().unwrap_or("(not set)"));
            println!("clipboard-clear: {} s", s.clipboard_clear_seconds);
            let interval = std::time::Duration::from_secs(s.cycle_interval_seconds);
            println!("cycle-interval:  {}", humantime::format_duration(interval));
            println!("data dir:        {}", engine.data_dir().display());
            Ok(())
        }
        Command::Service(_) => unreachable!("handled before the engine opens"),
    }
}

/// Check one source, or each; print one line per source.
async fn check(engine: &Engine, slug: Option<String>) -> Result<(), CliError> {
    let slugs = match slug {
        Some(slug) => vec![slug],
        None => engine.sources().list()?.into_iter().map(|s| s.slug).collect(),
    };
    if slugs.is_empty() {
        return Err(EngineError::InvalidInput(
            "there is no source to check; create one with: scimdesk source create \"Entra ID\"".into(),
        )
        .into());
    }
    let mut unreachable = Vec::new();
    for slug in slugs {
        let report = engine.check_public_url(&slug).await?;
        let url = report.url.as_deref().unwrap_or("(no public URL)");
        println!("{:<20} {:<11} {url}", report.slug, if report.reachable() { "reachable" } else { "UNREACHABLE" });
        println!("  {}.", report.message);
        if !report.reachable() {
            unreachable.push(report.slug);
        }
    }
    match unreachable.len() {
        0 => Ok(()),
        _ => {
            Err(CliError::Unreachable(format!("Entra cannot reach {} through the public URL", unreachable.join(", "))))
        }
    }
}

async fn source(engine: Arc<Engine>, cmd: SourceCommand) -> Result<(), EngineError> {
    let sources = engine.sources();
    match cmd {
        SourceCommand::Create { name, slug, provider } => {
            print_issued(&sources.create_for(&name, slug.as_deref(), provider).await?)
        }
        SourceCommand::List => {
            let list = sources.list()?;
            if list.is_empty() {
                println!("No sources yet. Create one with: scimdesk source create \"Entra ID\"");
            }
            println!("{:<24} {:<24} {:>8} {:>8} {:<8} SCIM BASE URL", "SLUG", "NAME", "USERS", "GROUPS", "ENABLED");
            for s in list {
                println!(
                    "{:<24} {:<24} {:>8} {:>8} {:<8} {}",
                    s.slug,
                    s.name,
                    s.counts.users,
                    s.counts.groups,
                    if s.enabled { "yes" } else { "no" },
                    s.scim_base_url
                );
            }
            health::print_list(&engine)?;
        }
        SourceCommand::Show { slug } => {
            print_summary(&sources.get(&slug)?);
            health::print_source(&engine.health().source(&slug)?, engine.settings().cycle_interval()?);
        }
        SourceCommand::Token { slug } => println!("{}", sources.token(&slug).await?.expose_secret()),
        SourceCommand::Rotate { slug, overlap } => {
            let issued = sources.rotate(&slug, overlap).await?;
            print_issued(&issued);
            if let Some(d) = overlap {
                println!("The previous token stays valid for {}.", humantime::format_duration(d));
            }
        }
        SourceCommand::Enable { slug } => {
            sources.set_enabled(&slug, true).await?;
            println!("Source {slug} is enabled.");
        }
        SourceCommand::Disable { slug } => {
            sources.set_enabled(&slug, false).await?;
            println!("Source {slug} is disabled: its requests are refused until it is enabled again.");
        }
        SourceCommand::Delete { slug } => {
            sources.delete(&slug).await?;
            println!("Source {slug} was deleted with its users, groups and activity.");
        }
    }
    Ok(())
}

async fn config_set(engine: &Engine, key: &str, value: &str) -> Result<(), EngineError> {
    let settings = engine.settings();
    match key {
        "public-url" => {
            settings.set_public_url(Some(value)).await?;
            match settings.current()?.public_url {
                Some(url) => println!("Public URL set to {url}; SCIM Base URLs now start with it."),
                None => println!("Public URL cleared."),
            }
        }
        "bind" => {
            settings.set_bind(scimdesk::settings::parse_bind(value)?).await?;
            println!("The server will listen on {value} from its next start.");
        }
        "clipboard-clear" => {
            let secs = value
                .parse()
                .map_err(|_| EngineError::InvalidInput(format!("\"{value}\" is not a number of seconds")))?;
            settings.set_clipboard_clear_seconds(secs).await?;
            println!("The clipboard is cleared {secs} s after \"Copy token\".");
        }
        "cycle-interval" => {
            let interval = scimdesk::settings::parse_cycle_interval(value)?;
            settings.set_cycle_interval(interval).await?;
            let interval = settings.cycle_interval()?;
            println!(
                "Entra's cycle interval is {}: a provisioned source silent for longer than {} is reported quiet.",
                humantime::format_duration(interval),
                humantime::format_duration(scimdesk::traffic::quiet_after(interval))
            );
        }
        other => {
            return Err(EngineError::InvalidInput(format!(
                "unknown setting \"{other}\"; the settings are public-url, bind, clipboard-clear and cycle-interval"
            )))
        }
    }
    Ok(())
}
