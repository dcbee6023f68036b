//! Write transactions, and on SQLite the queue its writers wait in.
//!
//! SQLite takes one writer at a time. A writer that finds the database locked sleeps in
//! SQLite's busy handler — 1, 2, 5, 10 … up to 100 ms a try — and so wakes late, after the
//! lock has been free for a while: with 16 departments reporting progress at once, a
//! quarter of the time went to sleeping and one write in a hundred took 180 ms. Writers of
//! one database file in this process therefore queue here, first come first served, each
//! woken as the one before it commits or rolls back. `BEGIN IMMEDIATE` and the busy timeout
//! still order them against other processes. PostgreSQL needs none of this.
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult,
    Statement, TransactionOptions, TransactionTrait,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;

/// How long a writer waits for its turn: the busy timeout SQLite is opened with
/// (`startup::connect`), after which SQLite itself would give up.
const TURN_TIMEOUT: Duration = Duration::from_secs(30);

/// A transaction that will write, holding its turn in the writers' queue until it ends.
pub struct WriteTransaction {
    transaction: DatabaseTransaction,
    _turn: Option<OwnedMutexGuard<()>>,
}

/// Begins a transaction that will write. On SQLite it waits for its turn among this
/// process's writers, then takes the write lock at `BEGIN` (`BEGIN IMMEDIATE`), so that
/// two writers never both hold read locks and then fail to upgrade them.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    let turn = match sqlite.then(|| queue_of(db)) {
        Some(queue) => Some(
            tokio::time::timeout(TURN_TIMEOUT, queue.lock_owned())
                .await
                .map_err(|_| DbErr::Custom("the database is busy with other writes: try again".into()))?,
        ),
        None => None,
    };
    let transaction = db
        .begin_with_options(TransactionOptions {
            isolation_level: None,
            access_mode: (!sqlite).then_some(AccessMode::ReadWrite),
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        })
        .await?;
    Ok(WriteTransaction {
        transaction,
        _turn: turn,
    })
}

/// The writers' queue of `db`'s database file (one per file, shared by every pool open on it).
fn queue_of(db: &DatabaseConnection) -> Arc<tokio::sync::Mutex<()>> {
    static QUEUES: OnceLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_path_buf();
    let mut queues = QUEUES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    queues.entry(file).or_default().clone()
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.transaction.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.transaction.rollback().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DbBackend {
        self.transaction.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.transaction.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.transaction.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.transaction.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.transaction.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.transaction.support_returning()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn sqlite(name: &str) -> DatabaseConnection {
        let path = std::env::temp_dir().join(format!("tracker-writes-{name}-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        crate::startup::connect(&format!("sqlite://{}?mode=rwc", path.display()), 4)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn writers_of_one_sqlite_file_take_turns_and_other_files_do_not_wait() {
        let db = sqlite("one").await;
        let other = sqlite("other").await;
        let first = begin_write(&db).await.unwrap();
        // The file's queue is held for as long as the first transaction is open...
        assert!(queue_of(&db).try_lock().is_err());
        // ...by every pool on the file, but not by another file's writers.
        let same_file = crate::startup::connect(
            &format!(
                "sqlite://{}",
                db.get_sqlite_connection_pool()
                    .connect_options()
                    .get_filename()
                    .display()
            ),
            2,
        )
        .await
        .unwrap();
        assert!(queue_of(&same_file).try_lock().is_err());
        let elsewhere = begin_write(&other).await.unwrap();
        elsewhere.commit().await.unwrap();
        let second = tokio::spawn(async move {
            match begin_write(&same_file).await {
                Ok(turn) => turn.rollback().await.is_ok(),
                Err(_) => false,
            }
        });
        first.commit().await.unwrap();
        assert!(
            second.await.unwrap(),
            "the second writer had its turn once the first committed"
        );
        assert!(queue_of(&db).try_lock().is_ok());
    }
}
