//! 督考 — one version of a county's scoring scheme.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assessment_scheme")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub county_code: String,
    /// 1, 2, … per county.
    pub version: i32,
    /// The first day it scores (a quarter is scored by the scheme in force on its last day).
    pub effective_from: Date,
    /// Its name or the document that sets it.
    pub name: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
