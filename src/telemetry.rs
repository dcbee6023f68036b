//! 运行监测 — what operators read: the log, and the metrics `/metrics` shows. Each metric's
//! name and labels are defined here once; the layers record through these functions.
//!
//! Metrics go through the `metrics` facade to the Prometheus recorder of
//! `metrics-exporter-prometheus`, installed by the server ([`install_metrics`]). Where it is
//! not installed (the CLI, most tests) recording is a no-op.
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// How log lines are written (`TRACKER_LOG_FORMAT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line an event; coloured only on a terminal.
    #[default]
    Text,
    /// One JSON object a line, with the request's id and fields (for Loki, Elasticsearch …).
    Json,
}

/// Starts the log on standard error, filtered by `RUST_LOG` (default: info, the database
/// drivers' warnings only); beside it, the pool's waits for the metrics ([`PoolWaits`]).
pub fn init_logs(format: LogFormat) {
    use std::io::IsTerminal;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{EnvFilter, Layer};
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let lines = match format {
        LogFormat::Text => lines.with_ansi(std::io::stderr().is_terminal()).boxed(),
        // The request's span (its id) on every line it causes, the event's fields at the top.
        LogFormat::Json => lines
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
    };
    let waits = tracing_subscriber::filter::Targets::new().with_target(POOL_ACQUIRE, tracing::Level::TRACE);
    tracing_subscriber::registry()
        .with(lines.with_filter(filter))
        .with(PoolWaits.with_filter(waits))
        .init();
}

/// Where sqlx reports each connection it hands out, with `acquired_after_secs`.
const POOL_ACQUIRE: &str = "sqlx::pool::acquire";

/// Counts how long requests waited for a pool connection (sqlx reports each acquire as a
/// trace event; `db::connect` turns the report on).
struct PoolWaits;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for PoolWaits {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Waited(Option<f64>);
        impl tracing::field::Visit for Waited {
            fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
                if field.name() == "acquired_after_secs" {
                    self.0 = Some(value);
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        let mut waited = Waited(None);
        event.record(&mut waited);
        if let Some(seconds) = waited.0
            && metrics_installed()
        {
            histogram!("tracker_db_pool_wait_seconds").record(seconds);
        }
    }
}

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Latency buckets, in seconds: from a cached page (a few ms) to the request time limit.
const LATENCY_BUCKETS: [f64; 12] = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Installs the process's Prometheus recorder (once; later calls return the same handle).
/// `None` if another recorder was installed first.
pub fn install_metrics() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets(&LATENCY_BUCKETS)
                .ok()?
                .install_recorder()
                .ok()?;
            describe();
            gauge!("tracker_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            // Histogram samples wait in buffers until drained; drain them even when nobody
            // scrapes, so they cannot pile up.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let upkeep = handle.clone();
                runtime.spawn(async move {
                    let mut every = tokio::time::interval(Duration::from_secs(5));
                    loop {
                        every.tick().await;
                        upkeep.run_upkeep();
                    }
                });
            }
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    describe_counter!(
        "tracker_http_requests_total",
        "Requests answered, by route, GraphQL operation and outcome (OK, USER_ERROR or the error code)"
    );
    describe_histogram!(
        "tracker_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time from the request's arrival to its answer"
    );
    describe_gauge!("tracker_http_requests_in_flight", "Requests being answered now");
    describe_gauge!(
        "tracker_db_pool_connections",
        "The database pool's connections: in use, idle, and the most it opens"
    );
    describe_histogram!(
        "tracker_db_pool_wait_seconds",
        metrics::Unit::Seconds,
        "How long a request waited for a connection from the database pool"
    );
    describe_histogram!(
        "tracker_sqlite_writer_wait_seconds",
        metrics::Unit::Seconds,
        "On SQLite: how long a write waited for its turn in the writers' queue"
    );
    describe_counter!(
        "tracker_ledger_entries_written_total",
        "Ledger entries committed, by kind (receipts, allocations, payments, reversals …)"
    );
    describe_counter!(
        "tracker_lifecycle_actions_total",
        "Project lifecycle actions committed, by action"
    );
    describe_counter!(
        "tracker_sign_in_failures_total",
        "Sign-ins refused for a wrong name or password"
    );
    describe_counter!(
        "tracker_rate_limited_total",
        "Requests refused for coming too often, by what was limited (sign-in, the public portal)"
    );
    describe_gauge!("tracker_build_info", "Always 1; the build's version as a label");
}

/// Whether metrics are being recorded.
pub fn metrics_installed() -> bool {
    RECORDER.get().is_some_and(Option::is_some)
}

/// Distinct operation names given their own label before the rest are counted as `other`:
/// clients name their operations, and a client inventing names must not grow the metrics
/// without bound.
const MAX_OPERATIONS: usize = 200;

fn operation_label(name: &str) -> String {
    // GraphQL names have no length limit; labels do.
    let name = match name.char_indices().nth(64) {
        Some((end, _)) => &name[..end],
        None => name,
    };
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Ok(mut seen) = SEEN.get_or_init(Default::default).lock() else {
        return "other".into();
    };
    if seen.contains(name) || (seen.len() < MAX_OPERATIONS && seen.insert(name.to_string())) {
        name.to_string()
    } else {
        "other".into()
    }
}

/// A request answered: `route` as the router matched it, `operation` the GraphQL
/// operation's name (empty for other routes), `outcome` OK, USER_ERROR or an error code.
pub fn request_answered(route: &str, operation: &str, outcome: &str, took: Duration) {
    if !metrics_installed() {
        return;
    }
    let route = route.to_string();
    let operation = operation_label(operation);
    counter!(
        "tracker_http_requests_total",
        "route" => route.clone(),
        "operation" => operation.clone(),
        "outcome" => outcome.to_string()
    )
    .increment(1);
    histogram!(
        "tracker_http_request_duration_seconds",
        "route" => route,
        "operation" => operation
    )
    .record(took.as_secs_f64());
}

/// Counts a request in flight while it lives (if it was counted when it began: the
/// recorder may be installed meanwhile).
pub struct InFlight(bool);

impl InFlight {
    pub fn start() -> Self {
        let counted = metrics_installed();
        if counted {
            gauge!("tracker_http_requests_in_flight").increment(1.0);
        }
        InFlight(counted)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0 {
            gauge!("tracker_http_requests_in_flight").decrement(1.0);
        }
    }
}

/// The metrics in Prometheus's text format, with the pool of `db` as it is now; `None` when
/// the recorder is not installed.
pub fn render(db: &sea_orm::DatabaseConnection) -> Option<String> {
    let handle = RECORDER.get()?.as_ref()?;
    let (open, idle, max) = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    let in_use = open.saturating_sub(idle);
    for (state, n) in [("in_use", in_use), ("idle", idle), ("max", max)] {
        gauge!("tracker_db_pool_connections", "state" => state).set(f64::from(n));
    }
    Some(handle.render())
}

pub fn writer_waited(took: Duration) {
    histogram!("tracker_sqlite_writer_wait_seconds").record(took.as_secs_f64());
}

/// Ledger entries of `kind` this process committed (counted by the change feed).
pub fn ledger_entries_written(kind: &str, n: u64) {
    counter!("tracker_ledger_entries_written_total", "kind" => kind.to_string()).increment(n);
}

/// A lifecycle action this process committed (counted by the change feed).
pub fn lifecycle_action(action: &str) {
    counter!("tracker_lifecycle_actions_total", "action" => action.to_string()).increment(1);
}

pub fn sign_in_failed() {
    counter!("tracker_sign_in_failures_total").increment(1);
}

/// `what`: `sign_in` or `public_portal`.
pub fn rate_limited(what: &'static str) {
    counter!("tracker_rate_limited_total", "what" => what).increment(1);
}
