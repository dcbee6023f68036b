//! What operators and their tools ask the server: is it alive (`/healthz`), should it be
//! sent requests (`/readyz`), which build is it (`/version`), and how is it doing
//! (`/metrics`, for Prometheus).
use super::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the server takes new work: until the shutdown signal.
#[derive(Debug, Default)]
pub struct Readiness {
    stopping: AtomicBool,
}

impl Readiness {
    /// From now on `/readyz` says the server is going.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A probe's answer when the database does not answer.
fn unreachable(probe: &str, error: sea_orm::DbErr) -> Response {
    tracing::error!(error = %error, "{probe}: database unreachable");
    answer(
        StatusCode::SERVICE_UNAVAILABLE,
        json!({"status": "unavailable", "database": "unreachable"}),
    )
}

/// Alive, and the database answers.
pub async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    match state.db.ping().await {
        Ok(()) => answer(StatusCode::OK, json!({"status": "ok", "database": "reachable"})),
        Err(e) => unreachable("health check", e),
    }
}

/// Ready for requests: not shutting down, the database answers, and its schema is the one
/// this build expects (a server started with `--no-migrate` before `tracker migrate` ran
/// is not ready).
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if state.readiness.is_stopping() {
        return answer(StatusCode::SERVICE_UNAVAILABLE, json!({"status": "shutting down"}));
    }
    match crate::db::pending_migrations(&state.db).await {
        Ok(pending) if pending.is_empty() => answer(StatusCode::OK, json!({"status": "ready"})),
        Ok(pending) => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "migrations pending", "pending": pending}),
        ),
        Err(e) => unreachable("readiness check", e),
    }
}

/// The build: version, the commit when the build was given one (`TRACKER_COMMIT` at build
/// time), and the database kind it runs on.
pub async fn version(State(state): State<Arc<AppState>>) -> Response {
    let database = match state.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "postgresql",
        sea_orm::DbBackend::Sqlite => "sqlite",
        _ => "other",
    };
    answer(
        StatusCode::OK,
        json!({
            "name": env!("CARGO_PKG_NAME"),
            "version": env!("CARGO_PKG_VERSION"),
            "commit": option_env!("TRACKER_COMMIT"),
            "database": database,
        }),
    )
}

/// `GET /metrics` on the API's address: for the holder of `TRACKER_METRICS_TOKEN` only.
pub async fn metrics(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let Some(token) = &state.metrics_token else {
        return answer(
            StatusCode::NOT_FOUND,
            json!({"error": "metrics are off: set TRACKER_METRICS_TOKEN (then send it as a bearer token) or TRACKER_METRICS_LISTEN"}),
        );
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !same_secret(given.as_bytes(), token.as_bytes()) {
        let mut refused = answer(
            StatusCode::UNAUTHORIZED,
            json!({"error": "send the metrics token (TRACKER_METRICS_TOKEN) as `Authorization: Bearer …`"}),
        );
        refused
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        return refused;
    }
    prometheus_text(&state.db)
}

/// `GET /metrics` on the metrics address (`TRACKER_METRICS_LISTEN`), which only Prometheus
/// reaches.
pub async fn open_metrics(State(db): State<sea_orm::DatabaseConnection>) -> Response {
    prometheus_text(&db)
}

fn prometheus_text(db: &sea_orm::DatabaseConnection) -> Response {
    match crate::telemetry::render(db) {
        Some(text) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
            text,
        )
            .into_response(),
        None => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": "the metrics recorder could not be installed"}),
        ),
    }
}

/// Compares secrets in time that does not depend on where they differ.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(given), Sha256::digest(expected));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
