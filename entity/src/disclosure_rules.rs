//! 公示规则 — one version of a county's disclosure rules, in force from its day.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "disclosure_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub county_code: String,
    pub effective_from: Date,
    pub approval_needs_application: bool,
    pub application_min_days: i32,
    pub acceptance_needs_completion: bool,
    pub adjustment_deadline_working_days: i32,
    pub set_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
