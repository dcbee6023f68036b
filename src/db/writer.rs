//! Write transactions, and on SQLite the queue its writers wait in and the one connection
//! they write through.
//!
//! SQLite takes one writer at a time. A writer that finds the database locked sleeps in
//! SQLite's busy handler — 1, 2, 5, 10 … up to 100 ms a try — and so wakes late, after the
//! lock has been free for a while: with 16 departments reporting progress at once, a
//! quarter of the time went to sleeping and one write in a hundred took 180 ms. Writers of
//! one database file in this process therefore queue here, first come first served, each
//! woken as the one before it commits or rolls back. `BEGIN IMMEDIATE` and the busy timeout
//! still order them against other processes. PostgreSQL needs none of this.
//!
//! Since they take turns anyway, they write through one connection of their own rather than
//! whichever of the pool's is free. In WAL mode a connection drops its whole page cache when
//! it finds the database changed by another connection since its last transaction — which,
//! with writes spread over the pool, was every write: each progress report read some
//! hundred pages back from the file inside the lock. The writers' own connection made the
//! last change itself, so its cache holds.
//!
//! Nor do they checkpoint (copy the log back into the database file) in their commits, as
//! SQLite does by default every 1,000 pages: that copy and its two `fsync`s fell inside the
//! writers' turn, so every 150th report or so held all the others up. A task beside them
//! runs a passive checkpoint every [`CHECKPOINT_EVERY`] commits instead, on a connection of
//! its own, while they go on writing. Under writes that never pause such a checkpoint never
//! quite catches up, and the log could not start over; so past [`CATCH_UP_FRAMES`] the next
//! writer finishes one itself, within its turn.
use sea_orm::sqlx::sqlite::SqlitePoolOptions;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult,
    RuntimeErr, SqlxSqliteConnector, Statement, TransactionOptions, TransactionTrait,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{Notify, OnceCell, OwnedMutexGuard};

/// How long a writer waits for its turn: the busy timeout SQLite is opened with
/// (`db::connect`), after which SQLite itself would give up.
const TURN_TIMEOUT: Duration = Duration::from_secs(30);

/// Commits between two checkpoints beside the writers: a progress report writes 6–8 pages,
/// so this is about SQLite's own interval of 1,000 pages.
pub const CHECKPOINT_EVERY: u32 = 128;

/// Frames in the log (40 MB of 4 KB pages) past which the next writer checkpoints itself.
const CATCH_UP_FRAMES: i64 = 10_000;

/// A transaction that will write, holding its turn in the writers' queue until it ends.
pub struct WriteTransaction {
    transaction: DatabaseTransaction,
    /// On SQLite: the writers, and this one's turn among them.
    turn: Option<(Arc<Writers>, OwnedMutexGuard<()>)>,
}

/// The writers of one SQLite database file in this process: their queue, and the
/// connection they write through, opened by the first of them.
#[derive(Default)]
struct Writers {
    turn: Arc<tokio::sync::Mutex<()>>,
    connection: OnceCell<DatabaseConnection>,
    /// Called with each statement the writers' connection runs (see [`observe`]).
    hook: Mutex<Option<StatementHook>>,
    /// Commits so far (a checkpoint is asked for at each multiple of [`CHECKPOINT_EVERY`]).
    commits: AtomicU32,
    /// Wakes the checkpoint beside the writers.
    checkpoint_due: Notify,
    /// Set when the log has grown past [`CATCH_UP_FRAMES`].
    catch_up: AtomicBool,
    /// Counts commits for whoever follows them (the change feed).
    commits_seen: tokio::sync::watch::Sender<u32>,
}

/// A callback on each statement a connection runs, as sea-orm's metric callback takes it.
pub type StatementHook = Arc<dyn Fn(&sea_orm::metric::Info<'_>) + Send + Sync>;

/// Has `hook` called with each statement run on `db`: on its pool, and on SQLite on the
/// writers' connection too, so that a write's statements are seen with its reads (`tracker
/// bench` counts them). Call it before the first write.
pub fn observe(db: &mut DatabaseConnection, hook: StatementHook) {
    if db.get_database_backend() == DbBackend::Sqlite {
        let writers = writers_of(db);
        *writers.hook.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(hook.clone());
    }
    db.set_metric_callback(move |info| hook(info));
}

/// Begins a transaction that will write. On SQLite it waits for its turn among this
/// process's writers, then takes the write lock at `BEGIN` (`BEGIN IMMEDIATE`), so that
/// two writers never both hold read locks and then fail to upgrade them.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        let transaction = db
            .begin_with_options(TransactionOptions {
                isolation_level: None,
                access_mode: Some(AccessMode::ReadWrite),
                sqlite_transaction_mode: None,
            })
            .await?;
        return Ok(WriteTransaction {
            transaction,
            turn: None,
        });
    }
    let writers = writers_of(db);
    let waiting = std::time::Instant::now();
    let turn = tokio::time::timeout(TURN_TIMEOUT, writers.turn.clone().lock_owned())
        .await
        .map_err(|_| DbErr::Custom("the database is busy with other writes: try again".into()))?;
    crate::telemetry::writer_waited(waiting.elapsed());
    let connection = writers.connection.get_or_try_init(|| open_writer(db, &writers)).await?;
    let transaction = connection
        .begin_with_options(TransactionOptions {
            isolation_level: None,
            access_mode: None,
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        })
        .await?;
    Ok(WriteTransaction {
        transaction,
        turn: Some((writers, turn)),
    })
}

/// The writers of `db`'s database file (one per file, shared by every pool open on it).
fn writers_of(db: &DatabaseConnection) -> Arc<Writers> {
    static WRITERS: OnceLock<Mutex<HashMap<PathBuf, Arc<Writers>>>> = OnceLock::new();
    let options = db.get_sqlite_connection_pool().connect_options();
    let file = options.get_filename();
    let mut writers = WRITERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // Looked up by reference: every write passes here, and only the first needs the path owned.
    if let Some(found) = writers.get(file) {
        return found.clone();
    }
    writers.entry(file.to_path_buf()).or_default().clone()
}

/// Opens the writers' connection: `db`'s options (WAL, busy timeout, foreign keys) and
/// stable plans, as every connection of the pool has, but no checkpoints of its own; kept
/// open, and not pinged before use (a file does not hang up). Starts the checkpoints beside
/// it.
async fn open_writer(db: &DatabaseConnection, writers: &Arc<Writers>) -> Result<DatabaseConnection, DbErr> {
    let options = (*db.get_sqlite_connection_pool().connect_options())
        .clone()
        .pragma("wal_autocheckpoint", "0");
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
        .after_connect(|conn, _| Box::pin(crate::db::keep_plans(conn)))
        .connect_with(options.clone())
        .await
        .map_err(|e| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))))?;
    let mut connection = SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
    let hook = writers
        .hook
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    if let Some(hook) = hook {
        connection.set_metric_callback(move |info| hook(info));
    }
    // On a connection of their own, not on `db`'s pool: that may be closed while other
    // pools on the file go on writing.
    let checkpoints = SqlitePoolOptions::new().max_connections(1).connect_lazy_with(options);
    tokio::spawn(checkpoint_beside(checkpoints, writers.clone()));
    Ok(connection)
}

/// The checkpoints beside the writers, each when [`CHECKPOINT_EVERY`] commits have asked
/// for one.
async fn checkpoint_beside(pool: sea_orm::sqlx::SqlitePool, writers: Arc<Writers>) {
    loop {
        writers.checkpoint_due.notified().await;
        match checkpoint(&pool).await {
            Ok(frames) if frames > CATCH_UP_FRAMES => writers.catch_up.store(true, Ordering::Relaxed),
            Ok(_) => {}
            Err(e) => tracing::warn!("checkpointing the database failed: {e}"),
        }
    }
}

/// A passive checkpoint (it waits for no reader or writer) on a connection of `pool`,
/// returning how many frames the log holds. Not through sea-orm, so that it is not counted
/// with the statements of the requests (`observe`).
async fn checkpoint(pool: &sea_orm::sqlx::SqlitePool) -> Result<i64, sea_orm::sqlx::Error> {
    let (_busy, frames, _copied): (i64, i64, i64) = sea_orm::sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    Ok(frames)
}

impl Writers {
    /// After a commit, still within its turn: asks for a checkpoint beside the writers
    /// every [`CHECKPOINT_EVERY`] commits, and when the log has grown too long, finishes one
    /// here, with no other writer adding to the log meanwhile.
    async fn committed(&self) {
        if self.catch_up.swap(false, Ordering::Relaxed)
            && let Some(connection) = self.connection.get()
            && let Err(e) = checkpoint(connection.get_sqlite_connection_pool()).await
        {
            tracing::warn!("checkpointing the database failed: {e}");
        }
        // Wrapping keeps the multiples: 2^32 is one of them.
        if self
            .commits
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1)
            .is_multiple_of(CHECKPOINT_EVERY)
        {
            self.checkpoint_due.notify_one();
        }
        self.commits_seen.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// On SQLite: changes with each commit of this process's writers to `db`'s file (the
/// change feed reads what they wrote). `None` on other databases.
pub fn commits(db: &DatabaseConnection) -> Option<tokio::sync::watch::Receiver<u32>> {
    (db.get_database_backend() == DbBackend::Sqlite).then(|| writers_of(db).commits_seen.subscribe())
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.transaction.commit().await?;
        if let Some((writers, _turn)) = &self.turn {
            writers.committed().await;
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.transaction.rollback().await
    }

    /// A savepoint inside the transaction: committing it keeps its writes for the outer
    /// commit, dropping it undoes them alone (an import's rows, one at a time).
    pub async fn savepoint(&self) -> Result<DatabaseTransaction, DbErr> {
        sea_orm::TransactionTrait::begin(&self.transaction).await
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
        crate::db::connect(&format!("sqlite://{}?mode=rwc", path.display()), 4)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn writers_of_one_sqlite_file_take_turns_and_other_files_do_not_wait() {
        let db = sqlite("one").await;
        let other = sqlite("other").await;
        let first = begin_write(&db).await.unwrap();
        // The file's queue is held for as long as the first transaction is open...
        assert!(writers_of(&db).turn.try_lock().is_err());
        // ...by every pool on the file, but not by another file's writers.
        let same_file = crate::db::connect(
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
        assert!(writers_of(&same_file).turn.try_lock().is_err());
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
        assert!(writers_of(&db).turn.try_lock().is_ok());
    }

    #[tokio::test]
    async fn every_pool_on_a_file_writes_through_one_connection_the_readers_do_not_use() {
        let db = sqlite("shared").await;
        let file = db
            .get_sqlite_connection_pool()
            .connect_options()
            .get_filename()
            .display()
            .to_string();
        let same_file = crate::db::connect(&format!("sqlite://{file}"), 2).await.unwrap();
        // A temporary table lives only in the connection that made it.
        let first = begin_write(&db).await.unwrap();
        first.execute_unprepared("CREATE TEMP TABLE marker (x)").await.unwrap();
        first.commit().await.unwrap();
        let second = begin_write(&same_file).await.unwrap();
        second
            .execute_unprepared("INSERT INTO marker VALUES (1)")
            .await
            .unwrap();
        second.commit().await.unwrap();
        assert!(db.execute_unprepared("SELECT x FROM marker").await.is_err());
    }

    #[tokio::test]
    async fn an_observer_sees_the_writers_statements_as_well_as_the_pools() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let mut db = sqlite("observed").await;
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        observe(
            &mut db,
            Arc::new(move |_| {
                counter.fetch_add(1, Ordering::Relaxed);
            }),
        );
        let statement = |sql: &str| Statement::from_string(DbBackend::Sqlite, sql);
        db.execute_raw(statement("CREATE TABLE t (x)")).await.unwrap();
        assert_eq!(seen.load(Ordering::Relaxed), 1);
        let txn = begin_write(&db).await.unwrap();
        txn.execute_raw(statement("INSERT INTO t VALUES (1)")).await.unwrap();
        txn.commit().await.unwrap();
        assert_eq!(seen.load(Ordering::Relaxed), 2);
    }

    fn file_size(db: &DatabaseConnection) -> u64 {
        let file = db
            .get_sqlite_connection_pool()
            .connect_options()
            .get_filename()
            .to_path_buf();
        std::fs::metadata(file).map(|m| m.len()).unwrap_or(0)
    }

    async fn write_blobs(db: &DatabaseConnection, blobs: usize) {
        let txn = begin_write(db).await.unwrap();
        txn.execute_unprepared("CREATE TABLE IF NOT EXISTS blobs (b BLOB)")
            .await
            .unwrap();
        for _ in 0..blobs {
            txn.execute_unprepared("INSERT INTO blobs VALUES (randomblob(3000))")
                .await
                .unwrap();
        }
        txn.commit().await.unwrap();
    }

    /// Waits up to 10 s for a checkpoint beside the writers to bring the database file to
    /// `size` bytes.
    async fn assert_file_grows(db: &DatabaseConnection, size: u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while file_size(db) < size && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(file_size(db) >= size, "the log was not copied into the file");
    }

    #[tokio::test]
    async fn a_checkpoint_beside_the_writers_copies_their_log_into_the_file() {
        let db = sqlite("checkpointed").await;
        write_blobs(&db, 1).await;
        let before = file_size(&db);
        for _ in 1..CHECKPOINT_EVERY {
            write_blobs(&db, 1).await;
        }
        // Each write added a page to the log; none copied it into the file itself...
        assert!(file_size(&db) < before + 64 * 4096);
        // ...the checkpoint the last of them asked for does, beside them.
        assert_file_grows(&db, before + 64 * 4096).await;
    }

    #[tokio::test]
    async fn checkpoints_go_on_when_the_pool_of_the_first_writer_is_closed() {
        let first = sqlite("first-closed").await;
        write_blobs(&first, 1).await;
        let file = first
            .get_sqlite_connection_pool()
            .connect_options()
            .get_filename()
            .display()
            .to_string();
        let second = crate::db::connect(&format!("sqlite://{file}"), 2).await.unwrap();
        first.close().await.unwrap();
        let before = file_size(&second);
        for _ in 0..CHECKPOINT_EVERY {
            write_blobs(&second, 1).await;
        }
        assert_file_grows(&second, before + 64 * 4096).await;
    }

    #[tokio::test]
    async fn a_writer_catches_the_checkpoint_up_itself_once_the_log_is_too_long() {
        let db = sqlite("caught-up").await;
        write_blobs(&db, 1).await;
        let before = file_size(&db);
        writers_of(&db).catch_up.store(true, Ordering::Relaxed);
        write_blobs(&db, 32).await;
        assert!(file_size(&db) >= before + 32 * 3000, "the commit did not checkpoint");
        assert!(!writers_of(&db).catch_up.load(Ordering::Relaxed));
    }
}
