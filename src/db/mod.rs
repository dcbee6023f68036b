//! Persistence machinery, below the use cases: connecting ([`connect`]), SQLite's writer
//! queue and checkpoints ([`writer`]), reading rows by position ([`rows`]) and the texts of
//! statements built once ([`statements`]). Nothing here knows a rule or a user; the
//! services call it.
pub mod rows;
pub mod statements;
pub mod writer;

pub use writer::begin_write;

use anyhow::Context as _;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::time::Duration;

/// Opens the database named by `url`. For SQLite: creates the file's folder, and turns on
/// WAL (readers do not wait for the writer), a busy timeout (a writer waits for another
/// process's instead of failing; this process's writers queue in `db::writer`),
/// foreign keys and stable query plans (`keep_plans`).
pub async fn connect(url: &str, pool_size: u32) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, pool_size, None).await
}

/// Like [`connect`], with a statement timeout on PostgreSQL connections.
pub async fn connect_with(
    url: &str,
    pool_size: u32,
    statement_timeout: Option<Duration>,
) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_path(url)
        && let Some(dir) = std::path::Path::new(&path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the database folder {}", dir.display()))?;
    }
    let mut options = ConnectOptions::new(url);
    if let Some(timeout) = statement_timeout
        && url.starts_with("postgres")
    {
        options.statement_timeout(timeout);
    }
    options
        .max_connections(pool_size.max(1))
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        // A connection used in the last second is taken as alive: pinging it before every
        // statement (sqlx's default) doubled the round trips of each request under load.
        // One idle for longer is pinged first, so after a database restart (which takes
        // longer than that) no request meets a dead connection.
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
        })
        // Each acquire's wait as a trace event, which the metrics count (`telemetry`).
        .map_sqlx_postgres_pool_opts(|pool| pool.acquire_time_level(log::LevelFilter::Trace))
        .map_sqlx_sqlite_pool_opts(|pool| {
            pool.acquire_time_level(log::LevelFilter::Trace)
                .after_connect(|conn, _| Box::pin(keep_plans(conn)))
        });
    Database::connect(options)
        .await
        .with_context(|| format!("cannot open the database at {}", redact(url)))
}

/// Turns on SQLite's query planner stability guarantee for a connection. Without it, SQLite
/// plans a statement whose `LIMIT` is a bound parameter again every time the parameter is
/// bound (it plans with the value) — and sea-query binds every `LIMIT`, so each read of a
/// project, a user or a page was parsed and planned anew: 2 of the 7 statements of a
/// progress report, a quarter of its CPU. With it a statement keeps the plan it was
/// prepared with, as PostgreSQL's prepared statements do.
pub(crate) async fn keep_plans(conn: &mut sea_orm::sqlx::SqliteConnection) -> Result<(), sea_orm::sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is this connection's open handle, locked for the duration of the call;
    // SQLITE_DBCONFIG_ENABLE_QPSG takes an int (1: on) and a pointer for the resulting
    // setting, which may be null.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1,
            std::ptr::null_mut::<std::ffi::c_int>(),
        )
    };
    if rc == libsqlite3_sys::SQLITE_OK {
        Ok(())
    } else {
        Err(sea_orm::sqlx::Error::Protocol(format!(
            "SQLite refused the query planner stability guarantee (error {rc})"
        )))
    }
}

/// The file path of an SQLite URL, if it is one.
fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The migrations this build knows that the database has not had: none when it is current.
/// Read only (a readiness probe asks it every few seconds), and migrations applied by a newer
/// build during a rolling deploy are no concern of this one.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<Vec<String>, sea_orm::DbErr> {
    use migration::MigratorTrait as _;
    use sea_orm::{ConnectionTrait, Statement};
    let known: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let applied = match db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM seaql_migrations",
        ))
        .await
    {
        Ok(rows) => rows
            .iter()
            .filter_map(|row| row.try_get_by_index::<String>(0).ok())
            .collect::<std::collections::HashSet<_>>(),
        // No table of migrations: none has run. Whether the database answers at all is
        // asked again, so that an unreachable one is not taken for an empty one.
        Err(_) => {
            db.ping().await?;
            Default::default()
        }
    };
    Ok(known.into_iter().filter(|name| !applied.contains(name)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_redacted_and_sqlite_paths_found() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(
            sqlite_path("sqlite://data/tracker.db?mode=rwc").as_deref(),
            Some("data/tracker.db")
        );
        assert_eq!(sqlite_path("postgres://x/y"), None);
    }

    /// Every SQLite connection of the pool keeps its query plans (see `keep_plans`).
    #[tokio::test]
    async fn sqlite_connections_keep_their_query_plans() {
        let db = connect("sqlite::memory:", 2).await.unwrap();
        let pool = db.get_sqlite_connection_pool();
        for _ in 0..2 {
            let mut conn = pool.acquire().await.unwrap();
            let mut handle = conn.lock_handle().await.unwrap();
            let mut setting: std::ffi::c_int = -1;
            // SAFETY: an open handle, locked; -1 asks for the setting without changing it.
            let rc = unsafe {
                libsqlite3_sys::sqlite3_db_config(
                    handle.as_raw_handle().as_ptr(),
                    libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
                    -1,
                    &mut setting as *mut std::ffi::c_int,
                )
            };
            assert_eq!((rc, setting), (libsqlite3_sys::SQLITE_OK, 1));
        }
    }
}
