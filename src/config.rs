//! Command line and environment: every setting is a flag with a `TRACKER_*` (or
//! `DATABASE_URL`) variable behind it.
use clap::{ArgAction, Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the embedded database lives when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tracker.db?mode=rwc";

#[derive(Parser, Debug)]
#[command(
    name = "tracker",
    version,
    about = "扶贫项目与资金台账 — the poverty-alleviation project and fund tracker",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// `sqlite://path?mode=rwc` (the default, under ./data/) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true, hide_env_values = true)]
    pub database_url: String,

    /// How log lines are written: `text`, or `json` (one object a line).
    #[arg(long, env = "TRACKER_LOG_FORMAT", value_enum, default_value_t = crate::telemetry::LogFormat::Text, global = true)]
    pub log_format: crate::telemetry::LogFormat,

    /// Connections in the database pool.
    #[arg(long, env = "TRACKER_DB_POOL", default_value_t = 8, global = true)]
    pub db_pool: u32,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// With no subcommand, `tracker` serves.
    #[command(flatten)]
    pub serve: ServeArgs,
}

impl Cli {
    /// A batch that writes to SQLite statement by statement, in one transaction: an import,
    /// a seed, a region tree (run on one core, `cli::one_core`).
    pub fn is_sqlite_batch(&self) -> bool {
        let batch = matches!(
            self.command,
            Some(Command::Import(_))
                | Some(Command::Seed { .. })
                | Some(Command::Regions {
                    action: RegionsCommand::Import { .. }
                })
        );
        batch && self.database_url.starts_with("sqlite:")
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GraphQL API (the default).
    Serve(ServeArgs),
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Load data.
    Seed {
        #[command(subcommand)]
        what: SeedCommand,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Manage the region tree.
    Regions {
        #[command(subcommand)]
        action: RegionsCommand,
    },
    /// Print the GraphQL schema (SDL), as committed in schema.graphql.
    Schema,
    /// Print the work report's project paragraph for a region and year.
    Report {
        /// The region's 12-digit code (a county, or a city or province to sum its counties).
        #[arg(long)]
        region: String,
        #[arg(long)]
        year: i32,
        /// The day the figures stand at the end of (YYYY-MM-DD); today if left out.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Benchmark the API against its own SQL on a generated county (see the README).
    Bench {
        /// The generated county (`tracker seed county`).
        #[arg(long, default_value = "990102000000")]
        county: String,
        #[arg(long, default_value_t = 2026)]
        year: i32,
        /// Concurrent connections.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Seconds per scenario.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Only these scenarios, e.g. `--only Q2,Q4` (all by default).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Print the SQL each scenario issues (to see what to index).
        #[arg(long)]
        show_sql: bool,
        /// Record metrics as a server with `TRACKER_METRICS_TOKEN` does (to see what they cost).
        #[arg(long)]
        metrics: bool,
    },
    /// Write a spreadsheet: the project ledger, the journal, fund utilization or construction progress.
    Export(ExportArgs),
    /// Bring a spreadsheet in (`tracker import KIND FILE --user NAME`), or write a kind's
    /// template (`tracker import template KIND`).
    Import(ImportArgs),
    /// Print what is overdue in a region (逾期预警): unclaimed, unstarted, unfinished and
    /// stalled projects, rectification problems past their deadline, monthly list items not cleared.
    Alerts {
        /// The region's 12-digit code.
        #[arg(long)]
        region: String,
        /// The day (YYYY-MM-DD); today if left out.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Only these kinds, e.g. `--kinds CLAIM_OVERDUE,NO_PROGRESS` (all by default).
        #[arg(long, default_value = "")]
        kinds: String,
        /// For NO_PROGRESS: the days a site may go without a progress report.
        #[arg(long, default_value_t = 30)]
        no_progress_days: u32,
    },
}

/// What `tracker import` reads, as whom and how.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The kind (regions, village-figures, exit-register, fund-lines, projects, plan,
    /// receipts, allocations, disbursements, progress); or `template` or `export` (the
    /// county's rows of a kind in the import layout).
    pub kind: String,
    /// The XLSX or CSV file (UTF-8 or GB18030); after `template` or `export`, the kind.
    pub file: String,
    /// The user the rows are checked and recorded as: their role and area, by the same
    /// permission table as the API.
    #[arg(long)]
    pub user: Option<String>,
    /// Check every row and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the rows that pass (by default every row must pass, or nothing is written).
    #[arg(long, conflicts_with = "dry_run")]
    pub partial: bool,
    /// Also write the report — the file's rows with what became of each — to this XLSX.
    #[arg(long)]
    pub report: Option<std::path::PathBuf>,
    /// Where to write a template (default `KIND-template.xlsx`) or an export
    /// (`COUNTY-KIND.xlsx`).
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

/// What `tracker export` writes, with the filters of its query.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// projects, journal, fund-utilization, construction-progress, assessment, exit-register or gap-list.
    pub kind: String,
    /// xlsx or csv.
    #[arg(long, default_value = "xlsx")]
    pub format: String,
    #[arg(long)]
    pub year: Option<i32>,
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Comma-separated dimensions, as in the GraphQL `groupBy` (e.g. FUND_KIND,MONTH).
    #[arg(long)]
    pub group_by: Option<String>,
    /// The journal: entries dated on or after this day.
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,
    /// The journal: entries dated on or before this day.
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
    /// Money in yuan (元) or wan (万元).
    #[arg(long, default_value = "yuan")]
    pub unit: String,
    /// The scores (assessment): the quarter, 1–4.
    #[arg(long)]
    pub quarter: Option<u32>,
    /// The scores (assessment): TOWNSHIP or DEPARTMENT.
    #[arg(long)]
    pub by: Option<String>,
    /// The file to write.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum SeedCommand {
    /// The demo county 示范县 with its departments and one user per role.
    Demo,
    /// A generated county at benchmark scale (deterministic): 15 townships, 250 villages,
    /// 10,000 projects over 5 years, 30,000 allocations, 100,000 disbursements, 50,000
    /// progress reports.
    County {
        /// The county's 12-digit code.
        #[arg(long, default_value = "990102000000")]
        code: String,
        #[arg(long, default_value_t = 10_000)]
        projects: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// A generated province of such counties (for PostgreSQL).
    Province {
        /// The province's 12-digit code.
        #[arg(long, default_value = "980000000000")]
        code: String,
        #[arg(long, default_value_t = 100)]
        counties: usize,
        /// Projects per county.
        #[arg(long, default_value_t = 10_000)]
        projects: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account.
    Create {
        #[arg(long)]
        username: String,
        /// ADMIN, COORDINATOR, FINANCE, DEPARTMENT, TOWNSHIP or INSPECTOR.
        #[arg(long)]
        role: String,
        /// The 12-digit code of the region the user works in.
        #[arg(long)]
        region: Option<String>,
        /// The department's exact name (required for DEPARTMENT users).
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// The password; read from standard input when not given.
        #[arg(long, env = "TRACKER_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum RegionsCommand {
    /// Import a region tree from a CSV file (header: code,name[,is_poverty_village,poor_households,poor_people]).
    Import { file: PathBuf },
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "TRACKER_LISTEN", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,

    /// The secret that signs sign-in tokens; at least 32 bytes. Required unless --dev.
    #[arg(long, env = "TRACKER_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Development mode: without a secret, sign tokens with a random one made at start.
    #[arg(long, env = "TRACKER_DEV", action = ArgAction::SetTrue)]
    pub dev: bool,

    /// Load the demo county if the database has no users yet.
    #[arg(long, env = "TRACKER_DEMO", action = ArgAction::SetTrue)]
    pub demo: bool,

    /// Do not run migrations at start.
    #[arg(long, env = "TRACKER_NO_MIGRATE", action = ArgAction::SetTrue)]
    pub no_migrate: bool,

    /// How long a sign-in token lasts, in hours.
    #[arg(long, env = "TRACKER_TOKEN_HOURS", default_value_t = 12)]
    pub token_hours: u32,

    /// The largest request body accepted, in bytes.
    #[arg(long, env = "TRACKER_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// How many field visits one request may ask for, counted with its fragments expanded
    /// (each field once per place it is reached). Checked before anything else runs.
    #[arg(long, env = "TRACKER_MAX_SELECTIONS", default_value_t = 3_000)]
    pub max_selections: usize,

    /// How deeply a query may nest fields (introspection's nesting is not counted).
    #[arg(long, env = "TRACKER_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,

    /// The most a query may cost (fields, with connections weighted by page size).
    #[arg(long, env = "TRACKER_MAX_COMPLEXITY", default_value_t = 20_000)]
    pub max_complexity: usize,

    /// The most aliased fields one request may hold.
    #[arg(long, env = "TRACKER_MAX_ALIASES", default_value_t = 100)]
    pub max_aliases: usize,

    /// A secret that unlocks `GET /metrics` on the API's address (sent as
    /// `Authorization: Bearer …`); without it or `--metrics-listen` there are no metrics.
    #[arg(long, env = "TRACKER_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// A second address that serves only `GET /metrics`, without a token (e.g.
    /// `127.0.0.1:9464`, reachable from the Prometheus server alone).
    #[arg(long, env = "TRACKER_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Requests taking at least this long, in milliseconds, are logged as warnings.
    #[arg(long, env = "TRACKER_SLOW_MS", default_value_t = 1_000)]
    pub slow_ms: u64,

    /// How long one request may run, in milliseconds.
    #[arg(long, env = "TRACKER_REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,

    /// After SIGTERM or Ctrl-C: how long requests in flight may take to finish, in seconds,
    /// before the server exits anyway.
    #[arg(long, env = "TRACKER_SHUTDOWN_GRACE_SECONDS", default_value_t = 10)]
    pub shutdown_grace_seconds: u64,

    /// After SIGTERM or Ctrl-C: how long the server goes on serving while `/readyz` reports
    /// it is going, in seconds, so that a load balancer stops sending it requests first.
    #[arg(long, env = "TRACKER_SHUTDOWN_DRAIN_SECONDS", default_value_t = 0)]
    pub shutdown_drain_seconds: u64,

    /// Who may read the schema by introspection: `public` (anyone; GraphiQL and code
    /// generators work without a token), `signed-in`, or `off`.
    #[arg(long, env = "TRACKER_INTROSPECTION", value_enum, default_value_t = crate::http::Introspection::Public)]
    pub introspection: crate::http::Introspection,

    /// How long one SQL statement may run on PostgreSQL, in milliseconds.
    #[arg(long, env = "TRACKER_STATEMENT_TIMEOUT_MS", default_value_t = 10_000)]
    pub statement_timeout_ms: u64,

    /// Failed sign-ins allowed per username within the window.
    #[arg(long, env = "TRACKER_LOGIN_FAILURES_PER_USER", default_value_t = 5)]
    pub login_failures_per_user: u64,

    /// Failed sign-ins allowed per client address within the window.
    #[arg(long, env = "TRACKER_LOGIN_FAILURES_PER_CLIENT", default_value_t = 20)]
    pub login_failures_per_client: u64,

    /// The window failed sign-ins are counted over, in minutes.
    #[arg(long, env = "TRACKER_LOGIN_WINDOW_MINUTES", default_value_t = 15)]
    pub login_window_minutes: i64,

    /// The largest spreadsheet `POST /imports/{kind}` takes, in bytes.
    #[arg(long, env = "TRACKER_MAX_IMPORT_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub max_import_bytes: usize,

    /// The portal's public address (e.g. `https://fp.example.gov.cn`), printed on notice
    /// sheets and in their QR codes; the request's own host when not set.
    #[arg(long, env = "TRACKER_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Requests a minute each client address may make to the public portal (`/public/…`).
    #[arg(long, env = "TRACKER_PUBLIC_REQUESTS_PER_MINUTE", default_value_t = 120)]
    pub public_requests_per_minute: u32,

    /// Take the client's address from `X-Forwarded-For` (only behind a trusted proxy).
    #[arg(long, env = "TRACKER_TRUST_PROXY", action = ArgAction::SetTrue)]
    pub trust_proxy: bool,

    /// Browser origins allowed to call the API (comma-separated, e.g.
    /// `https://tracker.example.gov.cn`); none by default.
    #[arg(long, env = "TRACKER_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
}

/// The shortest secret accepted outside dev mode.
pub const MIN_SECRET_BYTES: usize = 32;
