//! A fund line's planned amount in one version of the annual plan.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "annual_plan_fund")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub plan_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fund_line_id: i64,
    pub planned_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
