//! 变更推送 — the change feed behind the subscriptions. Each change a subscriber can follow
//! (a project's step, a progress report, a ledger entry) is written as a `change_event` row
//! in the change's own transaction, so it exists exactly when the change does. After the
//! commit, each server's [`Feed`] reads the new rows and hands them to its subscribers:
//! woken on PostgreSQL by `NOTIFY` (sent in the transaction, so delivered at commit to
//! every server on the database), on SQLite by this process's writers' commits; and once
//! a second in any case. A subscriber's own view of the feed is [`follow`]: what it asked
//! for, within what it may see, after a cursor if it gives one.
use super::{ServiceError, ServiceResult};
use crate::domain::access::{Actor, Operation, authorize_at};
use crate::domain::changes::{self, ChangeKind};
use crate::domain::region::{RegionCode, RegionLevel};
use chrono::NaiveDate;
use entity::{change_event, ledger_entry, project};
use futures_util::Stream;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// The PostgreSQL channel a committed change is announced on.
pub const CHANNEL: &str = "tracker_changes";

/// Changes a subscriber may fall behind by before it re-reads what it missed.
const BUFFER: usize = 1024;

/// Changes read at a time (a replay, a catch-up, a wake of the feed).
const BATCH: u64 = 500;

/// How long the feed waits, once woken, for more commits to read with the same query:
/// under a steady stream of writes one read a commit cost a progress report an eighth
/// more work. With subscribers a change is late by this much at most …
const GATHER: Duration = Duration::from_millis(20);

/// … and with none, only the metrics to count, by this much.
const GATHER_FOR_METRICS: Duration = Duration::from_secs(1);

/// How long a number skipped by the feed is looked for: a transaction still open when a
/// later one committed fills it when it commits; one rolled back never does.
const GAP_PATIENCE: Duration = Duration::from_secs(120);

/// This server process, in the rows it writes (its metrics count its own changes).
fn origin() -> &'static str {
    static ORIGIN: OnceLock<String> = OnceLock::new();
    ORIGIN.get_or_init(|| format!("{:016x}", rand::random::<u64>()))
}

/// A change to record, as its row's values.
struct Change<'a> {
    kind: ChangeKind,
    detail: &'a str,
    project_id: Option<i64>,
    ledger_entry_id: Option<i64>,
    county: &'a str,
    township: Option<&'a str>,
    on: NaiveDate,
}

const RECORD_ON_POSTGRES: &str = concat!(
    "WITH added AS (INSERT INTO change_event (change, detail, project_id, ledger_entry_id, county_code, ",
    "township_code, occurred_on, recorded_at, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ",
    "RETURNING id) SELECT pg_notify('tracker_changes', '') FROM added"
);
const RECORD_ON_SQLITE: &str = concat!(
    "INSERT INTO change_event (change, detail, project_id, ledger_entry_id, county_code, ",
    "township_code, occurred_on, recorded_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
);

/// One statement a change, its text fixed: every step, report and entry writes one, and
/// built by sea-query each time it cost a progress report a twentieth more work. On
/// PostgreSQL the same statement announces it, delivered at commit (once however many
/// changes the transaction made).
async fn record(conn: &impl ConnectionTrait, change: Change<'_>) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => RECORD_ON_POSTGRES,
        _ => RECORD_ON_SQLITE,
    };
    let detail: String = change.detail.chars().take(32).collect();
    let values: [sea_orm::Value; 9] = [
        change.kind.as_str().into(),
        detail.into(),
        change.project_id.into(),
        change.ledger_entry_id.into(),
        change.county.into(),
        change.township.map(str::to_string).into(),
        change.on.into(),
        chrono::Utc::now().into(),
        origin().into(),
    ];
    conn.execute_raw(sea_orm::Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(())
}

/// A project's step (STATUS, `detail` the action) or progress report (PROGRESS), in the
/// change's transaction.
pub async fn project_changed(
    conn: &impl ConnectionTrait,
    project: &project::Model,
    kind: ChangeKind,
    detail: &str,
    on: NaiveDate,
) -> Result<(), DbErr> {
    let change = Change {
        kind,
        detail,
        project_id: Some(project.id),
        ledger_entry_id: None,
        county: &project.county_code,
        township: Some(&project.township_code),
        on,
    };
    record(conn, change).await
}

/// A ledger entry (MONEY, `detail` its kind), in the entry's transaction.
pub async fn entry_recorded(conn: &impl ConnectionTrait, entry: &ledger_entry::Model) -> Result<(), DbErr> {
    let change = Change {
        kind: ChangeKind::Money,
        detail: &entry.kind,
        project_id: entry.project_id,
        ledger_entry_id: Some(entry.id),
        county: &entry.county_code,
        township: entry.township_code.as_deref(),
        on: entry.entry_date,
    };
    record(conn, change).await
}

/// A server's reader of the change feed, handing each committed change to its subscribers.
pub struct Feed {
    sender: broadcast::Sender<Arc<change_event::Model>>,
}

impl Feed {
    /// Starts following the changes committed to `db` from now on.
    pub fn start(db: DatabaseConnection) -> Arc<Feed> {
        let (sender, _) = broadcast::channel(BUFFER);
        let feed = Arc::new(Feed { sender });
        tokio::spawn(run(db, Arc::downgrade(&feed)));
        feed
    }
}

/// A connection of the feed's own for its reads: they come on their own clock, and taking
/// the requests' pool they would wait among requests and be counted as theirs.
fn own_connection(db: &DatabaseConnection) -> DatabaseConnection {
    use sea_orm::{SqlxPostgresConnector, SqlxSqliteConnector};
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let options = (*db.get_postgres_connection_pool().connect_options()).clone();
            SqlxPostgresConnector::from_sqlx_postgres_pool(
                sea_orm::sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect_lazy_with(options),
            )
        }
        _ => {
            let options = (*db.get_sqlite_connection_pool().connect_options()).clone();
            SqlxSqliteConnector::from_sqlx_sqlite_pool(
                sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_lazy_with(options),
            )
        }
    }
}

/// What wakes the feed besides its clock.
enum Wake {
    Sqlite(tokio::sync::watch::Receiver<u32>),
    Postgres(Box<sea_orm::sqlx::postgres::PgListener>),
    Clock,
}

impl Wake {
    async fn of(db: &DatabaseConnection) -> Wake {
        if let Some(commits) = crate::db::writer::commits(db) {
            return Wake::Sqlite(commits);
        }
        if db.get_database_backend() == DbBackend::Postgres {
            // A connection of its own, not one of the pool's for as long as it listens.
            let options = (*db.get_postgres_connection_pool().connect_options()).clone();
            let own = sea_orm::sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_lazy_with(options);
            match sea_orm::sqlx::postgres::PgListener::connect_with(&own).await {
                Ok(mut listener) => match listener.listen(CHANNEL).await {
                    Ok(()) => return Wake::Postgres(Box::new(listener)),
                    Err(e) => tracing::warn!("the change feed cannot LISTEN: {e}; it reads once a second"),
                },
                Err(e) => tracing::warn!("the change feed cannot LISTEN: {e}; it reads once a second"),
            }
        }
        Wake::Clock
    }

    /// Waits for a commit (and the commits close behind it) or a second.
    async fn wait(&mut self, gather: Duration) {
        let second = tokio::time::sleep(Duration::from_secs(1));
        match self {
            Wake::Sqlite(commits) => {
                tokio::select! {
                    changed = commits.changed() => {
                        if changed.is_err() {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            return;
                        }
                        tokio::time::sleep(gather).await;
                        // The commits made meanwhile are read with this one.
                        commits.borrow_and_update();
                    }
                    () = second => {}
                }
            }
            Wake::Postgres(listener) => {
                tokio::select! {
                    notified = listener.recv() => {
                        if let Err(e) = notified {
                            tracing::warn!("the change feed's LISTEN connection failed: {e}");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                        tokio::time::sleep(gather).await;
                        // The commits announced meanwhile are read with this one.
                        while listener.next_buffered().is_some() {}
                    }
                    () = second => {}
                }
            }
            Wake::Clock => second.await,
        }
    }
}

/// Numbers the feed passed over, looked for until they come or [`GAP_PATIENCE`] runs out.
#[derive(Default)]
struct Gaps {
    /// Inclusive ranges of numbers not yet seen, and since when they are looked for.
    ranges: Vec<(i64, i64, Instant)>,
}

impl Gaps {
    /// Ranges looked for at once; past this the oldest are given up (each is a term of the
    /// feed's query).
    const MAX: usize = 64;

    fn condition(&self, last: i64) -> sea_orm::Condition {
        let mut any = sea_orm::Condition::any().add(change_event::Column::Id.gt(last));
        for (from, to, _) in &self.ranges {
            any = any.add(change_event::Column::Id.between(*from, *to));
        }
        any
    }

    fn open(&mut self, from: i64, to: i64) {
        self.ranges.push((from, to, Instant::now()));
        if self.ranges.len() > Self::MAX {
            self.ranges.remove(0);
        }
    }

    /// `id` has come: it is no longer looked for. Whether it was (a late commit).
    fn fill(&mut self, id: i64) -> bool {
        let Some(at) = self.ranges.iter().position(|(from, to, _)| (*from..=*to).contains(&id)) else {
            return false;
        };
        let (from, to, since) = self.ranges.remove(at);
        if from < id {
            self.ranges.push((from, id - 1, since));
        }
        if id < to {
            self.ranges.push((id + 1, to, since));
        }
        true
    }

    fn expire(&mut self) {
        self.ranges.retain(|(_, _, since)| since.elapsed() < GAP_PATIENCE);
    }
}

/// The feed's task, for as long as its server holds the [`Feed`].
async fn run(app_db: DatabaseConnection, feed: std::sync::Weak<Feed>) {
    let db = own_connection(&app_db);
    let mut last = loop {
        match latest(&db).await {
            Ok(last) => break last,
            Err(e) => {
                tracing::warn!("the change feed cannot read where the feed stands: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    let mut wake = Wake::of(&app_db).await;
    let mut gaps = Gaps::default();
    loop {
        let Some(feed) = feed.upgrade() else { return };
        let sender = &feed.sender;
        let gather = if sender.receiver_count() > 0 {
            GATHER
        } else {
            GATHER_FOR_METRICS
        };
        wake.wait(gather).await;
        // Nobody to hand changes to and nothing to count: read when somebody follows.
        if sender.receiver_count() == 0 && !crate::telemetry::metrics_installed() {
            continue;
        }
        loop {
            let rows = match change_event::Entity::find()
                .filter(gaps.condition(last))
                .order_by_asc(change_event::Column::Id)
                .limit(BATCH)
                .all(&db)
                .await
            {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!("the change feed cannot read the changes: {e}");
                    break;
                }
            };
            let full = rows.len() as u64 == BATCH;
            for row in rows {
                if row.id <= last {
                    // A number looked for (the query reads no other below `last`).
                    if !gaps.fill(row.id) {
                        continue;
                    }
                } else {
                    if row.id > last + 1 {
                        gaps.open(last + 1, row.id - 1);
                    }
                    last = row.id;
                }
                if row.origin == origin() {
                    match ChangeKind::parse(&row.change) {
                        Some(ChangeKind::Money) => crate::telemetry::ledger_entries_written(&row.detail, 1),
                        Some(ChangeKind::Status) => crate::telemetry::lifecycle_action(&row.detail),
                        _ => {}
                    }
                }
                // No subscriber is no error.
                let _ = sender.send(Arc::new(row));
            }
            gaps.expire();
            if !full {
                break;
            }
        }
    }
}

async fn latest(db: &DatabaseConnection) -> Result<i64, DbErr> {
    Ok(change_event::Entity::find()
        .select_only()
        .column_as(change_event::Column::Id.max(), "id")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// What a subscriber follows.
#[derive(Clone, Debug)]
pub enum Follow {
    /// Projects' changes in a region (of one project, of some kinds).
    Projects {
        region: RegionCode,
        project_id: Option<i64>,
        kinds: Vec<ChangeKind>,
    },
    /// Ledger entries in a region.
    Ledger { region: RegionCode },
}

impl Follow {
    fn region(&self) -> &RegionCode {
        match self {
            Follow::Projects { region, .. } | Follow::Ledger { region } => region,
        }
    }

    /// Whether `event` is one this follows (before what the follower may see is checked).
    fn wants(&self, event: &change_event::Model) -> bool {
        if !changes::falls_in(self.region(), &event.county_code, event.township_code.as_deref()) {
            return false;
        }
        match self {
            Follow::Projects { project_id, kinds, .. } => {
                event.project_id.is_some()
                    && (project_id.is_none() || *project_id == event.project_id)
                    && (kinds.is_empty() || ChangeKind::parse(&event.change).is_some_and(|k| kinds.contains(&k)))
            }
            Follow::Ledger { .. } => event.ledger_entry_id.is_some(),
        }
    }
}

/// A change delivered to a follower, with the project or entry as it is now.
pub struct Followed {
    pub event: Arc<change_event::Model>,
    pub project: Option<project::Model>,
    pub entry: Option<ledger_entry::Model>,
}

struct Follower {
    db: DatabaseConnection,
    actor: Actor,
    what: Follow,
    live: broadcast::Receiver<Arc<change_event::Model>>,
    /// Read from the table: the replay after a cursor, or what a lag skipped.
    queued: VecDeque<Arc<change_event::Model>>,
    /// The numbers of the changes read from the table, so that the feed's copies of them
    /// are passed over (the last few thousand).
    read: VecDeque<i64>,
    /// Whether the last read from the table stopped at its batch size (there is more).
    more: bool,
    /// The highest change number seen.
    last: i64,
    /// The change it began after.
    began: i64,
}

impl Follower {
    /// Queues the changes after `self.last` from the table.
    async fn read_after(&mut self) -> ServiceResult<()> {
        let mut query = change_event::Entity::find()
            .filter(change_event::Column::Id.gt(self.last))
            .order_by_asc(change_event::Column::Id)
            .limit(BATCH);
        let region = self.what.region();
        if let Some(county) = region.county().filter(|_| region.level() != RegionLevel::Province) {
            query = query.filter(change_event::Column::CountyCode.eq(county.as_str()));
        }
        let rows = query.all(&self.db).await?;
        self.more = rows.len() as u64 == BATCH;
        for row in rows {
            self.last = self.last.max(row.id);
            self.read.push_back(row.id);
            self.queued.push_back(Arc::new(row));
        }
        while self.read.len() > 4 * BATCH as usize {
            self.read.pop_front();
        }
        Ok(())
    }

    async fn next(&mut self) -> Option<Followed> {
        loop {
            if self.queued.is_empty() && self.more && self.read_after().await.is_err() {
                return None;
            }
            let event = match self.queued.pop_front() {
                Some(event) => event,
                None => match self.live.recv().await {
                    // From before this follower began (a feed catching up after a time
                    // with nobody following), or the feed's copy of one read from the table.
                    Ok(event) if event.id <= self.began || self.read.contains(&event.id) => continue,
                    Ok(event) => {
                        self.last = self.last.max(event.id);
                        event
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // Fallen behind the feed: read what was missed from the table.
                        if self.read_after().await.is_err() {
                            return None;
                        }
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            };
            if !self.what.wants(&event) {
                continue;
            }
            match self.visible(&event).await {
                Ok(Some(followed)) => return Some(followed),
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!("a subscription could not read a change: {e}");
                    continue;
                }
            }
        }
    }

    /// The change with its project or entry, if the follower may see them now.
    async fn visible(&self, event: &Arc<change_event::Model>) -> ServiceResult<Option<Followed>> {
        let entry = match event.ledger_entry_id {
            Some(id) => match super::funds::find_entry(&self.db, &self.actor, id).await? {
                Some(entry) => Some(entry),
                None => return Ok(None),
            },
            None => None,
        };
        let project = match (&self.what, event.project_id) {
            (Follow::Projects { .. }, Some(id)) => match super::projects::find(&self.db, &self.actor, id).await? {
                Some(project) => Some(project),
                None => return Ok(None),
            },
            _ => None,
        };
        Ok(Some(Followed {
            event: event.clone(),
            project,
            entry,
        }))
    }
}

/// The changes `actor` follows: first those after `after` (a cursor from an earlier
/// change), then each as it is committed — only what the actor may see, checked as each
/// change arrives.
pub async fn follow(
    db: &DatabaseConnection,
    feed: &Feed,
    actor: &Actor,
    what: Follow,
    after: Option<i64>,
) -> ServiceResult<impl Stream<Item = Followed> + Send + use<>> {
    let region = what.region().clone();
    match &what {
        Follow::Ledger { .. } => authorize_at(actor, Operation::ViewFunds, &region)?,
        Follow::Projects { .. } => {
            if !actor.scope.sees(&region) {
                return Err(crate::domain::fault::Fault::forbidden(format!(
                    "region {region} is outside your area; follow a region within it"
                ))
                .into());
            }
        }
    }
    // Listening first: a change committed while the replay is read is then not lost.
    let live = feed.sender.subscribe();
    let mut follower = Follower {
        db: db.clone(),
        actor: actor.clone(),
        what,
        live,
        queued: VecDeque::new(),
        read: VecDeque::new(),
        more: false,
        last: 0,
        began: 0,
    };
    match after {
        Some(after) if after < 0 => {
            return Err(ServiceError::Rejected(vec![crate::domain::fault::Fault::invalid(
                "after",
                "a cursor is a change's number, from 0 up",
            )]));
        }
        Some(after) => {
            // A cursor from beyond the feed (a restored database): from where it stands.
            let after = after.min(latest(db).await?);
            (follower.last, follower.began) = (after, after);
            follower.read_after().await?;
        }
        None => {
            let now = latest(db).await?;
            (follower.last, follower.began) = (now, now);
        }
    }
    Ok(futures_util::stream::unfold(follower, |mut follower| async move {
        follower.next().await.map(|followed| (followed, follower))
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_change_is_announced_on_the_channel_the_feed_listens_to() {
        assert!(super::RECORD_ON_POSTGRES.contains(&format!("pg_notify('{}'", super::CHANNEL)));
    }
}
