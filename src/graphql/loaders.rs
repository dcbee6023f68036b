//! Batched lookups for nested fields, one set per request, so a page of N objects costs
//! one query per kind of reference rather than N.
//!
//! Loaders resolve references *from* objects the caller may already see, and every such
//! reference stays inside what the caller may see: a region's parent is in the caller's
//! subtree or above it, a department's county and a visible user's region likewise. The
//! scope itself is applied where objects enter a response (lists, `node`, root lookups).
//! A project's villages, township, department and events belong to the project.
use entity::{department, region};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

pub struct RegionLoader(DatabaseConnection);
pub struct DepartmentLoader(DatabaseConnection);

impl Loader<String> for RegionLoader {
    type Value = region::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let rows = region::Entity::find()
            .filter(region::Column::Code.is_in(keys.iter().cloned()))
            .all(&self.0)
            .await
            .map_err(super::errors::internal)?;
        Ok(rows.into_iter().map(|r| (r.code.clone(), r)).collect())
    }
}

impl Loader<i64> for DepartmentLoader {
    type Value = department::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = department::Entity::find()
            .filter(department::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await
            .map_err(super::errors::internal)?;
        Ok(rows.into_iter().map(|d| (d.id, d)).collect())
    }
}

/// A project's village codes.
pub struct ProjectVillageLoader(DatabaseConnection);
/// A project's lifecycle events, oldest first.
pub struct ProjectEventLoader(DatabaseConnection);

impl Loader<i64> for ProjectVillageLoader {
    type Value = Vec<String>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        crate::service::projects::villages_of(&self.0, keys)
            .await
            .map_err(super::errors::from_service)
    }
}

impl Loader<i64> for ProjectEventLoader {
    type Value = Vec<entity::project_event::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        crate::service::projects::events_of(&self.0, keys)
            .await
            .map_err(super::errors::from_service)
    }
}

/// The loaders of one request. Each caches what it loaded, so a list resolver can prime
/// them for a whole page (see `projects::prime`) and nested fields then cost nothing —
/// batching that does not depend on how quickly the resolvers happen to run.
pub struct Loaders {
    pub regions: DataLoader<RegionLoader, HashMapCache>,
    pub departments: DataLoader<DepartmentLoader, HashMapCache>,
    pub project_villages: DataLoader<ProjectVillageLoader, HashMapCache>,
    pub project_events: DataLoader<ProjectEventLoader, HashMapCache>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Loaders {
        Loaders {
            regions: DataLoader::with_cache(RegionLoader(db.clone()), tokio::spawn, HashMapCache::default()),
            departments: DataLoader::with_cache(DepartmentLoader(db.clone()), tokio::spawn, HashMapCache::default()),
            project_villages: DataLoader::with_cache(
                ProjectVillageLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            project_events: DataLoader::with_cache(
                ProjectEventLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
        }
    }
}
