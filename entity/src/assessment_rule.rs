//! 督考 — one indicator of a scoring scheme for one kind of unit.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assessment_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub scheme_id: i64,
    /// TOWNSHIP or DEPARTMENT.
    pub unit: String,
    pub indicator: String,
    /// The points it is worth, in hundredths.
    pub weight_hundredths: i64,
    /// For a count, the points each item costs, in hundredths.
    pub deduction_hundredths: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
