//! 质保金 — a county's retention terms (absent: the national terms).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "retention_policy")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub county_code: String,
    /// Hundredths of a percent: 300 is 3 %.
    pub rate_bp: i32,
    pub guarantee_months: i32,
    /// The document that sets them.
    pub source: String,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
