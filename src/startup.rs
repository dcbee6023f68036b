//! Migrating, building the application and serving it (connecting is `db`'s).
use crate::config::{MIN_SECRET_BYTES, ServeArgs};
use crate::graphql::{Limits, build_schema, context::AppData};
use crate::http::{AppState, Readiness, router};
use crate::service::auth::Tokens;
use anyhow::{Context as _, bail};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("migrating the database failed")?;
    // Figures kept as dated changes are computed by the domain's rules, which a migration
    // cannot run: a database from before them has them computed once, here.
    let rebuilt = crate::service::timeline::rebuild_if_empty(db)
        .await
        .map_err(|e| anyhow::anyhow!("computing the construction figures failed: {e}"))?;
    if rebuilt > 0 {
        tracing::info!(
            projects = rebuilt,
            "construction figures computed from the projects' histories"
        );
    }
    Ok(())
}

/// Chooses the token secret: the configured one (long enough), or in dev mode a random
/// one — tokens then last only as long as the process.
pub fn tokens(args: &ServeArgs) -> anyhow::Result<Tokens> {
    let lifetime = chrono::Duration::hours(i64::from(args.token_hours.max(1)));
    match &args.jwt_secret {
        Some(secret) if secret.len() >= MIN_SECRET_BYTES => {
            Tokens::new(secret.as_bytes(), lifetime).map_err(anyhow::Error::msg)
        }
        Some(_) => bail!("TRACKER_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long"),
        None if args.dev => {
            tracing::warn!(
                "DEV MODE: no TRACKER_JWT_SECRET given; tokens are signed with a random secret and die with this process. Never run like this in production."
            );
            let secret: [u8; 32] = rand::random();
            Tokens::new(&secret, lifetime).map_err(anyhow::Error::msg)
        }
        None => bail!(
            "no TRACKER_JWT_SECRET: set it to a random string of at least {MIN_SECRET_BYTES} bytes, or pass --dev to run in development mode"
        ),
    }
}

/// The application, and the switch its readiness probe reads.
pub struct App {
    pub router: axum::Router,
    pub readiness: Arc<Readiness>,
}

/// The whole application over an open database.
pub fn app(db: DatabaseConnection, tokens: Tokens, args: &ServeArgs) -> App {
    let limits = Limits {
        selections: args.max_selections,
        depth: args.max_depth,
        complexity: args.max_complexity,
        aliases: args.max_aliases,
    };
    let login_throttle = crate::service::auth::LoginThrottle {
        per_username: args.login_failures_per_user,
        per_client: args.login_failures_per_client,
        window: chrono::Duration::minutes(args.login_window_minutes.max(1)),
    };
    let schema = build_schema(
        Some(AppData {
            db: db.clone(),
            tokens: tokens.clone(),
            login_throttle,
            feed: crate::service::changes::Feed::start(db.clone()),
        }),
        limits,
    );
    if args.metrics_token.is_some() || args.metrics_listen.is_some() {
        crate::telemetry::install_metrics();
    }
    let readiness = Arc::new(Readiness::default());
    let router = router(AppState {
        readiness: readiness.clone(),
        slow_ms: args.slow_ms,
        metrics_token: args.metrics_token.clone().filter(|t| !t.is_empty()),
        schema,
        db,
        tokens,
        max_body_bytes: args.max_body_bytes,
        limits,
        request_timeout: Duration::from_millis(args.request_timeout_ms.max(1)),
        trust_proxy: args.trust_proxy,
        cors_origins: args.cors_origins.clone(),
        documents: Default::default(),
        introspection: args.introspection,
        public_limiter: crate::http::limiter(args.public_requests_per_minute),
        max_import_bytes: args.max_import_bytes,
        public_url: args
            .public_url
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty()),
    });
    App { router, readiness }
}

/// When a server stops: how long it goes on serving after the signal while `/readyz` says it
/// is going (so that a load balancer sends new requests elsewhere first), and then how long
/// requests in flight may take to finish.
#[derive(Clone, Copy, Debug)]
pub struct Stopping {
    pub drain: Duration,
    pub grace: Duration,
}

impl Stopping {
    pub fn of(args: &ServeArgs) -> Self {
        Stopping {
            drain: Duration::from_secs(args.shutdown_drain_seconds),
            grace: Duration::from_secs(args.shutdown_grace_seconds),
        }
    }
}

/// Serves until `stop` (Ctrl-C or SIGTERM: [`shutdown_signal`]) ends; then reports not
/// ready, serves on for the drain time, stops accepting and lets requests in flight finish
/// for the grace time; whatever still runs then is abandoned (the caller exits the process).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    stopping: Stopping,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (signalled, mut on_signal) = tokio::sync::watch::channel(false);
    let readiness = app.readiness;
    let server = axum::serve(
        listener,
        app.router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        stop.await;
        readiness.stop();
        if !stopping.drain.is_zero() {
            tracing::info!(
                drain_seconds = stopping.drain.as_secs(),
                "not ready: serving on while load balancers take note"
            );
            tokio::time::sleep(stopping.drain).await;
        }
        let _ = signalled.send(true);
    });
    let grace = stopping.grace;
    let deadline = async move {
        // Waits for the signal; never fires if the server ends first.
        if on_signal.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = server => served?,
        () = deadline => tracing::warn!(
            grace_seconds = grace.as_secs(),
            "requests were still running when the shutdown grace period ended; exiting without them"
        ),
    }
    Ok(())
}

/// Serves `GET /metrics` alone on `listener` (`TRACKER_METRICS_LISTEN`) until the process ends.
pub async fn serve_metrics(listener: tokio::net::TcpListener, db: DatabaseConnection) -> anyhow::Result<()> {
    axum::serve(listener, crate::http::metrics_router(db)).await?;
    Ok(())
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
