//! A village's counts for a year, as the thresholds need them: registered population, poor
//! households and people, and those who exited. Counts only, no personal data.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "village_figures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub village_code: String,
    pub year: i32,
    /// 户籍人口.
    pub population: i32,
    /// 建档立卡贫困户 and people registered.
    pub poor_households: i32,
    pub poor_people: i32,
    /// Of them, those who exited (脱贫) by the year's end.
    pub exited_households: i32,
    pub exited_people: i32,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
