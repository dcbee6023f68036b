//! Batched lookups for nested fields, one set per request, so a page of N objects costs
//! one query per kind of reference rather than N.
//!
//! Loaders resolve references *from* objects the caller may already see, and every such
//! reference stays inside what the caller may see: a region's parent is in the caller's
//! subtree or above it, a department's county and a visible user's region likewise. The
//! scope itself is applied where objects enter a response (lists, `node`, root lookups).
//! A project's villages, township, department, events and ledger entries belong to the
//! project; an entry's fund line, project and allocation belong to the entry.
use crate::domain::funds::EntryKind;
use crate::domain::money::Money;
use crate::service::funds::KindAmounts;
use crate::service::rows::KeyedRead;
use entity::{department, region};
use sea_orm::{DatabaseConnection, EntityTrait};
use std::collections::HashMap;

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
/// Projects by id.
pub struct ProjectLoader(DatabaseConnection);
/// A project's ledger entries of one kind.
pub struct ProjectEntriesLoader(DatabaseConnection, EntryKind);
/// A project's money per kind of fund.
pub struct ProjectAmountsByKindLoader(DatabaseConnection);
/// A project's progress reports, newest first.
pub struct ProjectProgressLoader(DatabaseConnection);
/// A project's latest progress report, `None` for a project without reports (cached like
/// any other answer).
pub struct ProjectLatestProgressLoader(DatabaseConnection);

impl Loader<String> for RegionLoader {
    type Value = region::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        // A county's regions are few: PostgreSQL reads them all and hashes the keys.
        static REGIONS: KeyedRead<region::Model> = KeyedRead::new(r#""code" {in_key_set}"#, "");
        let rows = REGIONS.all(&self.0, keys, []).await.map_err(super::errors::internal)?;
        Ok(rows.into_iter().map(|r| (r.code.clone(), r)).collect())
    }
}

/// A loader of rows by their `id` column.
macro_rules! by_id_loader {
    ($loader:ty, $entity:path) => {
        impl Loader<i64> for $loader {
            type Value = <$entity as EntityTrait>::Model;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                static ROWS: KeyedRead<<$entity as EntityTrait>::Model> = KeyedRead::new(r#""id" {in_keys}"#, "");
                let rows = ROWS
                    .all(&self.0, keys, [])
                    .await
                    .map_err(super::errors::internal)?;
                Ok(rows.into_iter().map(|r| (r.id, r)).collect())
            }
        }
    };
}

by_id_loader!(DepartmentLoader, department::Entity);
by_id_loader!(FundLineLoader, entity::fund_line::Entity);
by_id_loader!(LedgerEntryLoader, entity::ledger_entry::Entity);
by_id_loader!(ProjectLoader, entity::project::Entity);

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

service_loader!(ProjectVillageLoader => Vec<String>, |l, keys| crate::service::projects::villages_of(&l.0, keys));
service_loader!(ProjectEventLoader => Vec<entity::project_event::Model>, |l, keys| {
    crate::service::projects::events_of(&l.0, keys)
});
service_loader!(ProjectLatestProgressLoader => Option<entity::progress_report::Model>, |l, keys| {
    crate::service::progress::latest_reports_of_projects(&l.0, keys)
});
service_loader!(ProjectProgressLoader => Vec<entity::progress_report::Model>, |l, keys| {
    crate::service::progress::reports_of_projects(&l.0, keys)
});
service_loader!(FundLineTotalsLoader => (Money, Money, Money), |l, keys| {
    crate::service::funds::totals_of_lines(&l.0, keys)
});
service_loader!(ProjectEntriesLoader => Vec<entity::ledger_entry::Model>, |l, keys| {
    crate::service::funds::entries_of_projects(&l.0, keys, l.1)
});
service_loader!(ProjectAmountsByKindLoader => Vec<KindAmounts>, |l, keys| {
    crate::service::funds::amounts_by_kind_of_projects(&l.0, keys)
});

/// The loaders of one request. Each caches what it loaded, so a list resolver can prime
/// them for a whole page (see `projects::prime`) and nested fields then cost nothing —
/// batching that does not depend on how quickly the resolvers happen to run.
pub struct Loaders {
    pub regions: DataLoader<RegionLoader, HashMapCache>,
    pub departments: DataLoader<DepartmentLoader, HashMapCache>,
    pub project_villages: DataLoader<ProjectVillageLoader, HashMapCache>,
    pub project_events: DataLoader<ProjectEventLoader, HashMapCache>,
    pub fund_lines: DataLoader<FundLineLoader, HashMapCache>,
    pub fund_line_totals: DataLoader<FundLineTotalsLoader, HashMapCache>,
    pub ledger_entries: DataLoader<LedgerEntryLoader, HashMapCache>,
    pub projects: DataLoader<ProjectLoader, HashMapCache>,
    pub project_allocations: DataLoader<ProjectEntriesLoader, HashMapCache>,
    pub project_disbursements: DataLoader<ProjectEntriesLoader, HashMapCache>,
    pub project_amounts_by_kind: DataLoader<ProjectAmountsByKindLoader, HashMapCache>,
    pub project_progress: DataLoader<ProjectProgressLoader, HashMapCache>,
    pub project_latest_progress: DataLoader<ProjectLatestProgressLoader, HashMapCache>,
}

/// Loads `keys` at once and keeps the answers in `loader`'s cache, for a resolver that
/// knows the whole batch already (a page priming its items' references). Unlike
/// `load_many` it neither waits out the batching window nor hands the query to another
/// task: those cost more CPU than the query itself on a busy server.
pub async fn prefetch<L, K>(loader: &DataLoader<L, HashMapCache>, keys: &[K]) -> Result<HashMap<K, L::Value>, L::Error>
where
    L: Loader<K>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let found = loader.loader().load(keys).await?;
    loader
        .feed_many(found.iter().map(|(k, v)| (k.clone(), v.clone())))
        .await;
    Ok(found)
}

/// A per-request loader that keeps what it loaded.
fn cached<L, K>(loader: L) -> DataLoader<L, HashMapCache>
where
    L: Loader<K> + Send + Sync + 'static,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Loaders {
        Loaders {
            regions: cached(RegionLoader(db.clone())),
            departments: cached(DepartmentLoader(db.clone())),
            project_villages: cached(ProjectVillageLoader(db.clone())),
            project_events: cached(ProjectEventLoader(db.clone())),
            fund_lines: cached(FundLineLoader(db.clone())),
            fund_line_totals: cached(FundLineTotalsLoader(db.clone())),
            ledger_entries: cached(LedgerEntryLoader(db.clone())),
            projects: cached(ProjectLoader(db.clone())),
            project_allocations: cached(ProjectEntriesLoader(db.clone(), EntryKind::Allocation)),
            project_disbursements: cached(ProjectEntriesLoader(db.clone(), EntryKind::Disbursement)),
            project_amounts_by_kind: cached(ProjectAmountsByKindLoader(db.clone())),
            project_progress: cached(ProjectProgressLoader(db.clone())),
            project_latest_progress: cached(ProjectLatestProgressLoader(db.clone())),
        }
    }
}
