//! 年度计划 — one version of a county's annual plan; an approved version is locked.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "annual_plan")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub county_code: String,
    pub year: i32,
    pub version: i32,
    pub status: String,
    pub approved_at: Option<DateTimeUtc>,
    pub approved_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
