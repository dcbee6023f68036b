//! Batched lookups for nested fields, one set per request, so a page of N objects costs
//! one query per kind of reference rather than N.
//!
//! Loaders resolve references *from* objects the caller may already see, and every such
//! reference stays inside what the caller may see: a region's parent is in the caller's
//! subtree or above it, a department's county and a visible user's region likewise. The
//! scope itself is applied where objects enter a response (lists, `node`, root lookups).
//! A project's villages, township, department, events and ledger entries belong to the
//! project; an entry's fund line, project and allocation belong to the entry.
//!
//! Every batch read is a service function (`by_ids`, `by_codes`, `…_of`); this module only
//! batches and caches.
use crate::domain::funds::EntryKind;
use crate::domain::money::Money;
use crate::service::{self, funds::KindAmounts};
use entity::{department, fund_line, ledger_entry, project, region};
use sea_orm::DatabaseConnection;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

/// Regions by code.
pub struct RegionLoader(DatabaseConnection);
/// Departments by id.
pub struct DepartmentLoader(DatabaseConnection);
/// A project's village codes.
pub struct ProjectVillageLoader(DatabaseConnection);
/// A project's lifecycle events, oldest first.
pub struct ProjectEventLoader(DatabaseConnection);
/// Fund lines by id.
pub struct FundLineLoader(DatabaseConnection);
/// A fund line's receipts, allocations and disbursements.
pub struct FundLineTotalsLoader(DatabaseConnection);
/// Ledger entries by id.
pub struct LedgerEntryLoader(DatabaseConnection);
/// The reversal of an entry, by the id of the entry it reverses.
pub struct ReversalLoader(DatabaseConnection);
/// Projects by id.
pub struct ProjectLoader(DatabaseConnection);
/// A project's ledger entries of one kind.
pub struct ProjectEntriesLoader(DatabaseConnection, EntryKind);
/// A project's money per kind of fund.
pub struct ProjectAmountsByKindLoader(DatabaseConnection);
/// A project's progress reports, newest first.
pub struct ProjectProgressLoader(DatabaseConnection);
/// A project's retention (质保金) today.
pub struct ProjectRetentionLoader(DatabaseConnection);
/// A rectification problem's concerns.
pub struct RectificationConcernLoader(DatabaseConnection);
/// A rectification problem's steps, by day.
pub struct RectificationEventLoader(DatabaseConnection);
/// The projects linked to an exit gap.
pub struct ExitGapProjectLoader(DatabaseConnection);
/// A monthly task list's items, in order.
pub struct TaskListItemLoader(DatabaseConnection);
pub struct DisclosureObjectionLoader(DatabaseConnection);
pub struct ProjectDisclosureLoader(DatabaseConnection);
/// A project's latest progress report, `None` for a project without reports (cached like
/// any other answer).
pub struct ProjectLatestProgressLoader(DatabaseConnection);

/// A loader of rows by key whose batch read is a service function; `wrap` makes the value
/// (`Arc::new` for rows many objects of a page share, like every project's township).
macro_rules! rows_loader {
    ($loader:ty, $key:ty => $value:ty, $read:path, |$row:ident| $key_of:expr, $wrap:expr) => {
        impl Loader<$key> for $loader {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = $read(&self.0, keys).await.map_err(super::errors::from_service)?;
                Ok(rows.into_iter().map(|$row| ($key_of, $wrap($row))).collect())
            }
        }
    };
}

rows_loader!(RegionLoader, String => Arc<region::Model>, service::regions::by_codes, |r| r.code.clone(), Arc::new);
rows_loader!(DepartmentLoader, i64 => Arc<department::Model>, service::departments::by_ids, |r| r.id, Arc::new);
rows_loader!(FundLineLoader, i64 => fund_line::Model, service::funds::lines_by_ids, |r| r.id, std::convert::identity);
rows_loader!(LedgerEntryLoader, i64 => ledger_entry::Model, service::funds::entries_by_ids, |r| r.id, std::convert::identity);
rows_loader!(ReversalLoader, i64 => ledger_entry::Model, service::journal::reversals_of, |r| r.reverses_id.unwrap_or_default(), std::convert::identity);
rows_loader!(ProjectLoader, i64 => project::Model, service::projects::by_ids, |r| r.id, std::convert::identity);

/// A loader by project or fund line id whose batch query is a service function
/// (`|loader, keys| call`), which answers for every key asked.
macro_rules! service_loader {
    ($loader:ty => $value:ty, |$this:ident, $keys:ident| $call:expr) => {
        impl Loader<i64> for $loader {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, $keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                let $this = self;
                $call.await.map_err(super::errors::from_service)
            }
        }
    };
}

service_loader!(ProjectVillageLoader => Vec<String>, |l, keys| service::projects::villages_of(&l.0, keys));
service_loader!(ProjectEventLoader => Vec<entity::project_event::Model>, |l, keys| {
    service::projects::events_of(&l.0, keys)
});
service_loader!(ProjectLatestProgressLoader => Option<entity::progress_report::Model>, |l, keys| {
    service::progress::latest_reports_of_projects(&l.0, keys)
});
service_loader!(ProjectProgressLoader => Vec<entity::progress_report::Model>, |l, keys| {
    service::progress::reports_of_projects(&l.0, keys)
});
service_loader!(FundLineTotalsLoader => (Money, Money, Money), |l, keys| {
    service::funds::totals_of_lines(&l.0, keys)
});
service_loader!(ProjectEntriesLoader => Vec<ledger_entry::Model>, |l, keys| {
    service::funds::entries_of_projects(&l.0, keys, l.1)
});
service_loader!(ProjectRetentionLoader => crate::domain::retention::Retention, |l, keys| {
    service::retention::of_project_ids(&l.0, keys)
});
service_loader!(RectificationConcernLoader => Vec<entity::rectification_concern::Model>, |l, keys| {
    service::rectification::concerns_of(&l.0, keys)
});
service_loader!(RectificationEventLoader => Vec<entity::rectification_event::Model>, |l, keys| {
    service::rectification::events_of(&l.0, keys)
});
service_loader!(ExitGapProjectLoader => Vec<i64>, |l, keys| service::exit::projects_of_gaps(&l.0, keys));
service_loader!(TaskListItemLoader => Vec<entity::task_list_item::Model>, |l, keys| {
    service::task_lists::items_of(&l.0, keys)
});
service_loader!(DisclosureObjectionLoader => Vec<entity::disclosure_objection::Model>, |l, keys| {
    service::disclosure::objections_of(&l.0, keys)
});
service_loader!(ProjectDisclosureLoader => Vec<entity::disclosure::Model>, |l, keys| {
    service::disclosure::of_projects(&l.0, keys)
});
service_loader!(ProjectAmountsByKindLoader => Vec<KindAmounts>, |l, keys| {
    service::funds::amounts_by_kind_of_projects(&l.0, keys)
});

/// The loaders of one request. Each caches what it loaded, so a list resolver can prime
/// them for a whole page (see `projects::prime`) and nested fields then cost nothing —
/// batching that does not depend on how quickly the resolvers happen to run.
pub struct Loaders {
    pub regions: Cached<RegionLoader, String>,
    pub departments: Cached<DepartmentLoader, i64>,
    pub project_villages: Cached<ProjectVillageLoader, i64>,
    pub project_events: Cached<ProjectEventLoader, i64>,
    pub fund_lines: Cached<FundLineLoader, i64>,
    pub fund_line_totals: Cached<FundLineTotalsLoader, i64>,
    pub ledger_entries: Cached<LedgerEntryLoader, i64>,
    pub reversals: Cached<ReversalLoader, i64>,
    pub projects: Cached<ProjectLoader, i64>,
    pub project_allocations: Cached<ProjectEntriesLoader, i64>,
    pub project_disbursements: Cached<ProjectEntriesLoader, i64>,
    pub project_amounts_by_kind: Cached<ProjectAmountsByKindLoader, i64>,
    pub project_progress: Cached<ProjectProgressLoader, i64>,
    pub project_latest_progress: Cached<ProjectLatestProgressLoader, i64>,
    pub project_retention: Cached<ProjectRetentionLoader, i64>,
    pub rectification_concerns: Cached<RectificationConcernLoader, i64>,
    pub rectification_events: Cached<RectificationEventLoader, i64>,
    pub task_list_items: Cached<TaskListItemLoader, i64>,
    pub exit_gap_projects: Cached<ExitGapProjectLoader, i64>,
    pub disclosure_objections: Cached<DisclosureObjectionLoader, i64>,
    pub project_disclosures: Cached<ProjectDisclosureLoader, i64>,
}

/// A request's loader (which keeps what it loaded) and, beside it, what a page primed.
///
/// A page knows all its items' references at once and loads them with one query each
/// (`prime`); the items' fields then find them here with one lock and one hash. Through
/// the loader, a value already cached costs a lock, three hash maps, two allocations and
/// a clone: a twentieth of the server's work on a page of 100 projects.
pub struct Cached<L: Loader<K>, K: Send + Sync + Hash + Eq + Clone + 'static> {
    loader: DataLoader<L, HashMapCache>,
    primed: RwLock<HashMap<K, L::Value>>,
}

impl<L, K> Cached<L, K>
where
    L: Loader<K>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    fn new(loader: L) -> Self {
        Cached {
            loader: DataLoader::with_cache(loader, tokio::spawn, HashMapCache::new()),
            primed: RwLock::new(HashMap::new()),
        }
    }

    /// The value of `key`; the key is copied only when it has to go to the loader (a page's
    /// regions are found by a borrowed code).
    pub async fn load_one<Q>(&self, key: &Q) -> Result<Option<L::Value>, L::Error>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(value) = self.primed.read().ok().and_then(|p| p.get(key).cloned()) {
            return Ok(Some(value));
        }
        self.loader.load_one(key.to_owned()).await
    }

    /// Like `load_one`, but a primed value is moved out instead of cloned: for the lists a
    /// field asks for once (a project's payments, events, reports), whose clone, string by
    /// string, cost a twentieth of a project's full history. Asked for again (the same
    /// field under a second alias), the value is read again through the loader.
    pub async fn take_one(&self, key: K) -> Result<Option<L::Value>, L::Error> {
        if let Some(value) = self.primed.write().ok().and_then(|mut p| p.remove(&key)) {
            return Ok(Some(value));
        }
        self.loader.load_one(key).await
    }

    /// The values of `keys`, in their order (`None` for a key with no value).
    pub async fn load_each(&self, keys: &[K]) -> Result<Vec<Option<L::Value>>, L::Error> {
        let mut values: Vec<Option<L::Value>> = match self.primed.read() {
            Ok(primed) => keys.iter().map(|k| primed.get(k).cloned()).collect(),
            Err(_) => vec![None; keys.len()],
        };
        let missing: Vec<K> = keys
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k.clone())
            .collect();
        if !missing.is_empty() {
            let mut loaded = self.loader.load_many(missing).await?;
            for (key, value) in keys.iter().zip(values.iter_mut()) {
                if value.is_none() {
                    *value = loaded.remove(key);
                }
            }
        }
        Ok(values)
    }

    /// Loads `keys` now, with one query, and keeps the answers for the fields that will ask:
    /// for a resolver that knows the whole batch already (a page priming its items'
    /// references). Unlike `load_many` it neither waits out the batching window nor hands
    /// the query to another task: those cost more CPU than the query itself on a busy server.
    pub async fn prime(&self, keys: &[K]) -> Result<(), L::Error> {
        if keys.is_empty() {
            return Ok(());
        }
        let found = self.loader.loader().load(keys).await?;
        if let Ok(mut primed) = self.primed.write() {
            primed.extend(found);
        }
        Ok(())
    }

    /// Forgets every value loaded or primed.
    fn clear(&self) {
        self.loader.clear::<K>();
        if let Ok(mut primed) = self.primed.write() {
            primed.clear();
        }
    }

    /// `f` of what has been primed so far.
    pub fn with_primed<R>(&self, f: impl FnOnce(&HashMap<K, L::Value>) -> R) -> R {
        match self.primed.read() {
            Ok(primed) => f(&primed),
            Err(_) => f(&HashMap::new()),
        }
    }
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Loaders {
        Loaders {
            regions: Cached::new(RegionLoader(db.clone())),
            departments: Cached::new(DepartmentLoader(db.clone())),
            project_villages: Cached::new(ProjectVillageLoader(db.clone())),
            project_events: Cached::new(ProjectEventLoader(db.clone())),
            fund_lines: Cached::new(FundLineLoader(db.clone())),
            fund_line_totals: Cached::new(FundLineTotalsLoader(db.clone())),
            ledger_entries: Cached::new(LedgerEntryLoader(db.clone())),
            reversals: Cached::new(ReversalLoader(db.clone())),
            projects: Cached::new(ProjectLoader(db.clone())),
            project_allocations: Cached::new(ProjectEntriesLoader(db.clone(), EntryKind::Allocation)),
            project_disbursements: Cached::new(ProjectEntriesLoader(db.clone(), EntryKind::Disbursement)),
            project_amounts_by_kind: Cached::new(ProjectAmountsByKindLoader(db.clone())),
            project_progress: Cached::new(ProjectProgressLoader(db.clone())),
            project_latest_progress: Cached::new(ProjectLatestProgressLoader(db.clone())),
            project_retention: Cached::new(ProjectRetentionLoader(db.clone())),
            rectification_concerns: Cached::new(RectificationConcernLoader(db.clone())),
            rectification_events: Cached::new(RectificationEventLoader(db.clone())),
            task_list_items: Cached::new(TaskListItemLoader(db.clone())),
            exit_gap_projects: Cached::new(ExitGapProjectLoader(db.clone())),
            disclosure_objections: Cached::new(DisclosureObjectionLoader(db.clone())),
            project_disclosures: Cached::new(ProjectDisclosureLoader(db.clone())),
        }
    }

    /// Forgets what was loaded. A subscription's connection keeps its loaders for as long
    /// as it is open; each change it delivers must be read as it is then.
    pub fn forget(&self) {
        self.regions.clear();
        self.departments.clear();
        self.project_villages.clear();
        self.project_events.clear();
        self.fund_lines.clear();
        self.fund_line_totals.clear();
        self.ledger_entries.clear();
        self.reversals.clear();
        self.projects.clear();
        self.project_allocations.clear();
        self.project_disbursements.clear();
        self.project_amounts_by_kind.clear();
        self.project_progress.clear();
        self.project_latest_progress.clear();
        self.project_retention.clear();
        self.rectification_concerns.clear();
        self.rectification_events.clear();
        self.task_list_items.clear();
        self.exit_gap_projects.clear();
        self.disclosure_objections.clear();
        self.project_disclosures.clear();
    }
}
