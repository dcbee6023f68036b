//! Batched lookups for nested fields, one set per request, so a page of N objects costs
//! one query per kind of reference rather than N.
//!
//! Loaders resolve references *from* objects the caller may already see, and every such
//! reference stays inside what the caller may see: a region's parent is in the caller's
//! subtree or above it, a department's county and a visible user's region likewise. The
//! scope itself is applied where objects enter a response (lists, `node`, root lookups).
use entity::{department, region};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};

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

pub struct Loaders {
    pub regions: DataLoader<RegionLoader>,
    pub departments: DataLoader<DepartmentLoader>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Loaders {
        Loaders {
            regions: DataLoader::new(RegionLoader(db.clone()), tokio::spawn),
            departments: DataLoader::new(DepartmentLoader(db.clone()), tokio::spawn),
        }
    }
}
