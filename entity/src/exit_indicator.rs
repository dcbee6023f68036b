//! One indicator of an exit standard.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "exit_indicator")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub standard_id: i64,
    pub position: i32,
    pub code: String,
    pub name: String,
    /// VILLAGE or COUNTY.
    pub level: String,
    pub sector: Option<String>,
    /// JUDGED or MEASURED.
    pub kind: String,
    pub comparator: Option<String>,
    /// An exact decimal, as text.
    pub threshold: Option<String>,
    pub unit: Option<String>,
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
